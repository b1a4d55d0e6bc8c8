"""URL path templates of every framework reduced to one comparable form."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Endpoint", "join_paths", "normalise_path", "path_matches", "segments"]

_REGEX_GROUP = re.compile(r"\(\?P<[^>]*>(?:[^()]|\([^()]*\))*\)")  # Django re_path named groups
_PARAM_PATTERNS = (
    re.compile(r"^\{[^{}]*\}$"),  # {id}, {id:int}, {id:[0-9]+}
    re.compile(r"^<[^<>]*>$"),  # <id>, <int:id>
    re.compile(r"^:[A-Za-z_][\w-]*\??(\(.*\))?$"),  # :id, :id?, :id(\d+)
    re.compile(r"^\*.*$"),  # *, *path, *rest
    re.compile(r"^\$\{.*\}$"),  # template literal substitution
)
PARAM = "{}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An HTTP route declared in code. `method` is upper case or "ANY".

    `prefix_known` is False when the route's router was never found mounted (its prefix may be missing).
    `base` is a deployment prefix included in `path` (a servlet context path) that a spec may leave out.
    `method_known` is False for an "ANY" that stands for methods that could not be read (a class-based view whose
    bases are outside the project), not for a route that truly serves every method.
    """

    method: str
    path: str
    file: str
    line: int
    framework: str
    prefix_known: bool = True
    base: str = ""
    handler: str = ""  # the function, view or method that serves it
    guards: tuple[str, ...] = ()  # middleware, guards, dependencies and decorators that apply to it
    method_known: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {normalise_path(self.path)}"


def normalise_path(path: str) -> str:
    """`/users/<int:id>/`, `/users/:id`, `users/{user_id}` -> `/users/{}`; never raises."""
    text = _REGEX_GROUP.sub(PARAM, str(path)[:2000])
    text = text.split("?", 1)[0].split("#", 1)[0].strip()
    parts = [s for s in text.split("/") if s]
    while parts and (parts[0].startswith("^") or parts[-1].endswith("$")):  # Django regex anchors
        parts[0] = parts[0].lstrip("^")
        parts[-1] = parts[-1].rstrip("$")
        parts = [s for s in parts if s]
    return "/" + "/".join(_segment_fixpoint(s) for s in parts)


def _segment_fixpoint(seg: str) -> str:
    """Normalise until stable: replacing an inner `<>` can expose an outer `<...>` (`<<>>` -> `<{}>` -> `{}`)."""
    for _ in range(8):
        new = _segment(seg)
        if new == seg:
            break
        seg = new
    return seg


def _segment(seg: str) -> str:
    for pattern in _PARAM_PATTERNS:
        if pattern.match(seg):
            return PARAM
    if "{" in seg or "<" in seg:  # e.g. `file.{ext}`, `{id}.json`
        return re.sub(r"\{[^{}]*\}|<[^<>]*>", PARAM, seg)
    return seg


def segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in normalise_path(path).split("/") if s)


def join_paths(*parts: str) -> str:
    """Join route prefixes and paths with single slashes."""
    joined = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return "/" + joined


def path_matches(code: tuple[str, ...], spec: tuple[str, ...]) -> bool:
    """Equal, or one ends with the other: the last-resort guess for a prefix that could not be resolved."""
    if code == spec:
        return True
    if not code or not spec:
        return False
    short, long_ = (code, spec) if len(code) < len(spec) else (spec, code)
    if all(s == PARAM for s in short):  # `/{}` alone says nothing about where it is mounted
        return False
    return long_[len(long_) - len(short):] == short
