"""Run units of work (checks, fact collectors) so that none of them can take the audit down.

Each group of units (one check family of one project) runs in a forked child process. The child shares
the parsed sources with the parent copy-on-write, runs its units one after the other (so the family's
memoised facts are computed once) and streams each result back over a pipe as soon as it has it.

The parent enforces every unit's time limit. A unit that overruns, hangs inside C code while holding the
GIL (a pathological regular expression), crashes the interpreter (a segfault in a C parser) or exits is
recorded as an error; its child is killed and a fresh child takes over the group's remaining units. Up
to `jobs` children run at once.

A child dies with its parent: right after the fork it asks the kernel for SIGKILL when the parent goes
(PR_SET_PDEATHSIG, Linux) and checks the parent is still the one that forked it (closing the race). While
units run, SIGTERM and SIGHUP in the parent raise `Terminated`, so the children are killed before it exits.
An audit-wide `deadline` bounds everything: a unit still running then is killed ("did not finish: audit time
budget exhausted"), a unit not started by then is an error "not run: audit time budget exhausted".

Where `os.fork` does not exist, units run in daemon threads instead: a pure-Python overrun still becomes
an error, but a hang in C code cannot be interrupted there.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from auditor.model import NotApplicable, NotAvailable

__all__ = ["BUDGET_NOT_RUN", "BUDGET_STOPPED", "Outcome", "Terminated", "Unit", "fork_available", "run_units",
           "terminate_on_signals"]

BUDGET_NOT_RUN = "not run: audit time budget exhausted"
BUDGET_STOPPED = "did not finish: audit time budget exhausted"
_PR_SET_PDEATHSIG = 1


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived; raised in the main thread so that cleanup (killing children) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Terminated (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _die_with_parent(parent: int) -> None:
    """In a forked child: be killed when the parent dies, and leave at once if it already has."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc symbol: the ppid check still applies
            pass
    if os.getppid() != parent:
        os._exit(1)

_HEADER = struct.Struct("!I")


@dataclass(frozen=True, slots=True)
class Unit:
    name: str  # unique among the units of one run
    group: str  # units of one group share a child process, in order
    run: Callable[[], object]  # executed in the child; returns a picklable value
    timeout: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """kind: ok | not_applicable | not_available | error | timeout."""

    kind: str
    value: object = None
    reason: str = ""
    duration: float = 0.0


def fork_available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def run_units(
    units: Sequence[Unit],
    *,
    jobs: int = 2,
    on_start: Callable[[Unit], None] | None = None,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """Run `units`, at most `jobs` groups at once; `deadline` (time.monotonic()) bounds the whole run."""
    if not units:
        return {}
    if not fork_available():
        return _run_in_threads(units, on_start, deadline)
    with terminate_on_signals():
        return _Pool(units, max(1, jobs), on_start, deadline).run()


# -- child side ------------------------------------------------------------------------------------------
def _execute(unit: Unit) -> tuple[str, object, str]:
    """(kind, value, reason). A NotApplicable or NotAvailable signal may carry a `payload` (what the unit saw before
    it gave up: the engine's reads and parse problems), which becomes the outcome's value."""
    try:
        return "ok", unit.run(), ""
    except NotApplicable as signal_:
        return "not_applicable", signal_.payload, str(signal_)
    except NotAvailable as signal_:
        return "not_available", signal_.payload, str(signal_)
    except BaseException as exc:  # noqa: BLE001 - a crashing unit becomes an error result
        if os.environ.get("AUDITOR_DEBUG"):
            traceback.print_exc()
        return "error", None, f"{type(exc).__name__}: {exc}".strip()[:500]


def _send(fd: int, message: object) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - an unpicklable result is that unit's error
        index = message[1] if isinstance(message, tuple) and len(message) > 1 else -1
        data = pickle.dumps(("done", index, "error", None, f"result could not be transferred: {exc}", 0.0))
    payload = _HEADER.pack(len(data)) + data
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child(units: Sequence[Unit], indexes: Sequence[int], fd: int) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        faulthandler.disable()  # a crash is reported as that unit's error, never as a traceback dump
        for index in indexes:
            _send(fd, ("start", index))
            started = time.perf_counter()
            kind, value, reason = _execute(units[index])
            _send(fd, ("done", index, kind, value, reason, time.perf_counter() - started))
            # What the unit left alive (the decoded models, the family's memoised facts) stays until this child
            # exits: the collector need not traverse it again on every full collection of the later units.
            gc.freeze()
    except BaseException:  # noqa: BLE001 - e.g. the parent went away: nothing left to report to
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


# -- parent side -----------------------------------------------------------------------------------------
@dataclass
class _Child:
    pid: int
    fd: int
    pending: list[int]  # unit indexes not yet reported, in order
    buffer: bytearray = field(default_factory=bytearray)
    current: int | None = None
    deadline: float | None = None
    started: float = 0.0


class _Pool:
    def __init__(self, units: Sequence[Unit], jobs: int, on_start: Callable[[Unit], None] | None,
                 deadline: float | None = None) -> None:
        self.units = units
        self.jobs = jobs
        self.on_start = on_start
        self.deadline = deadline
        self.outcomes: dict[str, Outcome] = {}
        groups: dict[str, list[int]] = {}
        for i, unit in enumerate(units):
            groups.setdefault(unit.group, []).append(i)
        self.waiting: list[list[int]] = list(groups.values())
        self.children: dict[int, _Child] = {}  # by fd
        self.selector = selectors.DefaultSelector()

    def run(self) -> dict[str, Outcome]:
        try:
            while self.waiting or self.children:
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    self._out_of_time()
                    continue
                while self.waiting and len(self.children) < self.jobs:
                    self._spawn(self.waiting.pop(0))
                self._poll()
        finally:
            for child in list(self.children.values()):
                self._kill(child)
            self.selector.close()
        return self.outcomes

    def _out_of_time(self) -> None:
        """The audit's deadline: running units are stopped, the rest never start."""
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.current is not None:
                self._record(child.current, Outcome("timeout", reason=BUDGET_STOPPED, duration=now - child.started))
            for index in list(child.pending):
                if self.units[index].name not in self.outcomes:
                    self._record(index, Outcome("error", reason=BUDGET_NOT_RUN))
            self._kill(child)
        for group in self.waiting:
            for index in group:
                if self.units[index].name not in self.outcomes:
                    self._record(index, Outcome("error", reason=BUDGET_NOT_RUN))
        self.waiting.clear()

    def _spawn(self, indexes: list[int]) -> None:
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # child
            _die_with_parent(parent)
            os.close(read_fd)
            for other in self.children.values():
                os.close(other.fd)
            _child(self.units, indexes, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        child = _Child(pid=pid, fd=read_fd, pending=list(indexes))
        self.children[read_fd] = child
        self.selector.register(read_fd, selectors.EVENT_READ, child)

    def _poll(self) -> None:
        now = time.monotonic()
        deadlines = [c.deadline for c in self.children.values() if c.deadline is not None]
        if self.deadline is not None:
            deadlines.append(self.deadline)
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        for key, _ in self.selector.select(timeout):
            child: _Child = key.data
            self._read(child)
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.deadline is not None and now >= child.deadline and child.current is not None:
                unit = self.units[child.current]
                self._record(child.current, Outcome("timeout", reason=f"did not finish within {unit.timeout:g}s",
                                                    duration=now - child.started))
                self._retire(child, kill=True)

    def _read(self, child: _Child) -> None:
        try:
            chunk = os.read(child.fd, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:  # the child is gone
            self._retire(child, kill=False)
            return
        child.buffer += chunk
        while len(child.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(child.buffer)
            if len(child.buffer) < _HEADER.size + size:
                break
            data = bytes(child.buffer[_HEADER.size : _HEADER.size + size])
            del child.buffer[: _HEADER.size + size]
            self._handle(child, pickle.loads(data))  # noqa: S301 - written by our own forked child

    def _handle(self, child: _Child, message: tuple[object, ...]) -> None:
        if message[0] == "start":
            index = message[1]
            assert isinstance(index, int)
            unit = self.units[index]
            child.current = index
            child.started = time.monotonic()
            child.deadline = child.started + unit.timeout
            if self.on_start is not None:
                self.on_start(unit)
        elif message[0] == "done":
            _, index, kind, value, reason, duration = message
            assert isinstance(index, int) and isinstance(kind, str) and isinstance(duration, float)
            self._record(index, Outcome(kind, value, str(reason), duration))
            child.current = None
            child.deadline = None

    def _record(self, index: int, outcome: Outcome) -> None:
        unit = self.units[index]
        self.outcomes[unit.name] = outcome
        for child in self.children.values():
            if index in child.pending:
                child.pending.remove(index)

    def _retire(self, child: _Child, *, kill: bool) -> None:
        status = self._kill(child) if kill else self._reap(child)
        if child.current is not None and self.units[child.current].name not in self.outcomes:
            self._record(child.current, Outcome("error", reason=_describe_exit(status),
                                                duration=time.monotonic() - child.started))
        # Whatever the child had not reached is run by a fresh child, in the same order.
        remaining = [i for i in child.pending if self.units[i].name not in self.outcomes]
        if remaining:
            self.waiting.insert(0, remaining)

    def _kill(self, child: _Child) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        return self._reap(child)

    def _reap(self, child: _Child) -> int:
        self.selector.unregister(child.fd)
        os.close(child.fd)
        del self.children[child.fd]
        _, status = os.waitpid(child.pid, 0)
        return status


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"crashed (killed by {name})"
    return f"crashed (its process exited with code {os.WEXITSTATUS(status)})"


# -- fallback without fork -------------------------------------------------------------------------------
def _run_in_threads(units: Sequence[Unit], on_start: Callable[[Unit], None] | None,
                    deadline: float | None = None) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for unit in units:
        if deadline is not None and time.monotonic() >= deadline:
            outcomes[unit.name] = Outcome("error", reason=BUDGET_NOT_RUN)
            continue
        if on_start is not None:
            on_start(unit)
        box: dict[str, tuple[str, object, str]] = {}
        started = time.perf_counter()

        def work(u: Unit = unit, into: dict[str, tuple[str, object, str]] = box) -> None:
            into["r"] = _execute(u)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(unit.timeout if deadline is None else max(0.0, min(unit.timeout, deadline - time.monotonic())))
        elapsed = time.perf_counter() - started
        if "r" not in box:
            outcomes[unit.name] = Outcome("timeout", reason=f"did not finish within {unit.timeout:g}s", duration=elapsed)
        else:
            kind, value, reason = box["r"]
            outcomes[unit.name] = Outcome(kind, value, reason, elapsed)
    return outcomes
