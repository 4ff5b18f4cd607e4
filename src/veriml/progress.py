"""Stage timing and progress bars for the long verbs (compile, prove).

A *progress callback* is any ``callable(stage: str)``, called as each named stage starts
(the convention of :func:`veriml.prover.system.prove`). Two of them live here:

* :class:`StageClock` records how long each stage took (``seconds``) and forwards every
  call to another callback, so the API can time a run whatever the caller asked for;
* :class:`StageBar` draws a tqdm bar on stderr, one step per stage, and draws nothing when
  stderr is not a terminal or when asked to be quiet.
"""

from __future__ import annotations

import sys
import time

__all__ = ["StageClock", "StageBar"]


class StageClock:
    """Times consecutive stages: ``clock(name)`` starts ``name`` and ends the previous one.

    ``seconds`` maps each stage to its duration (a stage entered twice adds up);
    ``forward`` (a progress callback or None) is called with every stage name.
    """

    def __init__(self, forward=None):
        self.forward = forward
        self.seconds: dict[str, float] = {}
        self._stage = None
        self._since = 0.0

    def __call__(self, stage: str) -> None:
        self._end()
        self._stage, self._since = stage, time.perf_counter()
        if self.forward is not None:
            self.forward(stage)

    def _end(self) -> None:
        if self._stage is not None:
            spent = time.perf_counter() - self._since
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + spent
            self._stage = None

    def stop(self) -> dict:
        """End the current stage; return ``seconds`` with their ``total``."""
        self._end()
        return {**self.seconds, "total": sum(self.seconds.values())}


class StageBar:
    """A tqdm bar over known stages; a progress callback. Use as a context manager.

    A stage not in ``stages`` only changes the label. ``quiet=True``, or stderr that is not
    a terminal, disables the bar entirely.
    """

    def __init__(self, stages, desc: str, quiet: bool = False):
        self.stages = list(stages)
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar = None
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=len(self.stages), desc=desc, file=sys.stderr, leave=False,
                             bar_format="{desc}: {bar:20} {n_fmt}/{total_fmt} [{elapsed}{postfix}]")

    def __call__(self, stage: str) -> None:
        if self._bar is None:
            return
        if stage in self.stages:
            self._bar.n = self.stages.index(stage)
        self._bar.set_postfix_str(stage, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.n = len(self.stages)
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "StageBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
