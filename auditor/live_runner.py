"""The live phase's worker: a fresh interpreter that exercises one API with schemathesis and writes what it saw.

Started by `auditor.live` as `python -I -B -m auditor.live_runner REQUEST.json RESULT.json`, in its own session,
with a hard time limit enforced by the parent (which kills the whole process group whatever happens). The
auditor never imports this module. With `--api-app` THIS IMPORTS AND RUNS THE TARGET'S CODE (in this process
only); with `--api-url` / `--api-command` it sends requests to a service.

What it does, with schemathesis's Python API (no CLI, no schemathesis.toml, no hooks from the environment):

* load the spec (a document the parent passed, a URL, or the service's usual spec paths),
* for each operation, draw up to `max_examples` positive cases (inputs the spec allows) and as many negative
  ones (inputs it forbids) with Hypothesis (fixed seed, no example database, no shrinking), send each, time
  the positive ones and validate them: `not_a_server_error`, `status_code_conformance`,
  `content_type_conformance`, `response_schema_conformance`; negative cases only with `not_a_server_error`
  (a 4xx is their expected answer),
* keep the first example of each (operation, kind of failure) with a curl command and the start of the response.

The result is plain JSON, rewritten (atomically) after every operation, so a run cut by the parent's hard limit
still leaves what it had found. Nothing is written anywhere else: Hypothesis's storage goes to the parent's
scratch folder (HYPOTHESIS_STORAGE_DIRECTORY) and no bytecode is written (-B).
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # schemathesis is the optional extra `live`; the worker imports it only once it runs
    from schemathesis import APIOperation, BaseSchema, GenerationMode, Response
    from schemathesis import Case as _Case
    from schemathesis.config import SchemathesisConfig

    Case = _Case[Any]
    Operation = APIOperation[Any, Any, Any, Any]

__all__ = ["main"]

EXCERPT_CHARS = 400
MESSAGE_CHARS = 400
MEMORY_LIMIT = 8 * 1024**3  # bytes of address space for this worker (and an --api-app application in it)
# An operation with fewer timings is re-sent (for at most TOP_UP_SECONDS) until it has this many: with 20, the p95
# is the second slowest answer, so one stall of a loaded machine does not make it.
MIN_LATENCY_SAMPLES = 20
TOP_UP_SECONDS = 2.0
DEAD_SERVICE = "the service stopped answering"

# Failure classes of schemathesis, by name (their modules moved between 4.x releases; the names did not).
_KINDS = {
    "ServerError": "server-error",
    "JsonSchemaError": "schema-violation",
    "MalformedJson": "schema-violation",
    "UndefinedStatusCode": "undocumented-status",
    "UndefinedContentType": "undocumented-content-type",
    "MissingContentType": "undocumented-content-type",
    "MalformedMediaType": "undocumented-content-type",
}


class _OutOfTime(Exception):
    """Raised inside a Hypothesis test function to stop drawing examples once the time budget is spent."""


class _ServiceGone(Exception):
    """The service refuses connections: nothing more can be learnt from it."""


def _one_line(text: object, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class _Run:
    def __init__(self, request: dict[str, Any], out: Path) -> None:
        self.req = request
        self.out = out
        self.started = time.monotonic()
        self.deadline = self.started + float(request["budget"])
        self.result: dict[str, Any] = {
            "schemathesis": "", "base_url": "", "spec": "", "operations": [], "tested": [], "requests": 0,
            "duration": 0.0, "failures": [], "latency": [], "errors": [], "cut": [], "fatal": "", "unavailable": "",
            "current": "",  # the operation being exercised, should the parent have to stop the worker
        }
        self._written = 0.0
        self._lock = threading.Lock()
        self._in_flight: tuple[Case, float, float] | None = None  # (case, sent at, timeout) of the request under way
        self._failures: dict[tuple[str, str], dict[str, Any]] = {}
        self.base_url: str | None = None
        self.app: Any = None

    # -- output --------------------------------------------------------------------------------------------
    def write(self) -> None:
        with self._lock:  # the watchdog thread writes too
            self._written = time.monotonic()
            self.result["duration"] = round(time.monotonic() - self.started, 3)
            self.result["failures"] = list(self._failures.values())
            tmp = self.out.with_name(self.out.name + ".tmp")
            tmp.write_text(json.dumps(self.result, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, self.out)

    def _watch(self) -> None:
        """A request that outlives its timeout (an in-process application stuck in C code or a sleep cannot be
        interrupted) is written down as in flight, so the parent can report it when it stops this worker."""
        while True:
            time.sleep(0.25)
            flight = self._in_flight
            if flight is None or self.result.get("in_flight"):
                continue
            case, since, timeout = flight
            if time.monotonic() - since > timeout + 1.0:
                self.result["in_flight"] = {"operation": case.operation.label, "curl": self._curl(case),
                                            "seconds": round(time.monotonic() - since, 1)}
                self.write()

    def error(self, text: str) -> None:
        if len(self.result["errors"]) < 50:
            self.result["errors"].append(_one_line(text))

    # -- setup -----------------------------------------------------------------------------------------------
    def _load_app(self) -> Any:
        import importlib

        module_name, _, attr = str(self.req["app"]).partition(":")
        root = str(self.req["root"])
        if root not in sys.path:
            sys.path.insert(0, root)  # after our own imports, so the target cannot shadow them
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
        if not callable(obj):
            raise TypeError(f"{self.req['app']} is a {type(obj).__name__}, not an ASGI or WSGI application")
        return obj

    def _config(self) -> SchemathesisConfig:
        from schemathesis.config import SchemathesisConfig

        # Built here, never discovered: a schemathesis.toml in the target could name hooks to import.
        return SchemathesisConfig(seed=int(self.req["seed"]))

    def _load_schema(self) -> BaseSchema:
        import schemathesis

        config = self._config()
        spec_url, spec_data = self.req.get("spec_url"), self.req.get("spec_data")
        schema: BaseSchema
        if spec_data is not None:
            schema = schemathesis.openapi.from_dict(spec_data, config=config)
            self.result["spec"] = self.req["spec_label"]
        elif spec_url:
            schema = schemathesis.openapi.from_url(spec_url, config=config, timeout=min(10.0, self._left()))
            self.result["spec"] = spec_url
        else:
            schema = self._served_schema(config)
        if self.app is not None:
            schema.app = self.app
        return schema

    def _served_schema(self, config: SchemathesisConfig) -> BaseSchema:
        import schemathesis
        from schemathesis.transport import is_asgi_app

        tried: list[str] = []
        for path in self.req["spec_paths"]:
            try:
                if self.app is not None:
                    loader = schemathesis.openapi.from_asgi if is_asgi_app(self.app) else schemathesis.openapi.from_wsgi
                    schema = loader(path, self.app, config=config)
                else:
                    url = str(self.req["base_url"]).rstrip("/") + path
                    schema = schemathesis.openapi.from_url(url, config=config, timeout=min(5.0, self._left()))
            except Exception as exc:  # noqa: BLE001 - the next usual path may work
                tried.append(f"{path} ({_one_line(exc, 120)})")
                if self._left() <= 0:
                    break
                continue
            self.result["spec"] = f"served at {path}"
            return schema
        raise LookupError("no OpenAPI spec: none committed, none passed with --api-spec, and none served at "
                          + "; ".join(tried))

    def _base_url(self, schema: BaseSchema) -> str | None:
        """The URL requests go to: --api-url or the started service, plus the spec's own base path."""
        from urllib.parse import urlsplit

        if self.app is not None:
            return None
        url = str(self.req["base_url"]).rstrip("/")
        if urlsplit(url).path in ("", "/"):
            url += schema.declared_base_path().rstrip("/")
        return url

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    # -- the run -----------------------------------------------------------------------------------------
    def execute(self) -> None:
        try:
            import hypothesis  # noqa: F401
            import schemathesis
        except ImportError as exc:
            self.result["unavailable"] = f"schemathesis cannot be imported ({exc})"
            return
        self.result["schemathesis"] = schemathesis.__version__
        if self.req["mode"] == "app":
            try:
                self.app = self._load_app()
            except BaseException as exc:  # noqa: BLE001 - the target's import may raise anything, even SystemExit
                self.result["fatal"] = f"--api-app: cannot import {self.req['app']}: {type(exc).__name__}: {_one_line(exc)}"
                return
        try:
            schema = self._load_schema()
            self.base_url = self._base_url(schema)
        except Exception as exc:  # noqa: BLE001 - any loader error ends the run with its reason
            self.result["fatal"] = f"cannot load the API spec: {_one_line(exc)}"
            return
        if self.base_url is not None:
            schema.config.update(base_url=self.base_url)
        self.result["base_url"] = self.base_url or "(in-process application)"
        operations = []
        for item in schema.get_all_operations():
            if hasattr(item, "ok"):
                operations.append(item.ok())
            else:
                self.error(f"operation skipped: {_one_line(item.err())}")
        self.result["operations"] = [op.label for op in operations]
        if not operations:
            self.result["fatal"] = "the spec declares no operation that could be tested"
            return
        self.write()
        for index, operation in enumerate(operations):
            if self._left() <= 0:
                rest = [op.label for op in operations[index:]]
                self.result["cut"].append(
                    f"time limit of {self.req['budget']:.0f} s reached: {len(rest)} of {len(operations)} operations "
                    f"not exercised ({', '.join(rest[:5])}{', ...' if len(rest) > 5 else ''})")
                break
            self.result["current"] = operation.label
            try:
                self._exercise(operation)
            except _ServiceGone:
                rest = [op.label for op in operations[index + 1:]]
                self.result["cut"].append(f"{DEAD_SERVICE} during {operation.label}"
                                          + (f"; {len(rest)} operations not exercised" if rest else ""))
                self.result["tested"].append(operation.label)
                break
            self.result["tested"].append(operation.label)
            self.result["current"] = ""
            self.write()

    def _exercise(self, operation: Operation) -> None:
        from schemathesis import GenerationMode

        timed = _Timings()
        label = operation.label
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                self._draw(operation, mode, timed)
            except _OutOfTime:
                self.result["cut"].append(f"time limit reached while exercising {label} ({mode.value} cases)")
                break
            except _ServiceGone:
                self._latency(label, timed)
                raise
            except Exception as exc:  # noqa: BLE001 - generation problems of one operation do not stop the run
                self.error(f"{label} ({mode.value} cases): {type(exc).__name__}: {_one_line(exc, 200)}")
        self._top_up(timed)
        self._latency(label, timed)

    def _draw(self, operation: Operation, mode: GenerationMode, timed: _Timings) -> None:
        from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

        strategy = operation.as_strategy(generation_mode=mode)

        @seed(int(self.req["seed"]))
        @settings(max_examples=int(self.req["max_examples"]), database=None, deadline=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                  report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)
        @given(strategy)
        def exercise(case: Case) -> None:
            if self._left() <= 0:
                raise _OutOfTime
            response = self._send(case)
            if response is None:
                return
            if mode.is_positive:
                timed.add(float(response.elapsed), case)
            self._validate(case, response, positive=mode.is_positive)

        exercise()

    def _send(self, case: Case) -> Response | None:
        """The response, or None after recording why there is none (a crash, a dropped connection, a timeout)."""
        import requests

        timeout = max(0.5, min(float(self.req["request_timeout"]), self._left()))
        kwargs: dict[str, Any] = {"timeout": timeout}
        self.result["requests"] += 1
        if time.monotonic() - self._written > 1.0:
            self.write()  # what was found so far survives a hard stop in the middle of an operation
        self._in_flight = (case, time.monotonic(), timeout)
        try:
            return case.call(base_url=self.base_url, **kwargs)
        except requests.exceptions.Timeout:
            self._record(case, "server-error", f"no response within {timeout:g} s", None, "")
        except requests.exceptions.ConnectionError as exc:
            self._record(case, "server-error", f"the connection failed: {_one_line(exc, 200)}", None, "")
            if not self._alive():
                raise _ServiceGone from None
        except Exception as exc:  # noqa: BLE001 - an in-process application may raise anything
            origin = type(exc).__module__.split(".")[0]
            if origin in ("schemathesis", "hypothesis", "requests", "urllib3"):
                self.error(f"{case.operation.label}: request not sent: {type(exc).__name__}: {_one_line(exc, 200)}")
            else:  # raised by the application, in-process (a server would have answered 500)
                self._record(case, "server-error", f"the application raised {type(exc).__name__}: {_one_line(exc, 200)}",
                             None, "")
        finally:
            self._in_flight = None
        return None

    def _alive(self) -> bool:
        import socket
        from urllib.parse import urlsplit

        if self.base_url is None:
            return True
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=2):
                return True
        except OSError:
            return False

    def _validate(self, case: Case, response: Response, *, positive: bool) -> None:
        from schemathesis.checks import not_a_server_error
        from schemathesis.core.failures import FailureGroup
        from schemathesis.specs.openapi.checks import (
            content_type_conformance,
            response_schema_conformance,
            status_code_conformance,
        )

        checks: list[Any] = [not_a_server_error]
        if positive:
            checks += [status_code_conformance, content_type_conformance, response_schema_conformance]
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            failures: list[BaseException] = list(group.exceptions)
        except AssertionError as exc:  # one failure raised on its own
            failures = [exc]
        except Exception as exc:  # noqa: BLE001 - a check that cannot judge this response
            self.error(f"{case.operation.label}: response not validated: {type(exc).__name__}: {_one_line(exc, 200)}")
            return
        else:
            return
        server_error = response.status_code >= 500
        for failure in failures:
            names = {cls.__name__ for cls in type(failure).__mro__}
            kind = next((k for name, k in _KINDS.items() if name in names), None)
            if kind is None or (server_error and kind != "server-error"):
                continue  # a 5xx is a server error; its undocumented status or text body follow from it
            self._record(case, kind, _describe(failure, response.status_code), response.status_code, _excerpt(response))

    def _record(self, case: Case, kind: str, message: str, status: int | None, excerpt: str) -> None:
        key = (case.operation.label, kind)
        entry = self._failures.get(key)
        if entry is None:
            entry = {"operation": key[0], "kind": kind, "message": message, "status": status,
                     "curl": self._curl(case), "excerpt": excerpt, "requests": 0, "statuses": []}
            self._failures[key] = entry
        entry["requests"] += 1
        if status is not None and status not in entry["statuses"]:
            entry["statuses"] = sorted([*entry["statuses"], status])

    def _curl(self, case: Case) -> str:
        try:
            return str(case.as_curl_command(base_url=self.base_url)).split("\n\n", 1)[0]
        except Exception as exc:  # noqa: BLE001 - a reproduction we cannot write is still a failure
            return f"(no curl command: {type(exc).__name__})"

    def _top_up(self, timed: _Timings) -> None:
        """Re-send an operation's cases until it has a few timings: a p95 of one request says little."""
        cases = timed.cases()
        index = 0
        until = time.monotonic() + TOP_UP_SECONDS
        while cases and len(timed.values) < MIN_LATENCY_SAMPLES and self._left() > 0 and time.monotonic() < until:
            case = cases[index % len(cases)]
            index += 1
            try:
                response = case.call(base_url=self.base_url, timeout=max(0.5, min(10.0, self._left())))
            except Exception as exc:  # noqa: BLE001 - the first request already said how it fails
                self.error(f"{case.operation.label}: latency sample not taken: {type(exc).__name__}: {_one_line(exc, 200)}")
                return
            self.result["requests"] += 1
            timed.add(float(response.elapsed), case)

    def _latency(self, label: str, timed: _Timings) -> None:
        if not timed.values:
            return
        values = [t * 1000 for t, _ in timed.values]
        slowest = max(timed.values, key=lambda item: item[0])[1]
        self.result["latency"].append({
            "operation": label,
            "p50_ms": round(_percentile(values, 50), 2),
            "p95_ms": round(_percentile(values, 95), 2),
            "max_ms": round(max(values), 2),
            "requests": len(values),
            "curl": self._curl(slowest),
        })


class _Timings:
    """Response times of one operation's positive cases. The first answer warms the service's caches for
    the operation (lazy imports, first connection, compiled validators) and is not counted."""

    def __init__(self) -> None:
        self.warm_case: Case | None = None
        self.values: list[tuple[float, Case]] = []

    def add(self, seconds: float, case: Case) -> None:
        if self.warm_case is None:
            self.warm_case = case
        else:
            self.values.append((seconds, case))

    def cases(self) -> list[Case]:
        return [case for _, case in self.values] or ([self.warm_case] if self.warm_case is not None else [])


def _listed(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) and values else "none"


def _describe(failure: BaseException, status: int) -> str:
    """One line saying what a schemathesis failure found, from its attributes where it has them."""
    names = {cls.__name__ for cls in type(failure).__mro__}
    message = str(getattr(failure, "message", "") or "")
    if "ServerError" in names:
        return f"answered {status}"
    if "UndefinedStatusCode" in names:
        return f"status {status} is not documented (documented: {_listed(getattr(failure, 'defined_status_codes', None))})"
    if "UndefinedContentType" in names:
        documented = _listed(getattr(failure, "defined_content_types", None))
        return f"content type {getattr(failure, 'content_type', '?')} is not documented (documented: {documented})"
    if "MissingContentType" in names:
        return f"no Content-Type header (documented: {_listed(getattr(failure, 'media_types', None))})"
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    if "JsonSchemaError" in names and lines:
        where = next((ln[len("Schema at "):].rstrip(":") for ln in lines if ln.startswith("Schema at ")), "")
        return _one_line(f"the body violates the schema: {lines[0]}" + (f" (at {where})" if where else ""))
    title = getattr(failure, "title", "") or type(failure).__name__
    return _one_line(f"{title}: {lines[0]}" if lines else title)


def _excerpt(response: Response) -> str:
    content = bytes(response.content or b"")[: EXCERPT_CHARS * 4]
    text = content.decode(response.encoding or "utf-8", "replace")
    return text[:EXCERPT_CHARS]


def _limit_memory() -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - no such limit on this platform
        pass


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write("usage: python -m auditor.live_runner REQUEST.json RESULT.json\n")
        return 2
    sys.dont_write_bytecode = True
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    run = _Run(request, Path(argv[2]))
    threading.Thread(target=run._watch, name="auditor-live-watchdog", daemon=True).start()
    try:
        run.execute()
    except BaseException as exc:  # noqa: BLE001 - whatever happened, the parent gets a result saying so
        run.result["fatal"] = run.result["fatal"] or f"the live run failed: {type(exc).__name__}: {_one_line(exc)}"
    finally:
        run.write()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a module by auditor.live
    _limit_memory()  # the worker's own process only, never an interpreter that imports this module
    sys.exit(main(sys.argv))
