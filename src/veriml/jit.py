"""Kernel compilation: ahead of time when built, numba just in time otherwise.

Every hot loop in veriml is a numba function. Compiled just in time, each process pays
numba's start-up before its first kernel call (importing numba, building its typing and
target contexts, loading every kernel from the disk cache: about 0.3 s and 110 MB, measured
by ``benchmarks/startup.py``) -- ten times the work of proving a small model. So kernels are
also built *ahead of time* into one native extension module (``numba.pycc``), once per
machine (``veriml build-kernels``, or the first ``veriml compile``), and a process whose
calls all find a native build never imports numba.

:func:`kernel` replaces ``numba.njit``. It returns a :class:`Kernel`: calling it looks the
argument types up in the native module and calls the native function; a type it does not
hold (or no native module, or ``VERIML_AOT=0``) goes to a numba dispatcher, made on first
need with the same options and the same on-disk cache as a plain ``@njit(cache=True)``.
Inside other kernels a :class:`Kernel` is its numba dispatcher: numba compiles each kernel
with its module's globals, every kernel, :func:`intrinsic` and :data:`prange` there swapped
for the numba object, so it compiles exactly the code it always did.

The native module exports one function per (kernel, argument types) pair listed in
``kernel_signatures.json``: the types Python code passes, recorded by running the tests
and benchmarks with ``VERIML_RECORD_KERNELS=PREFIX`` (each process writes ``PREFIX.<pid>``)
and merged with ``python -m veriml.jit merge PREFIX``. A call with types not in the list
still works, through the JIT (``VERIML_JIT_LOG=1`` prints each such call).
Kernels marked ``parallel=True`` stay JIT-only: the callers choose them above a size
threshold, where numba's start-up is small next to the work. The module's name carries a
hash of the kernel sources, the signature list, the Python version and the CPU, so an edit
makes a stale build invisible rather than wrong. Results are identical either way; the
tests run kernels through both paths (``tests/test_jit.py``).
"""

from __future__ import annotations

import atexit
import importlib.machinery
import importlib.util
import json
import os
import platform
import sys

import numpy as np

__all__ = ["Kernel", "kernel", "intrinsic", "prange", "parallel_pays", "native_module", "build", "ensure_built",
           "status", "KERNEL_MODULES"]

# modules whose functions are kernels (their sources are hashed into the native module's name)
KERNEL_MODULES = (
    "veriml.field.fast",
    "veriml.hash.keccak",
    "veriml.hash.merkle",
    "veriml.transcript",
    "veriml.ntt",
    "veriml.poly.multilinear",
    "veriml.iop.kernels",
    "veriml.pcs.kernels",
    "veriml.prover.kernels",
)
_PKG = os.path.dirname(os.path.abspath(__file__))
SIGNATURES = os.path.join(_PKG, "kernel_signatures.json")

_KERNELS: dict[str, "Kernel"] = {}  # "module.name" -> Kernel, in definition order
_INTRINSICS: list["_LazyIntrinsic"] = []
_JIT_ON = False
JIT_START_S = 0.7  # numba's start-up: import, contexts, cache loads (0.43-0.50 s, startup.py) + threading layer
_NATIVE = None  # the loaded native module's table {kernel name: {key: function}}, {} if none
_LOG_MISSES = bool(os.environ.get("VERIML_JIT_LOG"))
_RECORD: dict[str, set] | None = {} if os.environ.get("VERIML_RECORD_KERNELS") else None


def prange(*args):
    """``numba.prange`` inside kernels (swapped in when numba compiles them); ``range`` here."""
    return range(*args)


class _LazyIntrinsic:
    """A ``numba.extending.intrinsic`` made when numba is first needed."""

    def __init__(self, fn):
        self.fn = fn
        self.real = None
        _INTRINSICS.append(self)

    def make(self):
        if self.real is None:
            from numba.extending import intrinsic as nb_intrinsic

            self.real = nb_intrinsic(self.fn)
        return self.real


def intrinsic(fn):
    """``numba.extending.intrinsic``, deferred so that importing a kernel module needs no numba."""
    return _LazyIntrinsic(fn)


# ------------------------------------------------------------------ argument type keys

_DTYPE: dict = {}


def _dt(dtype) -> str:
    s = _DTYPE.get(dtype)
    if s is None:
        s = _DTYPE[dtype] = dtype.str
    return s


def _key(a):
    """The numba type of one argument as a hashable key: what ``numba.typeof`` would give."""
    t = type(a)
    if t is np.ndarray:
        f = a.flags
        layout = "C" if f.c_contiguous else ("F" if f.f_contiguous else "A")
        return ("a", _dt(a.dtype), a.ndim, layout, f.writeable)
    if t is int:
        if -(1 << 63) <= a < (1 << 63):
            return ("s", "<i8")
        return ("s", "<u8") if 0 <= a < (1 << 64) else ("?", "int")
    if t is bool:
        return ("s", "|b1")
    if t is float:
        return ("s", "<f8")
    if t is tuple:
        return ("t", tuple(_key(x) for x in a))
    if isinstance(a, np.generic):
        return ("s", _dt(a.dtype))
    return ("?", t.__name__)


def _numba_type(k):
    """A key back to the numba type (for the ahead-of-time build)."""
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    if k[0] == "a":
        _, dt, ndim, layout, writeable = k
        return types.Array(from_dtype(np.dtype(dt)), ndim, layout, readonly=not writeable)
    if k[0] == "s":
        return from_dtype(np.dtype(k[1]))
    if k[0] == "t":
        return types.BaseTuple.from_types([_numba_type(x) for x in k[1]])
    raise TypeError(f"no numba type for argument key {k!r}")


def _freeze(x):
    return tuple(_freeze(y) for y in x) if isinstance(x, list) else x


# ------------------------------------------------------------------ kernels


class Kernel:
    """A numba kernel that runs natively when built ahead of time, else through numba's JIT."""

    def __init__(self, py_func, options):
        self.py_func = py_func
        self.options = options
        self.name = f"{py_func.__module__}.{py_func.__name__}"
        self.__doc__ = py_func.__doc__
        self.__name__ = py_func.__name__
        self.__module__ = py_func.__module__
        self.__wrapped__ = py_func
        self._dispatcher = None
        self._native = None if _NATIVE is None else _NATIVE.get(self.name, {})
        _KERNELS[self.name] = self

    @property
    def aot(self) -> bool:
        """Whether this kernel is built ahead of time (never for ``parallel=True`` ones)."""
        return not self.options.get("parallel") and self.options.get("inline") != "always"

    def __call__(self, *args):
        table = self._native
        if table is None:
            table = self._native = native_table().get(self.name, {})
        if table or _RECORD is not None:
            key = tuple([_key(a) for a in args])
            fn = table.get(key)
            if fn is not None:
                return fn(*args)
            if _RECORD is not None and self.aot:
                _RECORD.setdefault(self.name, set()).add(key)
            if _LOG_MISSES and self._dispatcher is None:
                print(f"veriml.jit: {self.name}{key} not built ahead of time: JIT", file=sys.stderr)
        return self.dispatcher(*args)

    @property
    def dispatcher(self):
        """The numba dispatcher (imports numba on first use)."""
        return self._dispatcher or _make_dispatcher(self)

    def __getattr__(self, attr):  # dispatcher attributes: stats, signatures, ...
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.dispatcher, attr)

    def __repr__(self):
        return f"<veriml kernel {self.name}>"


def kernel(fn=None, **options):
    """``numba.njit(cache=True, **options)``, built ahead of time when possible; use bare or
    with options (``parallel=True``, ``inline="always"``)."""
    if fn is None:
        return lambda f: Kernel(f, options)
    return Kernel(fn, options)


_SCOPES: dict[str, dict] = {}  # module name -> the globals numba compiles that module's kernels with


def _make_dispatcher(k: "Kernel"):
    """Make ``k``'s numba dispatcher, and those of the kernels it calls (imports numba).

    The dispatcher compiles a copy of the kernel's function whose globals are its module's,
    with every :class:`Kernel`, :func:`intrinsic` and :data:`prange` it names swapped for
    the numba object, so numba sees the code it always did (same bytecode, same on-disk
    cache entry) while Python callers keep calling the :class:`Kernel` objects.
    """
    import types

    import numba

    global _JIT_ON
    _JIT_ON = True
    f = k.py_func
    scope = _SCOPES.get(f.__module__)
    if scope is None:
        scope = _SCOPES[f.__module__] = dict(sys.modules[f.__module__].__dict__)
    copy = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
    copy.__qualname__, copy.__doc__ = f.__qualname__, f.__doc__
    k._dispatcher = numba.njit(cache=True, **k.options)(copy)
    for var in f.__code__.co_names:
        val = sys.modules[f.__module__].__dict__.get(var)
        if isinstance(val, Kernel):
            scope[var] = val.dispatcher
        elif isinstance(val, _LazyIntrinsic):
            scope[var] = val.make()
        elif val is prange:
            scope[var] = numba.prange
    return k._dispatcher


def parallel_pays(serial_seconds: float) -> bool:
    """Whether a parallel (JIT-only) kernel is worth it for work a serial kernel would do in
    ``serial_seconds``: always once numba runs; else only if the threads save more than
    numba's start-up (:data:`JIT_START_S`)."""
    if _JIT_ON or not native_table():
        return True
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return serial_seconds * (1 - 1 / max(threads, 1)) > JIT_START_S


# ------------------------------------------------------------------ the native module


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read(8192)
    except OSError:
        return platform.processor()
    lines = [ln for ln in info.splitlines() if ln.startswith(("model name", "flags"))]
    return "\n".join(lines[:2])


def native_name() -> str:
    """``veriml_kernels_<hash>``: the hash of what the native module is built from."""
    from .hash.keccak import keccak256  # not hashlib: it would load OpenSSL into every process

    parts = []
    files = [os.path.join(_PKG, *mod.split(".")[1:]) + ".py" for mod in KERNEL_MODULES]
    for path in files + [os.path.abspath(__file__), SIGNATURES]:
        if os.path.exists(path):
            with open(path, "rb") as f:
                parts.append(keccak256(f.read()))
    parts.append(f"{sys.version}|{platform.machine()}|{_cpu()}".encode())
    return "veriml_kernels_" + keccak256(b"".join(parts)).hex()[:16]


def kernel_dir() -> str:
    """Where native builds live: ``$VERIML_KERNEL_DIR``, else ``~/.cache/veriml/kernels``."""
    d = os.environ.get("VERIML_KERNEL_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "veriml", "kernels")


def _paths(name: str) -> tuple[str, str]:
    d = kernel_dir()
    return os.path.join(d, name + importlib.machinery.EXTENSION_SUFFIXES[0]), os.path.join(d, name + ".json")


def native_module(name: str | None = None):
    """(module, manifest) of the native build for the current sources, or None if not built."""
    if os.environ.get("VERIML_AOT", "1") == "0":
        return None
    name = name or native_name()
    so, manifest = _paths(name)
    if not (os.path.exists(so) and os.path.exists(manifest)):
        return None
    spec = importlib.util.spec_from_file_location(name, so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(manifest) as f:
        return mod, json.load(f)


def native_table() -> dict:
    """{kernel name: {argument key: native function}}, loaded on the first kernel call."""
    global _NATIVE
    if _NATIVE is None:
        table = {}
        found = native_module()
        if found is not None:
            mod, manifest = found
            for kname, entries in manifest["kernels"].items():
                table[kname] = {_freeze(key): getattr(mod, sym) for key, sym in entries}
        _NATIVE = table
        for k in _KERNELS.values():
            k._native = table.get(k.name, {})
    return _NATIVE


def load_signatures(path=SIGNATURES) -> dict:
    """{kernel name: [argument keys]} from the recorded signature file."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {k: [_freeze(s) for s in v] for k, v in json.load(f).items()}


def build(force: bool = False) -> str:
    """Build the native module for the current sources (once per machine); its path.

    Written under a temporary name and renamed, so a concurrent or interrupted build never
    leaves a half module.
    """
    import glob
    import tempfile

    name = native_name()
    so, manifest = _paths(name)
    if os.path.exists(so) and os.path.exists(manifest) and not force:
        return so
    for mod in KERNEL_MODULES:
        importlib.import_module(mod)
    from llvmlite import binding as llvm
    from numba.pycc import CC

    sigs = load_signatures()
    os.makedirs(os.path.dirname(so), exist_ok=True)
    cc = CC(name)
    cc.target_cpu = llvm.get_host_cpu_name()
    cc.verbose = False
    entries: dict[str, list] = {}
    n = 0
    for kname, keys in sigs.items():
        k = _KERNELS.get(kname)
        if k is None or not k.aot:
            continue
        for key in keys:
            try:
                sig = tuple(_numba_type(x) for x in key)
            except TypeError:  # an argument numba cannot type ahead of time: leave it to the JIT
                continue
            sym = f"k{n}"
            n += 1
            cc.export(sym, sig)(k.dispatcher.py_func)
            entries.setdefault(kname, []).append([key, sym])
    with tempfile.TemporaryDirectory(dir=os.path.dirname(so)) as tmp:
        cc.output_dir = tmp
        cc.compile()
        built = glob.glob(os.path.join(tmp, glob.escape(name) + "*"))[0]
        meta = {"name": name, "kernels": entries, "numba": __import__("numba").__version__}
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(meta, f)
        os.replace(built, so)
        os.replace(os.path.join(tmp, "manifest.json"), manifest)
    return so


def ensure_built(progress=None) -> str | None:
    """Build the native module if it is missing and building is on; its path, or None.

    Called by ``veriml.compile``. Off with ``VERIML_AOT=0`` or ``VERIML_AOT_BUILD=0``. A build
    that fails (no C compiler, say) is noted beside it and not tried again for these
    sources; veriml then runs on numba's JIT as before.
    """
    if os.environ.get("VERIML_AOT", "1") == "0" or os.environ.get("VERIML_AOT_BUILD", "1") == "0":
        return None
    name = native_name()
    so, manifest = _paths(name)
    if os.path.exists(so) and os.path.exists(manifest):
        return so
    failed = os.path.join(os.path.dirname(so), name + ".failed")
    if os.path.exists(failed):
        return None
    if progress is not None:
        progress("native kernels (once per machine)")
    try:
        return build()
    except Exception as e:  # noqa: BLE001 - the JIT path still works; say why once
        try:
            os.makedirs(os.path.dirname(so), exist_ok=True)
            with open(failed, "w") as f:
                f.write(f"{type(e).__name__}: {e}\n")
        except OSError:
            pass
        print(f"veriml: building native kernels failed ({type(e).__name__}: {str(e)[:200]}); "
              f"using numba's JIT (details in {failed})", file=sys.stderr)
        return None


def status() -> dict:
    """What this process uses: the native module (path, kernels, functions) or JIT only."""
    name = native_name()
    so, _ = _paths(name)
    table = native_table()
    return {"native": os.path.exists(so), "path": str(so), "enabled": os.environ.get("VERIML_AOT", "1") != "0",
            "kernels": len(table), "functions": sum(len(v) for v in table.values()),
            "numba_imported": "numba" in sys.modules}


# ------------------------------------------------------------------ recording signatures


def _dump_record():
    path = os.environ.get("VERIML_RECORD_KERNELS")
    if not path or not _RECORD:
        return
    out = f"{path}.{os.getpid()}"
    with open(out, "w") as f:
        json.dump({k: sorted(v, key=repr) for k, v in _RECORD.items()}, f)


if _RECORD is not None:
    atexit.register(_dump_record)


def merge_records(pattern_prefix: str, out=SIGNATURES) -> int:
    """Merge the per-process files ``PREFIX.<pid>`` (and the current list) into ``out``."""
    merged = {k: set(v) for k, v in load_signatures(out).items()}
    import glob

    for p in sorted(glob.glob(glob.escape(pattern_prefix) + ".*")):
        for k, v in load_signatures(p).items():
            merged.setdefault(k, set()).update(v)
    doc = {k: sorted(v, key=repr) for k, v in sorted(merged.items())}
    tmp = f"{out}.tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")
    os.replace(tmp, out)
    return sum(len(v) for v in doc.values())


def main(argv=None) -> int:
    """``python -m veriml.jit status | build [--force] | merge PREFIX``."""
    import argparse
    import time

    ap = argparse.ArgumentParser(prog="python -m veriml.jit", description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["status", "build", "merge"])
    ap.add_argument("prefix", nargs="?", help="merge: the VERIML_RECORD_KERNELS value recorded with")
    ap.add_argument("--force", action="store_true", help="build: rebuild even if built")
    args = ap.parse_args(argv)
    if args.action == "merge":
        if not args.prefix:
            ap.error("merge needs the PREFIX given to VERIML_RECORD_KERNELS")
        print(f"{merge_records(args.prefix)} signatures in {SIGNATURES}")
    elif args.action == "build":
        t0 = time.perf_counter()
        path = build(force=args.force)
        print(f"{path} ({time.perf_counter() - t0:.1f} s)")
    else:
        print(json.dumps(status(), indent=1))
    return 0


if __name__ == "__main__":  # run the imported module's main: kernels register there, not in __main__
    from veriml.jit import main as _main

    sys.exit(_main())
