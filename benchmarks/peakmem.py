"""Peak resident memory of this process (shared by the benchmark scripts)."""

import resource


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` (Linux; counted from this
    program's ``exec``). ``getrusage``'s ``ru_maxrss`` is not used for that: Linux carries the
    peak of the process image that ran before ``exec`` over into it, so a child started by a
    200 MB parent would report at least 200 MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
