"""Error-handling family: exact findings per language on small real repositories, and hostile input."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import audit
from auditor.config import Config
from auditor.context import Context, Project
from auditor.model import Check, Confidence, Finding, NotApplicable, Severity, Verdict
from auditor.repo import Repository
from auditor.sources import Sources
from checks.errors import (
    CHECKS,
    BareExcept,
    BroadExcept,
    CentralHandler,
    EmptyCatch,
    Expect,
    IgnoredError,
    LeakedDetails,
    Panic,
    SwallowedException,
    UnchainedRaise,
    UnhandledPromise,
    Unwrap,
    errors_facts,
)
from tests.helpers import write_tree

MakeRepo = Callable[..., Path]


def context(root: Path) -> Context:
    repo = Repository.scan(root)
    return Context(repo=repo, sources=Sources(repo), config=Config())


def findings(check: type[Check], root: Path) -> list[Finding]:
    out = check().run(context(root))
    items = out.findings if isinstance(out, Verdict) else tuple(out)
    return sorted(items, key=lambda f: (f.path or "", f.line or 0))


def where(check: type[Check], root: Path) -> list[tuple[str | None, int | None]]:
    return [(f.path, f.line) for f in findings(check, root)]


# -- Python ------------------------------------------------------------------------------------------------
PY_HANDLERS = """\
import logging
import sys
log = logging.getLogger(__name__)

def a():
    try:
        work()
    except Exception:
        pass

def b():
    try:
        work()
    except BaseException:
        return None

def c(items):
    for i in items:
        try:
            work(i)
        except (ValueError, Exception):
            continue

def d():
    try:
        work()
    except Exception as exc:
        log.warning("failed: %s", exc)

def e():
    try:
        work()
    except Exception:
        log.exception("failed")
        raise

def f():
    try:
        work()
    except Exception:
        log.error("fatal")
        sys.exit(1)

def g():
    try:
        work()
    except ValueError:
        pass

def h():
    try:
        work()
    except:
        pass

def i():
    try:
        work()
    except Exception:
        return fallback()
"""


def test_python_swallowed_broad_and_bare(make_repo: MakeRepo) -> None:
    root = make_repo({"app/handlers.py": PY_HANDLERS, "tests/test_x.py": PY_HANDLERS})
    assert where(SwallowedException, root) == [("app/handlers.py", 8), ("app/handlers.py", 14), ("app/handlers.py", 21)]
    assert where(BroadExcept, root) == [("app/handlers.py", 27)]
    assert findings(BroadExcept, root)[0].confidence is Confidence.MEDIUM
    assert where(BareExcept, root) == [("app/handlers.py", 53)]


PY_RAISES = """\
class AppError(Exception):
    pass

def a(x):
    try:
        return int(x)
    except ValueError:
        raise AppError("bad number")

def b(x):
    try:
        return int(x)
    except ValueError as exc:
        raise AppError("bad number") from exc

def c(x):
    try:
        return int(x)
    except ValueError:
        raise AppError("bad number") from None

def d(x):
    try:
        return int(x)
    except ValueError as exc:
        raise exc

def e(x):
    try:
        return int(x)
    except ValueError:
        raise

def f(x):
    try:
        return int(x)
    except ValueError:
        def later():
            raise AppError("deferred")
        return later

def g(x):
    if not x:
        raise AppError("empty")
    try:
        return int(x)
    except ValueError:
        try:
            cleanup()
        finally:
            raise KeyError
"""


def test_python_unchained_raise(make_repo: MakeRepo) -> None:
    root = make_repo({"svc.py": PY_RAISES})
    assert where(UnchainedRaise, root) == [("svc.py", 8), ("svc.py", 51)]
    assert "AppError" in findings(UnchainedRaise, root)[0].message


PY_LEAKS = """\
import traceback
from flask import Flask, jsonify, Response
from fastapi import HTTPException
from .errors import NotFound

app = Flask(__name__)

class NotFound(Exception):
    pass

@app.route("/a")
def a():
    try:
        return work()
    except Exception as e:
        return {"error": str(e)}, 500

@app.route("/b")
def b():
    try:
        return work()
    except Exception as e:
        return jsonify(error=repr(e))

def c(payload):
    try:
        return parse(payload)
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e))

@app.route("/d")
def d():
    try:
        return work()
    except Exception:
        return Response(traceback.format_exc(), status=500)

@app.route("/e")
def e_():
    try:
        return work()
    except NotFound as e:
        return {"error": str(e)}, 404

@app.route("/f")
def f():
    try:
        return work()
    except Exception as e:
        app.logger.error("failed: %s", str(e))
        return {"error": "internal error"}, 500

def helper():
    try:
        return work()
    except Exception as e:
        return {"error": str(e)}
"""


def test_python_leaked_details(make_repo: MakeRepo) -> None:
    root = make_repo({"api/routes.py": PY_LEAKS})
    found = findings(LeakedDetails, root)
    assert [(f.path, f.line) for f in found] == [
        ("api/routes.py", 16), ("api/routes.py", 23), ("api/routes.py", 29), ("api/routes.py", 36),
    ]
    assert [f.confidence for f in found] == [Confidence.HIGH, Confidence.HIGH, Confidence.LOW, Confidence.HIGH]
    assert "str(e)" in found[0].message and "format_exc" in found[3].message


def test_python_central_handler(make_repo: MakeRepo) -> None:
    bare_app = make_repo({"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert [(f.check_id, f.path) for f in findings(CentralHandler, bare_app)] == [("errors/central-handler", None)]
    with_handler = make_repo({
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "errors.py": "from app import app\n@app.errorhandler(500)\ndef oops(e):\n    return {'error': 'internal'}, 500\n",
    })
    assert findings(CentralHandler, with_handler) == []
    fastapi = make_repo({"main.py": "from fastapi import FastAPI\napp = FastAPI()\napp.add_exception_handler(Exception, h)\n"})
    assert findings(CentralHandler, fastapi) == []
    drf = make_repo({"settings.py": "import django\nREST_FRAMEWORK = {'EXCEPTION_HANDLER': 'x.handler'}\n"})
    assert findings(CentralHandler, drf) == []
    library = make_repo({"lib.py": "def f():\n    return 1\n"})
    with pytest.raises(NotApplicable):
        CentralHandler().run(context(library))


# -- TypeScript / JavaScript --------------------------------------------------------------------------------------
JS = """\
const express = require('express');
const app = express();

function a() {
  try { work(); } catch (e) {}
}
function b() {
  try { work(); } catch { /* ignore */ }
}
function c() {
  try { return work(); } catch (e) { return null; }
}
function d() {
  try { work(); } catch (e) { console.error('failed', e); }
}
function e(req, res, next) {
  try { work(); } catch (err) { next(err); }
}
function f() {
  try { work(); } catch (err) { throw new AppError('wrapped', { cause: err }); }
}
function g() {
  try { work(); } catch (err) { counter += 1; }
}
app.get('/x', async (req, res) => {
  try {
    res.json(await work());
  } catch (err) {
    res.status(500).json({ error: err.message });
  }
});
app.get('/y', (req, res) => {
  work().catch((error) => res.status(400).send(error.message));
});
app.use((err, req, res, next) => {
  res.status(500).json({ message: 'internal', stack: process.env.NODE_ENV === 'production' ? null : err.stack });
});
"""


def test_js_catch_blocks(make_repo: MakeRepo) -> None:
    root = make_repo({"src/app.js": JS, "src/app.test.js": JS})
    assert where(EmptyCatch, root) == [("src/app.js", 5), ("src/app.js", 8)]
    swallowed = findings(SwallowedException, root)
    assert [(f.path, f.line, f.severity.value, f.confidence) for f in swallowed] == [
        ("src/app.js", 11, "low", Confidence.LOW),  # `return null`: a fallback value
        ("src/app.js", 23, "high", Confidence.MEDIUM),
    ]


TS_FALLBACKS = """export class AuthService {
  async reset(hash: string): Promise<void> {
    let userId: number | undefined;
    try {
      userId = this.jwt.decode(hash)?.id;
    } catch {
      userId = undefined;
    }
    try {
      this.user = await this.users.find(userId);
    } catch (e) {
      this.user = null; // not found: handled below
    }
    try {
      await this.mail.send(userId);
    } catch {
      return;
    }
    try {
      await this.mail.send(userId);
    } catch (e) {
      this.failures += 1;
    }
    try {
      await this.mail.send(userId);
    } catch {
      cached = null;
      this.notify();
    }
  }
}
"""


def test_ts_catch_assigning_a_fallback_is_a_low_recovery(make_repo: MakeRepo) -> None:
    """nestjs-boilerplate auth.service.ts:376 `catch { userId = undefined }` was a high swallowed exception."""
    root = make_repo({"src/auth/auth.service.ts": TS_FALLBACKS})
    swallowed = findings(SwallowedException, root)
    fallback = "catch block replaces the error with a fallback value without logging it"
    swallow = "catch block neither logs, rethrows, passes on nor returns the error"
    assert [(f.line, f.severity.value, f.confidence, f.message) for f in swallowed] == [
        (6, "low", Confidence.LOW, fallback),
        (11, "low", Confidence.LOW, fallback),
        (16, "high", Confidence.HIGH, swallow),  # a bare return abandons the work silently
        (21, "high", Confidence.MEDIUM, swallow),  # counting is no fallback value
        (26, "high", Confidence.MEDIUM, swallow),  # a fallback plus other work
    ]
    assert findings(EmptyCatch, root) == []


def test_js_leaks_and_central(make_repo: MakeRepo) -> None:
    root = make_repo({"src/app.js": JS})
    leaks = findings(LeakedDetails, root)
    assert [(f.line, f.confidence) for f in leaks] == [(29, Confidence.MEDIUM), (33, Confidence.LOW)]
    assert findings(CentralHandler, root) == []
    middleware = make_repo({"src/errors.js": (
        "module.exports = (err, req, res, next) => {\n"
        "  res.status(500).json({ message: err.message });\n"
        "};\n"
        "module.exports.debug = (err, req, res, next) => res.status(500).json({ message: err.message, trace: err.stack });\n"
    )})
    assert [(f.line, f.confidence, f.message.split("`")[1]) for f in findings(LeakedDetails, middleware)] == [
        (2, Confidence.LOW, "err.message"), (4, Confidence.MEDIUM, "err.stack"),
    ]
    no_handler = make_repo({"server.ts": "import express from 'express';\nconst app = express();\napp.listen(3000);\n"})
    assert len(findings(CentralHandler, no_handler)) == 1
    nest = make_repo({"src/filter.ts": "import { Catch } from '@nestjs/common';\n@Catch()\nexport class F {}\n"})
    assert findings(CentralHandler, nest) == []


JS_OWN_ERRORS = {
    "src/errors.ts": """\
export class HttpError extends Error {
  constructor(public readonly status: number, message: string) { super(message); }
}
export function isHttpError(e: unknown): e is HttpError {
  return e instanceof HttpError;
}
""",
    "src/handler.ts": """\
import { Request, Response, NextFunction } from "express";
import { HttpError, isHttpError } from "./errors";

export function a(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: err.message });
    return;
  }
  res.status(500).json({ error: err.message });
}
export function b(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!(err instanceof HttpError)) {
    return next(err);
  }
  res.status(err.status).json({ error: err.message });
}
export function c(err: Error, req: Request, res: Response, next: NextFunction): void {
  res.status(500).json({ error: isHttpError(err) ? err.message : "internal error" });
  if (isHttpError(err) && res.json({ error: err.message })) { return; }
  if (err instanceof HttpError) { res.json({ trace: err.stack }); }
  if (err instanceof TypeError) { res.json({ error: err.message }); }
}
export function d(err: HttpError, req: Request, res: Response): void {
  res.status(err.status).send(err.message);
}
export function e(req: Request, res: Response): void {
  try { work(); } catch (error) {
    if (error instanceof HttpError) { res.status(error.status).json({ message: error.message }); }
    else { res.status(500).json({ message: error.message }); }
  }
}
""",
}


def test_js_own_error_classes_narrow_leaks(make_repo: MakeRepo) -> None:
    """`err.message` of the app's own error class (instanceof, type guard, early return, typed parameter) is a
    message written for clients; `.stack` and foreign classes still leak."""
    root = make_repo(JS_OWN_ERRORS)
    assert [(f.path, f.line, f.message.split("`")[1]) for f in findings(LeakedDetails, root)] == [
        ("src/handler.ts", 9, "err.message"),
        ("src/handler.ts", 20, "err.stack"),
        ("src/handler.ts", 21, "err.message"),
        ("src/handler.ts", 29, "error.message"),
    ]


TS_PROMISES = """\
async function save(x: number): Promise<void> {
  await db.insert(x);
}
const guarded = async () => {
  try { await db.ping(); } catch (e) { console.error(e); }
};
export async function handler(): Promise<number> {
  save(1);
  await save(2);
  guarded();
  fetchUser().then((u) => u.name);
  fetchUser().then((u) => u.name).catch((e) => console.error(e));
  fetchUser().then((u) => u.name, (e) => console.error(e));
  const p = fetchUser().then((u) => u.name);
  void save(3);
  return save(4);
}
"""


def test_ts_unhandled_promises(make_repo: MakeRepo) -> None:
    root = make_repo({"src/handler.ts": TS_PROMISES})
    found = findings(UnhandledPromise, root)
    assert [(f.line, f.confidence) for f in found] == [(8, Confidence.LOW), (11, Confidence.MEDIUM)]


def test_unhandled_promises_in_a_browser_app_are_low(make_repo: MakeRepo) -> None:
    """proshop_mern's React `frontend/` (CRA's serviceWorker.js): the browser logs the rejection, nothing crashes."""
    root = make_repo({"frontend/src/handler.ts": TS_PROMISES})
    repo = Repository.scan(root)
    for kind, severity in (("frontend", Severity.LOW), ("backend", Severity.MEDIUM)):
        ctx = Context(repo=repo, sources=Sources(repo), config=Config(), project=Project("frontend", kind=kind))
        assert [(f.line, f.severity) for f in UnhandledPromise().run(ctx)] == [(8, severity), (11, severity)]


def test_js_error_regions_are_not_reported(make_repo: MakeRepo) -> None:
    root = make_repo({"src/broken.js": "try { a() } catch (e) {}\nfunction ( { try { b() } catch (e) {} \n"})
    assert where(EmptyCatch, root) == [("src/broken.js", 1)]


def test_empty_promise_catch_callbacks_are_empty_catches(make_repo: MakeRepo) -> None:
    """issue 9: `.catch(() => {})` was a miss; `.catch(() => null)` is a fallback; a comment saying why is low."""
    root = make_repo({"src/jobs.ts": (
        "export async function run(): Promise<void> {\n"
        "  await sync().catch(() => {});\n"
        "  await sync().catch(() => { /* best effort: a retry follows */ });\n"
        "  const cached = await load().catch(() => null);\n"
        "  await sync().catch((e) => logger.warn('sync failed', e));\n"
        "  await sync().catch(next);\n"
        "}\n")})
    assert [(f.line, f.severity.value, f.message) for f in findings(EmptyCatch, root)] == [
        (2, "high", "empty `.catch()` callback: the rejection is silently discarded"),
        (3, "low", "empty `.catch()` callback: the rejection is silently discarded (its comment says this is intended)"),
    ]
    assert [(f.line, f.severity.value, f.message) for f in findings(SwallowedException, root)] == [
        (4, "low", "`.catch()` callback replaces the error with a fallback value without logging it")]
    assert errors_facts(context(root)).handlers == 0  # callbacks are judged, not counted as catch clauses


def test_a_test_harness_and_a_deliberate_catch_are_not_high(make_repo: MakeRepo) -> None:
    """issue 9: lemmy api_tests/src/shared.ts:207,221 -- a test harness; `// Ignore errors ...` above the try."""
    harness = (
        "export async function allowInstance(api: Api, instance: string) {\n"
        "  // Ignore errors from duplicate allows (because setup gets called for each test file)\n"
        "  try {\n    await api.adminAllowInstance({ instance });\n  } catch {\n    // console.error(error);\n  }\n"
        "}\n"
        "export async function setup(api: Api) {\n  try {\n    await api.create();\n  } catch {\n"
        "    // console.log('exists');\n  }\n}\n")
    root = make_repo({"api_tests/src/shared.ts": harness, "src/shared.ts": harness})
    assert [(f.path, f.line, f.severity.value) for f in findings(EmptyCatch, root)] == [
        ("src/shared.ts", 5, "low"), ("src/shared.ts", 12, "high")]


def test_a_comment_that_says_where_the_error_is_handled_is_deliberate_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar's checkout: empty catches whose comment says where the error goes (`/* API errors handled by
    provider */`, `// Error already handled by update() via setValidationErrors`, `// Swallow: consumers handle
    their own errors`, `// do nothing`) were high; they are deliberate: low. An empty catch without one stays high."""
    form = ("export async function submit(update: Update, payload: Payload, returnUrl: string) {\n"
            "  try {\n    await update(payload)\n  } catch {\n    /* API errors handled by provider */\n  }\n"   # 4
            "  try {\n    await update({ discount_code: 'X' })\n  } catch {\n"
            "    // Error already handled by update() via setValidationErrors\n  }\n"                            # 9
            "  try {\n    await save()\n  } catch {\n    // Swallow: consumers handle their own errors via onSave.\n  }\n"  # 14
            "  try {\n    if (new URL(returnUrl).origin === origin) return returnUrl\n  } catch {\n    // do nothing\n  }\n"  # 19
            "  try {\n    await update(payload)\n  } catch {\n  }\n"                                            # 24
            "}\n")
    root = make_repo({"packages/checkout/src/components/CheckoutForm.tsx": form})
    assert [(f.line, f.severity.value) for f in findings(EmptyCatch, root)] == [
        (4, "low"), (9, "low"), (14, "low"), (19, "low"), (24, "high")]


def test_a_field_of_the_apps_own_error_class_narrows_like_instanceof(make_repo: MakeRepo) -> None:
    """RealWorld main.ts:42 `else if (err && err.errorCode) res.status(err.errorCode).json(err.message)`: only the
    app's HttpException has `errorCode`; a field every error has (`code`) narrows nothing."""
    root = make_repo({
        "src/http-exception.ts": "export default class HttpException extends Error {\n  errorCode: number;\n"
                                 "  constructor(errorCode: number, public readonly message: string) { super(message); "
                                 "this.errorCode = errorCode; }\n}\n",
        "src/main.ts": "app.use((err: Error, req: Request, res: Response, next: NextFunction) => {\n"
                       "  if (err && err.errorCode) {\n    res.status(err.errorCode).json(err.message);\n"
                       "  } else if (err.code) {\n    res.status(500).json(err.message);\n  }\n});\n",
    })
    assert [(f.line, f.message.split("`")[1]) for f in findings(LeakedDetails, root)] == [(5, "err.message")]


def test_nest_http_exception_built_from_a_caught_message_leaks(make_repo: MakeRepo) -> None:
    """issue 9: `new HttpException(error.message, ...)` sends the caught error's message to the client."""
    root = make_repo({"src/users.service.ts": (
        "import { BadRequestException, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';\n"
        "export class UsersService {\n"
        "  async create(dto: Dto) {\n"
        "    try { return await this.repo.save(dto); } catch (error) {\n"
        "      throw new HttpException(error.message, HttpStatus.INTERNAL_SERVER_ERROR);\n"
        "    }\n"
        "  }\n"
        "  async update(dto: Dto) {\n"
        "    try { return await this.repo.save(dto); } catch (error) {\n"
        "      throw new BadRequestException(error.message);\n"
        "    }\n"
        "  }\n"
        "  async find(id: string) {\n"
        "    try { return await this.repo.findOneOrFail(id); } catch (error) {\n"
        "      if (error instanceof NotFoundException) { throw new HttpException(error.message, 404); }\n"
        "      throw new HttpException('user not found', HttpStatus.NOT_FOUND);\n"
        "    }\n"
        "  }\n"
        "}\n")})
    found = findings(LeakedDetails, root)
    assert [(f.line, f.severity.value, f.confidence) for f in found] == [
        (5, "high", Confidence.MEDIUM), (10, "low", Confidence.LOW)]
    assert found[0].message.startswith("`error.message` becomes the response body of `new HttpException(...)`")


def test_entry_points_and_build_configs_have_no_unhandled_promises(make_repo: MakeRepo) -> None:
    """issue 9: NestJS's `bootstrap();`, vite.config.ts and jest.preset.js are not application source."""
    main = ("async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\n"
            "bootstrap();\n")
    loader = "async function load(): Promise<void> { await fetch('/x'); }\nexport function go() {\n  load();\n}\n"
    config = "async function plugins() { return []; }\nexport function setup() { plugins(); read().then(go); }\n"
    shell = "db = db.getSiblingDB('app');\ndb.createCollection('jobs').then(() => print('created'));\n"
    root = make_repo({"src/main.ts": main, "src/loader.ts": loader, "vite.config.ts": config, "jest.preset.js": config,
                      "docker/mongo-init.js": shell,  # a database shell init script (mongosh), not the app
                      "src/db.js": "const { MongoClient } = require('mongodb');\n" + shell})
    assert [(f.path, f.line) for f in findings(UnhandledPromise, root)] == [("src/db.js", 3), ("src/loader.ts", 3)]


# -- Java ----------------------------------------------------------------------------------------------------
JAVA = """\
package app;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class Api {
    public void a() {
        try { work(); } catch (IOException e) { }
    }
    public void b() {
        try { work(); } catch (Exception e) { counter++; }
    }
    public void c() {
        try { work(); } catch (Exception e) { log.error("failed", e); }
    }
    public void d() {
        try { work(); } catch (IOException e) { counter++; }
    }
    public Object e() {
        try { return work(); } catch (Throwable t) { return null; }
    }
    public ResponseEntity<String> f() {
        try {
            return ResponseEntity.ok(work());
        } catch (Exception e) {
            return ResponseEntity.status(500).body(e.getMessage());
        }
    }
    public ResponseEntity<String> g() {
        try {
            return ResponseEntity.ok(work());
        } catch (NotFoundException e) {
            return ResponseEntity.status(404).body(e.getMessage());
        }
    }
}

class NotFoundException extends RuntimeException {}
"""


def test_java_catch_leaks_and_central(make_repo: MakeRepo) -> None:
    root = make_repo({"src/main/java/app/Api.java": JAVA, "src/test/java/app/ApiTest.java": JAVA})
    path = "src/main/java/app/Api.java"
    assert where(EmptyCatch, root) == [(path, 9)]
    assert [(f.line, f.confidence) for f in findings(SwallowedException, root)] == [
        (12, Confidence.MEDIUM), (21, Confidence.HIGH),
    ]
    assert [(f.line, f.confidence) for f in findings(LeakedDetails, root)] == [(27, Confidence.MEDIUM)]
    assert len(findings(CentralHandler, root)) == 1
    advice = "import org.springframework.web.bind.annotation.*;\n@RestControllerAdvice\nclass Errors {}\n"
    write_tree(root, {"src/main/java/app/Errors.java": advice})
    assert findings(CentralHandler, root) == []


JAVA_ISSUE_9 = """\
package app;

public class Jobs {
    void a() {
        try { run(); } catch (Exception e) { e.printStackTrace(); }
    }
    void b() {
        try { run(); } catch (Exception e) { log.error("run failed", e); e.printStackTrace(); }
    }
    void c() {
        try { run(); } catch (IOException e) { throw new RuntimeException(e.getMessage()); }
    }
    void d() {
        try { run(); } catch (IOException e) { throw new RuntimeException("run failed: " + e.getMessage(), e); }
    }
    void e() {
        try { run(); } catch (IOException e) { throw new IllegalStateException("run failed"); }
    }
}
"""


def test_java_print_stack_trace_only_and_message_only_rethrow(make_repo: MakeRepo) -> None:
    """issue 9: a catch that only prints the stack trace swallows the failure; a rethrow that keeps only
    `e.getMessage()` loses the cause."""
    root = make_repo({"src/main/java/app/Jobs.java": JAVA_ISSUE_9})
    swallowed = findings(SwallowedException, root)
    assert [(f.line, f.severity, f.confidence) for f in swallowed] == [(5, Severity.MEDIUM, Confidence.MEDIUM)]
    assert "only prints the stack trace" in swallowed[0].message
    unchained = findings(UnchainedRaise, root)
    assert [(f.path, f.line) for f in unchained] == [("src/main/java/app/Jobs.java", 11)]
    assert unchained[0].message == ("`new RuntimeException(e.getMessage())` keeps only the caught error's message: "
                                    "its cause and stack trace are lost")


# -- Rust -----------------------------------------------------------------------------------------------------
RUST_LIB = """\
use actix_web::ResponseError;
use std::sync::Mutex;

pub fn parse(s: &str) -> u32 {
    let n: u32 = s.parse().unwrap();
    let m: u32 = s.parse().expect("a number");
    if n > m { panic!("too big"); }
    let msg = format!("{}", s.parse::<u32>().unwrap());
    todo!()
}

pub fn locked(m: &Mutex<u32>) -> u32 {
    *m.lock().unwrap()
}

#[cfg(test)]
mod tests {
    #[test]
    fn t() { "1".parse::<u32>().unwrap(); panic!("x"); }
}

#[tokio::test]
async fn t2() { "1".parse::<u32>().unwrap(); }
"""


def test_rust_unwrap_expect_panic(make_repo: MakeRepo) -> None:
    root = make_repo({
        "Cargo.toml": "[package]\nname = \"x\"\n",
        "src/lib.rs": RUST_LIB,
        "src/main.rs": "fn main() {\n    let port: u16 = std::env::var(\"PORT\").unwrap().parse().unwrap();\n}\n",
        "tests/it.rs": "fn x() { Some(1).unwrap(); }\n",
        "examples/demo.rs": "fn main() { Some(1).unwrap(); }\n",
        "benches/b.rs": "fn b() { Some(1).unwrap(); }\n",
        "build.rs": "fn main() { std::env::var(\"OUT_DIR\").unwrap(); }\n",
    })
    unwraps = findings(Unwrap, root)
    assert [(f.path, f.line, f.confidence, f.severity) for f in unwraps] == [
        ("src/lib.rs", 5, Confidence.HIGH, Severity.MEDIUM), ("src/lib.rs", 8, Confidence.HIGH, Severity.MEDIUM),
        ("src/lib.rs", 13, Confidence.LOW, Severity.LOW),
        ("src/main.rs", 2, Confidence.LOW, Severity.LOW), ("src/main.rs", 2, Confidence.LOW, Severity.LOW),
    ]  # start-up in `main` (wpcodevo/rust-axum-postgres-api's `TcpListener::bind(..).await.unwrap()`) is low
    assert len({f.key for f in unwraps}) == 5
    assert where(Expect, root) == [("src/lib.rs", 6)]
    assert where(Panic, root) == [("src/lib.rs", 7), ("src/lib.rs", 9)]


def test_rust_a_failed_bind_at_start_up_is_low_issue_9(make_repo: MakeRepo) -> None:
    """lemmy `prometheus_metrics.rs:50`: `.bind((config.bind, config.port)).unwrap_or_else(|e| panic!("Cannot bind
    to {}:{}: {e}", ..))` in the thread that starts the metrics server: a server that cannot listen has nothing to
    serve, failing there is intended: low, saying so. A panic in a request path stays medium."""
    root = make_repo({"Cargo.toml": "[package]\nname = \"x\"\n", "src/metrics.rs": (
        "pub fn serve_prometheus(config: PrometheusConfig) {\n"
        "  thread::spawn(move || {\n"
        "    let server = HttpServer::new(move || App::new().route(\"/metrics\", web::get().to(metrics)))\n"
        "      .bind((config.bind, config.port))\n"
        "      .unwrap_or_else(|e| panic!(\"Cannot bind to {}:{}: {e}\", config.bind, config.port))\n"  # 5
        "      .run();\n"
        "  });\n"
        "}\n"
        "pub async fn listen(addr: &str) {\n"
        "  let listener = TcpListener::bind(addr).await.unwrap();\n"                                    # 10
        "}\n"
        "pub fn handle(req: &Request) -> u32 {\n"
        "  if req.id == 0 { panic!(\"no id\"); }\n"                                                     # 13
        "  req.body.parse().unwrap()\n"                                                                 # 14
        "}\n")})
    assert [(f.line, f.severity) for f in findings(Panic, root)] == [(5, Severity.LOW), (13, Severity.MEDIUM)]
    assert [(f.line, f.severity) for f in findings(Unwrap, root)] == [(10, Severity.LOW), (14, Severity.MEDIUM)]
    assert findings(Panic, root)[0].message.endswith("(binding the server's address at start-up, where failing fast is intended)")


def test_rust_central_handler(make_repo: MakeRepo) -> None:
    actix = make_repo({"src/error.rs": "use actix_web::ResponseError;\nimpl actix_web::ResponseError for ServiceError {}\n"})
    assert findings(CentralHandler, actix) == []
    axum = make_repo({"src/main.rs": "use axum::Router;\nimpl IntoResponse for Page {}\n"})
    assert len(findings(CentralHandler, axum)) == 1
    write_tree(axum, {"src/error.rs": "use axum::response::IntoResponse;\nimpl IntoResponse for AppError {}\n"})
    assert findings(CentralHandler, axum) == []


def test_rust_central_handler_inside_cfg_select_and_error_middleware(make_repo: MakeRepo) -> None:
    # lemmy crates/utils/src/error.rs:225: the ResponseError impl sits in a `cfg_select!` block
    lemmy = make_repo({
        "src/error.rs": "cfg_select! {\n    feature = \"full\" => {\n"
                        "        impl actix_web::error::ResponseError for LemmyError {\n"
                        "            fn status_code(&self) -> u16 { 400 }\n        }\n    }\n    _ => {}\n}\n",
        "src/lib.rs": "use actix_web::{middleware::ErrorHandlers, App};\n"
                      "fn app() { App::new().wrap(ErrorHandlers::new().default_handler(jsonify)); }\n",
    })
    assert findings(CentralHandler, lemmy) == []
    assert errors_facts(context(lemmy)).central_handler_evidence == (
        "src/error.rs:3 impl ResponseError for LemmyError", "src/lib.rs:2 ErrorHandlers::default_handler")
    rocket = make_repo({"src/main.rs": "#[macro_use] extern crate rocket;\n#[catch(404)]\nfn not_found() -> &'static str "
                                       "{ \"no\" }\n"})
    assert findings(CentralHandler, rocket) == []


def test_rust_guarded_unwraps_locks_and_writes(make_repo: MakeRepo) -> None:
    # wpcodevo/rust-axum-postgres-api src/handler.rs:54, zero-to-production issue_delivery_worker.rs:49
    root = make_repo({"src/handler.rs": (
        "pub async fn list(db: &Db) -> Result<Json, Error> {\n"
        "    let result = db.fetch().await;\n"
        "    if result.is_err() {\n        return Err(Error::Db);\n    }\n"
        "    let rows = result.unwrap();\n"  # 6: guarded
        "    let task = next(db).await?;\n"
        "    if task.is_none() {\n        log();\n    }\n"
        "    let t = task.unwrap();\n"  # 11: the check does not leave
        "    let n = *COUNT.lock().unwrap();\n"  # 12: a lock
        "    writeln!(html, \"<p>{}</p>\", n).unwrap();\n"  # 13: a write!
        "    Ok(Json(rows))\n}\n")})
    assert [(f.line, f.severity, f.confidence) for f in findings(Unwrap, root)] == [
        (11, Severity.MEDIUM, Confidence.HIGH), (12, Severity.LOW, Confidence.LOW), (13, Severity.LOW, Confidence.LOW)]


def test_rust_constants_and_lint_allowed_panics(make_repo: MakeRepo) -> None:
    # lemmy crates/utils/src/utils/validation.rs:13 and crates/api/routes_v3/src/convert.rs:97
    root = make_repo({"src/lib.rs": (
        "#[expect(clippy::expect_used)]\n"
        "static RE: LazyLock<Regex> = LazyLock::new(|| {\n    Regex::new(r\"^@[a-z]+$\")\n        .expect(\"compile regex\")\n});\n"
        "static URL: LazyLock<Url> = LazyLock::new(|| Url::parse(\"http://example.com\").expect(\"dummy url\"));\n"  # 6
        # zero-to-production src/authentication/password.rs:121 (argon2 parameters)
        "fn port() -> u16 { std::env::var(\"PORT\").expect(\"PORT\").parse().expect(\"a number\") }\n"  # 7, 7
        "mod startup {\n    #![allow(clippy::unwrap_used, clippy::panic)]\n"
        "    fn go() { listen().unwrap(); panic!(\"x\"); }\n}\n"  # 10
        "fn serve() { listen().unwrap(); todo!() }\n"  # 12
        "fn hasher() -> Argon2 { Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(15000, 2, 1, None).unwrap()) }\n"
    )})
    assert where(Expect, root) == [("src/lib.rs", 7), ("src/lib.rs", 7)]
    assert where(Unwrap, root) == [("src/lib.rs", 12)]
    assert where(Panic, root) == [("src/lib.rs", 12)]


def test_rust_test_only_files_and_multi_line_chains(make_repo: MakeRepo) -> None:
    root = make_repo({
        "src/diff_check.rs": "#![cfg(test)]\npub fn dump() -> String { run().expect(\"pg_dump\") }\n",
        # lemmy crates/db_views/post/src/lib.rs: `#[cfg(test)] mod test;` makes test.rs (and its submodules) test code
        "src/views/mod.rs": "#[cfg(test)]\nmod test;\nmod real;\n",
        "src/views/test.rs": "mod data;\nfn setup() -> Data { Data::setup().expect(\"setup failed\") }\n",
        "src/views/test/data.rs": "fn load() { read().expect(\"fixture\"); }\n",
        "src/views/real.rs": "pub fn serve() { start().expect(\"server\"); }\n",
        "src/lib.rs": "pub fn rows(db: &Db) -> Vec<Row> {\n    db.query()\n        .fetch_all()\n        .unwrap()\n}\n",
    })
    assert where(Expect, root) == [("src/views/real.rs", 1)]
    assert [(f.line, f.snippet) for f in findings(Unwrap, root)] == [(4, ".unwrap()")]


# -- Go ----------------------------------------------------------------------------------------------------------
GO = """\
package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/gin-gonic/gin"
)

type Store interface {
	Get(id int) (int, bool)
	Put(id int) error
}

func save() error { return nil }

func load() (int, error) { return 0, nil }

func handle(w http.ResponseWriter, r *http.Request, s Store, c *gin.Context) {
	save()
	_ = save()
	v, _ := load()
	n, _ := strconv.Atoi("1")
	got, _ := s.Get(1)
	s.Put(1)
	_ = save() // best effort: the cache is rebuilt on the next request
	json.Unmarshal([]byte("{}"), &v)
	f, err := os.Open("x")
	defer f.Close()
	_ = f.Close()
	fmt.Println(v, n, got)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		http.Error(w, err.Error(), http.StatusBadRequest)
		c.JSON(500, gin.H{"error": err.Error()})
		return
	}
}
"""


def test_go_ignored_errors(make_repo: MakeRepo) -> None:
    root = make_repo({"api/handler.go": GO, "api/handler_test.go": GO})
    found = findings(IgnoredError, root)
    assert [(f.path, f.line, f.confidence) for f in found] == [
        ("api/handler.go", 23, Confidence.HIGH), ("api/handler.go", 24, Confidence.HIGH),
        ("api/handler.go", 25, Confidence.HIGH), ("api/handler.go", 26, Confidence.HIGH),
        ("api/handler.go", 28, Confidence.HIGH), ("api/handler.go", 30, Confidence.HIGH),
    ]  # s.Put: s is a parameter of the project's Store type, whose Put returns an error


def test_go_ignored_error_of_a_response_writing_helper_is_low_issue_9(make_repo: MakeRepo) -> None:
    """ecom: 8 of 13 sampled findings were `utils.WriteJSON(w, http.StatusOK, products)` at medium, a helper that
    writes the response and returns `json.NewEncoder(w).Encode(v)`'s error. The store write beside it stays medium."""
    root = make_repo({
        "go.mod": "module github.com/x/ecom\n\ngo 1.22\n",
        "utils/utils.go": (
            "package utils\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n)\n"
            "func WriteJSON(w http.ResponseWriter, status int, v any) error {\n"
            "\tw.WriteHeader(status)\n\treturn json.NewEncoder(w).Encode(v)\n}\n"
            "func Save(v any) error { return nil }\n"),
        "services/product/routes.go": (
            "package product\nimport (\n\t\"net/http\"\n\t\"github.com/x/ecom/utils\"\n)\n"
            "func handle(w http.ResponseWriter, r *http.Request) {\n"
            "\tutils.Save(r)\n\tutils.WriteJSON(w, http.StatusOK, r)\n}\n"),
    })
    assert [(f.line, f.severity.value, f.message) for f in findings(IgnoredError, root)] == [
        (7, "medium", "the error returned by `utils.Save` is ignored"),
        (8, "low", "the error returned by `utils.WriteJSON` is ignored (it writes the HTTP response: once the status "
                   "is sent, a failed write can only be logged)"),
    ]


def test_go_leaks_and_central(make_repo: MakeRepo) -> None:
    root = make_repo({"api/handler.go": GO})
    assert [(f.line, f.confidence) for f in findings(LeakedDetails, root)] == [
        (36, Confidence.MEDIUM), (37, Confidence.LOW), (38, Confidence.MEDIUM),
    ]
    assert len(findings(CentralHandler, root)) == 1
    write_tree(root, {"api/errors.go": "package api\nfunc errorResponse(err error) gin.H { return gin.H{} }\n"})
    assert findings(CentralHandler, root) == []


# -- facts, audit, hostile input ------------------------------------------------------------------------------------
def test_facts_count_every_language(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/handlers.py": PY_HANDLERS, "src/app.js": JS, "src/handler.ts": TS_PROMISES, "api/handler.go": GO,
        "src/lib.rs": RUST_LIB, "src/main/java/app/Api.java": JAVA,
    })
    facts = errors_facts(context(root))
    assert (facts.bare_except, facts.swallowed, facts.broad, facts.empty_catch) == (1, 3 + 2 + 2, 1, 2 + 1)
    assert (facts.unwrap, facts.expect, facts.panic, facts.ignored_error) == (3, 1, 2, 6)
    # JS, Java, Go; a 4xx message (src/app.js:33, api/handler.go:37) is no leak fact
    assert facts.floating_promises == 2 and facts.leaks == 1 + 1 + 2
    assert facts.handlers == 9 + 8 + 1 + 7  # Python, JavaScript, TypeScript, Java
    assert facts.central_handler is True
    assert set(facts.web_frameworks) == {"express", "actix_web", "gin", "net/http", "spring"}


def test_audit_runs_the_family_with_stable_fingerprints(make_repo: MakeRepo) -> None:
    root = make_repo({"app/handlers.py": PY_HANDLERS, "api/handler.go": GO}, git=True)
    card = audit(root, Config(only=("errors/*",)))
    statuses = {r.id: r.status.value for r in card.results}
    assert statuses["errors/swallowed-exception"] == "failed"
    assert statuses["errors/unwrap"] == "not_applicable"
    errors = [r for r in card.results if r.status.value == "error"]
    assert errors == []
    prints = [f.fingerprint for f in card.findings]
    assert len(prints) == len(set(prints))
    assert {c.id for c in CHECKS} <= set(statuses)


def test_deep_nesting_and_broken_files_do_not_crash(make_repo: MakeRepo) -> None:
    deep_js = "function f() { try { x(); } catch (e) { const a = " + "[" * 3000 + "]" * 3000 + "; } }\n"
    deep_rs = "fn f() { let a = " + "(" * 3000 + "1" + ")" * 3000 + "; x.unwrap(); }\n"
    deep_go = "package m\nfunc f() { _ = g(" + "h(" * 2000 + ")" * 2000 + ") }\n"
    deep_java = "class A { void f() { try { int a = " + "(" * 2000 + "1" + ")" * 2000 + "; } catch (Exception e) {} } }\n"
    nested_py = "def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(80)) + "    " * 81 + "pass\n"
    root = make_repo({
        "src/deep.js": deep_js, "src/deep.rs": deep_rs, "deep.go": deep_go, "src/Deep.java": deep_java,
        "deep.py": nested_py, "broken.py": "def f(:\n  try\n", "src/broken.rs": "fn f( { x.unwrap( \n",
        "broken.go": "package m\nfunc f() { _ = ( \n", "src/Broken.java": "class { catch (Exception e) {} \n",
    })
    ctx = context(root)
    for check in CHECKS:
        try:
            out = check().run(ctx)
            list(out.findings if isinstance(out, Verdict) else out)
        except NotApplicable:
            pass
    assert where(Unwrap, root) == [("src/deep.rs", 1)]
    assert where(EmptyCatch, root) == [("src/Deep.java", 1)]


# Statements built from pieces that exercise every Python rule; hypothesis nests them at random.
_LEAVES = [
    "pass", "...", "continue", "return None", "raise", "raise E('x')", "raise E('x') from e", "log.error('x')",
    "return {'error': str(e)}", "return jsonify(error=repr(e))", "raise HTTPException(400, detail=str(e))",
    "x = traceback.format_exc()", "raise e", "sys.exit(1)",
]
_HANDLERS = ["except Exception as e:", "except:", "except (ValueError, BaseException) as e:", "except E:"]


@st.composite
def _python_snippets(draw: st.DrawFn, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 4 and draw(st.booleans()):
            lines.append("try:")
            lines += ["    " + ln for ln in draw(_python_snippets(depth + 1))]
            lines.append(draw(st.sampled_from(_HANDLERS)))
            lines += ["    " + ln for ln in draw(_python_snippets(depth + 1))]
        else:
            lines.append(draw(st.sampled_from(_LEAVES)))
    return lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_python_snippets(), decorate=st.booleans())
def test_random_python_never_crashes(tmp_path_factory: pytest.TempPathFactory, body: list[str],
                                     decorate: bool) -> None:
    source = ("@app.route('/x')\n" if decorate else "") + "def view():\n" + "".join(f"    {ln}\n" for ln in body)
    try:
        ast.parse(source)
    except SyntaxError:
        return  # e.g. `continue` outside a loop: not a parsable module
    root = tmp_path_factory.mktemp("py")
    write_tree(root, {"app.py": "from flask import Flask\n" + source})
    ctx = context(root)
    for check in (BareExcept, SwallowedException, BroadExcept, UnchainedRaise, LeakedDetails, CentralHandler):
        out = check().run(ctx)
        for f in out.findings if isinstance(out, Verdict) else out:
            assert f.path in ("app.py", None) and (f.line is None or f.line >= 1)


GO_STORE = """\
package database

type Store struct{}

func (s *Store) Get(id int) (int, error) { return id, nil }

func (s *Store) Delete(id int) error { return nil }

func Setup() error { return nil }
"""
GO_ROUTES = """\
package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"

	"example.com/svc/database"
)

type TokenStore interface {
	DeleteToken(id int) error
	Forget(id int)
}

type Processor interface{ Shutdown() }

type Resource struct {
	Store  TokenStore
	server *asynq.Server
	db     *database.Store
}

func Setup() {}

func (rs *Resource) router() *chi.Mux {
	r := chi.NewRouter()
	r.Get("/", rs.list)
	r.Route("/{id}", func(r chi.Router) {
		r.Use(rs.ctx)
		r.Get("/", rs.list)
		r.Delete("/", rs.list)
	})
	return r
}

func (rs *Resource) list(w http.ResponseWriter, r *http.Request) {
	rs.Store.DeleteToken(1)
	rs.Store.Forget(1)
	rs.server.Shutdown()
	rs.db.Delete(1)
	var p Processor
	p.Shutdown()
	Setup()
	database.Setup()
	srv := &http.Server{}
	srv.ListenAndServe()
}
"""


def test_go_router_registrations_and_typed_receivers(make_repo: MakeRepo) -> None:
    """go-base: chi's r.Get/r.Delete return nothing, although the project declares Store.Get/Delete returning errors."""
    root = make_repo({"database/store.go": GO_STORE, "api/routes.go": GO_ROUTES})
    found = findings(IgnoredError, root)
    assert [(f.path, f.line, f.message, f.confidence) for f in found] == [
        ("api/routes.go", 39, "the error returned by `rs.Store.DeleteToken` is ignored", Confidence.HIGH),
        ("api/routes.go", 42, "the error returned by `rs.db.Delete` is ignored", Confidence.HIGH),
        ("api/routes.go", 46, "the error returned by `database.Setup` is ignored", Confidence.HIGH),
        ("api/routes.go", 48, "the error returned by `srv.ListenAndServe` is ignored", Confidence.HIGH),
    ]


def test_go_type_resolution_survives_cycles_and_deep_nesting(make_repo: MakeRepo) -> None:
    depth = 400
    nested = "func() {\n" * depth + "a := b\nb := a\na.Commit()\nc := c.Next()\nc.Get(1)\n" + "}()\n" * depth
    root = make_repo({"api/deep.go": f"package api\n\nfunc run() {{\n{nested}}}\n"})
    found = findings(IgnoredError, root)
    assert [(f.line, f.message) for f in found] == [
        (depth + 6, "the error returned by `a.Commit` is ignored"),  # unknown type, a well-known method name
    ]


def test_go_central_error_helper_that_writes_err_error_is_a_leak(make_repo: MakeRepo) -> None:
    """ecom `utils.WriteError`: the central helper sends every error's text to the client (issue 9)."""
    root = make_repo({
        "utils/utils.go": (
            "package utils\nimport \"net/http\"\n"
            "func WriteJSON(w http.ResponseWriter, status int, v any) error { return nil }\n"
            "func WriteError(w http.ResponseWriter, status int, err error) {\n"
            "\tWriteJSON(w, status, map[string]string{\"error\": err.Error()})\n}\n"
            "func logError(err error) { log.Print(err.Error()) }\n"),
    })
    found = findings(LeakedDetails, root)
    assert [(f.path, f.line, f.confidence) for f in found] == [("utils/utils.go", 5, Confidence.MEDIUM)]
    assert "for every error" in found[0].message
    assert findings(CentralHandler, root) == []  # still a central handler: WriteError()


def test_gorm_v1_scope_builders_are_not_dropped_errors(make_repo: MakeRepo) -> None:
    """go-gin-example `scope.Raw(sql).Exec()` in a GORM v1 callback returns the scope, not an error (issue 9);
    `db.Exec` on an unknown receiver still is."""
    root = make_repo({
        "models/models.go": (
            "package models\nimport \"github.com/jinzhu/gorm\"\n"
            "func deleteCallback(scope *gorm.Scope) {\n"
            "\tscope.Raw(\"DELETE FROM t\").Exec()\n\tscope.Exec()\n}\n"
            "func purge(db *sql.DB) {\n\tdb.Exec(\"DELETE FROM t\")\n}\n"),
    })
    assert [(f.line, f.confidence) for f in findings(IgnoredError, root)] == [(8, Confidence.MEDIUM)]


# -- issue 9: the Python shapes seen false or missed on real repositories ---------------------------------------
PY_ISSUE9 = """\
from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

router = APIRouter()


@router.post("/pw")
def change(user, body, db_session):
    try:
        user.set_password(body.new_password)
        db_session.commit()
    except ValueError as e:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST,
            detail=[{"msg": str(e)}],
        ) from e
    return user


def make_dependable(cls):
    def init(*args, **kwargs):
        try:
            return cls(*args, **kwargs)
        except (ValidationError, RequestValidationError) as e:
            raise HTTPException(422, detail=[str(ex) for ex in e.errors()]) from None
    return init


def ok(x):
    try:
        return x.check()
    except Exception:
        return False


def items(x):
    try:
        return x.list()
    except Exception:
        return []


def none(x):
    try:
        return x.list()
    except Exception:
        return None


def save(session, obj):
    try:
        session.add(obj)
        session.commit()
    except:
        session.rollback()
        raise


def swallow(session):
    try:
        session.commit()
    except:
        pass
"""


def test_python_shapes_of_issue_9(make_repo: MakeRepo) -> None:
    """dispatch auth/views.py:239 (a ValueError's own message with a 400) is at most low; mealie make_dependable.py
    (pydantic's validation errors with a 422) is meant for the client; `except Exception: return False/[]` is a
    fallback like `return None`, all three alike; a bare except that rolls back and re-raises is low and says why,
    a swallowing one stays high."""
    root = make_repo({"pyproject.toml": '[project]\nname = "svc"\ndependencies = ["fastapi"]\n',
                      "app/views.py": PY_ISSUE9})
    leaks = findings(LeakedDetails, root)
    assert [(f.line, f.severity, f.confidence) for f in leaks] == [(14, Severity.LOW, Confidence.LOW)]
    swallowed = findings(SwallowedException, root)
    assert [(f.line, f.severity) for f in swallowed] == [(33, Severity.LOW), (40, Severity.LOW), (47, Severity.LOW)]
    assert all("fallback value" in f.message for f in swallowed)
    bare = findings(BareExcept, root)
    assert [(f.line, f.severity) for f in bare] == [(55, Severity.LOW), (63, Severity.HIGH)]
    assert "re-raises" in bare[0].message


def test_a_catch_that_shows_the_failure_to_the_user_is_low_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `PaymentMethodForm.tsx`: `catch { reportError(fallbackError); return }` puts the failure in
    front of the user (an error state); only the error itself goes unlogged: low, saying so, not a high swallow.
    `toast.error(...)`, `toast({...})` and `setSendFailed(true)` are the same, and a comment that says the catch
    falls back is deliberate; a catch that only returns stays high."""
    form = ("import { useCallback } from 'react'\n"
            "export function Form({ api, reportError, fallbackError }) {\n"
            "  const confirm = useCallback(async (id: string) => {\n"
            "    let confirmed\n"
            "    try {\n"
            "      confirmed = await api.post('/confirm', { id })\n"
            "    } catch {\n"                                   # 7
            "      reportError(fallbackError)\n"
            "      return\n"
            "    }\n"
            "    try {\n"
            "      await api.post('/default', { id })\n"
            "    } catch (e) {\n"                               # 13
            "      toast.error('Could not set the default')\n"
            "    }\n"
            "    try {\n"
            "      await api.post('/track', { id })\n"
            "    } catch {\n"                                   # 18
            "      return\n"
            "    }\n"
            "    try {\n"
            "      await api.post('/remove', { id })\n"
            "    } catch {\n"                                   # 23
            "      toast({ title: 'Failed to remove member', description: 'Please try again.' })\n"
            "    }\n"
            "    try {\n"
            "      await api.post('/send', { id })\n"
            "    } catch {\n"                                   # 28
            "      setSendFailed(true)\n"
            "    }\n"
            "    try {\n"
            "      await api.listen(id)\n"
            "    } catch {\n"                                   # 33
            "      // Fulfillment did not complete in time. Fall back to our /confirmation page.\n"
            "      router.push('/confirmation')\n"
            "    }\n"
            "    return confirmed\n"
            "  }, [api])\n"
            "}\n")
    root = make_repo({"package.json": '{"name": "web", "dependencies": {"react": "19"}}', "src/Form.tsx": form})
    found = findings(SwallowedException, root)
    assert [(f.line, f.severity) for f in found] == [(7, Severity.LOW), (13, Severity.LOW), (18, Severity.HIGH),
                                                     (23, Severity.LOW), (28, Severity.LOW), (33, Severity.LOW)]
    assert found[-1].message.endswith("(its comment says this is intended)")
    assert found[0].message == "catch block shows the failure to the user but drops the error itself: nothing logs it for diagnosis"


def test_a_floating_chain_at_the_top_of_a_hand_run_script_is_low_issue_9(make_repo: MakeRepo) -> None:
    """full-stack-todo's Nx `tools/populate-todos.ts`: `axios.get(...).then(...).then(...)` at the top level of a
    script run by hand with ts-node: a rejection ends it with the error printed: low, saying so. The same chain in
    the server's code, or inside a function of the script, stays medium."""
    chain = ("axios\n  .get('https://dummyjson.com/todos?limit=10')\n  .then(({ data }) => data.todos)\n"
             "  .then(async (todos) => {\n    for (const t of todos) await save(t)\n  })\n")
    inner = "export function later() {\n  axios.get('/x').then((r) => save(r.data))\n}\n"
    root = make_repo({"package.json": '{"name": "ws", "dependencies": {"@nestjs/core": "10", "axios": "1"}}',
                      "tools/populate-todos.ts": "import axios from 'axios'\n" + chain + inner,
                      "apps/server/src/sync.ts": "import axios from 'axios'\n" + chain})
    found = findings(UnhandledPromise, root)
    assert [(f.path, f.line, f.severity) for f in found] == [
        ("apps/server/src/sync.ts", 2, Severity.MEDIUM), ("tools/populate-todos.ts", 2, Severity.LOW),
        ("tools/populate-todos.ts", 9, Severity.MEDIUM)]
    assert found[1].message.endswith("(at the top level of a script run by hand, where a rejection ends it with the error printed)")


def test_catch_callbacks_after_a_reporting_response_interceptor_are_low(make_repo: MakeRepo) -> None:
    """issue 9, Netflix/dispatch's Vuex stores: `.catch(() => { commit("SET_LOADING", false) })` after an API call
    whose failure the axios response interceptor already reports is clean-up: low, saying why. Without the
    interceptor the same callback is a swallowed error (high); an empty callback stays an empty catch."""
    store = ('import API from "@/api"\n\nexport function load({ commit }) {\n  return API.get("/items")\n'
             '    .then((r) => commit("SET", r.data))\n    .catch(() => {\n      commit("SET_LOADING", false)\n    })\n}\n'
             'export function quiet() {\n  return API.get("/x").catch(() => {})\n}\n')
    api = ('import axios from "axios"\nconst instance = axios.create({ baseURL: "/api" })\n'
           'instance.interceptors.response.use(\n  function (res) { return res },\n'
           '  function (err) { notify(err.message); return Promise.reject(err) }\n)\nexport default instance\n')
    package = '{"name": "web", "dependencies": {"vue": "3", "axios": "1"}}'
    with_interceptor = make_repo({"package.json": package, "src/store.js": store, "src/api.js": api})
    swallowed = findings(SwallowedException, with_interceptor)
    assert [(f.path, f.line, f.severity, f.confidence) for f in swallowed] == [
        ("src/store.js", 6, Severity.LOW, Confidence.LOW)]
    assert "src/api.js:3" in swallowed[0].message
    assert [(f.line, f.severity) for f in findings(EmptyCatch, with_interceptor)] == [(11, Severity.HIGH)]
    without = make_repo({"package.json": package, "src/store.js": store})
    assert [(f.line, f.severity) for f in findings(SwallowedException, without)] == [(6, Severity.HIGH)]


def test_leaving_a_command_line_program_inside_except_is_no_unchained_raise_issue_9(tmp_path: Path) -> None:
    """polar `server/scripts/compare_faulty_webhooks.py:605`: `except httpx.HTTPError as e: console.print(...);
    raise typer.Exit(1)` ends the script with an exit code after showing the error; chaining a cause to an exit
    shows nothing. A new application error raised the same way still loses its cause."""
    write_tree(tmp_path, {"cli.py": (
        "import sys\nimport click\nimport typer\n\n\n"
        "def fetch(url):\n    try:\n        return download(url)\n    except OSError as e:\n"
        "        print(f'failed: {e}')\n        raise typer.Exit(1)\n\n\n"
        "def other(url):\n    try:\n        return download(url)\n    except OSError:\n        raise SystemExit(2)\n\n\n"
        "def third(url):\n    try:\n        return download(url)\n    except OSError:\n        raise click.Abort()\n\n\n"
        "def app(url):\n    try:\n        return download(url)\n    except OSError:\n        raise DownloadError(url)\n")})
    assert where(UnchainedRaise, tmp_path) == [("cli.py", 32)]
