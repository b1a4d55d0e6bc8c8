"""Informational facts with no judgement: caching and background processing in use (facts.operability)."""

from __future__ import annotations

from analysis.frameworks import BACKGROUND_LIBRARIES, CACHE_LIBRARIES, language_family, libraries_in_use
from auditor.context import Context
from checks.operability._common import dependencies, short

__all__ = ["background_facts", "caching_facts"]

_CACHE_DECORATORS = frozenset({"cache_page", "cached", "cache", "lru_cache", "cached_property", "Cacheable", "CacheEvict",
                               "cache_control", "memoize", "alru_cache"})
_CACHE_SETTINGS = frozenset({"CACHES", "CACHE_TYPE", "CACHE_REDIS_URL", "REDIS_URL", "CACHE_BACKEND"})
_BACKGROUND_DECORATORS = frozenset({"Async", "Scheduled", "shared_task", "task", "periodic_task", "actor", "job", "Cron",
                                    "Interval", "Process", "Processor", "celery.task", "app.task"})


def _decorated(ctx: Context, names: frozenset[str], *, in_process: frozenset[str] = frozenset()) -> list[str]:
    out: list[str] = []
    for model in ctx.analysis.files(roles=("source",)):
        for fn in model.functions:
            for dec in fn.decorators:
                name = dec.lstrip("@#[").split("(", 1)[0].rstrip("]").rsplit(".", 1)[-1]
                if name in names and name not in in_process:
                    out.append(f"@{name} ({model.path}:{fn.line})")
    return out


def caching_facts(ctx: Context) -> dict[str, object]:
    how = libraries_in_use(ctx.analysis, CACHE_LIBRARIES, dependencies(ctx))
    how += _decorated(ctx, _CACHE_DECORATORS, in_process=frozenset({"lru_cache", "cache", "cached_property", "alru_cache"}))
    for model in ctx.analysis.files(roles=("source", "config")):
        for setting in model.settings:
            if setting.key in _CACHE_SETTINGS and setting.function < 0:
                how.append(f"{setting.key} ({model.path}:{setting.line})")
    return {"present": bool(how), "how": short(how)}


def background_facts(ctx: Context) -> dict[str, object]:
    how = libraries_in_use(ctx.analysis, BACKGROUND_LIBRARIES, dependencies(ctx))
    how += _decorated(ctx, _BACKGROUND_DECORATORS)
    for model in ctx.analysis.files(roles=("source",)):
        family = language_family(model.language)
        for fn in model.functions:
            if family == "python" and any((p[1] or "").endswith("BackgroundTasks") for p in fn.params):
                how.append(f"BackgroundTasks ({model.path}:{fn.line})")
                break
    return {"present": bool(how), "how": short(how)}
