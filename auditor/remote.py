"""The web address of a git remote, for links to the audited commit on its forge.

`web_remote("git@github.com:o/n.git")` is `WebRemote("https://github.com/o/n", "github")`. The value comes
from the target's own `.git/config` (or from CI), so it is hostile until proven otherwise: only the plain
forms a forge prints (`https://host/path`, `ssh://[user@]host[:port]/path`, `git://host/path` and the scp
form `[user@]host:path`) are understood; anything else (`ext::sh -c ...`, `file://`, a local path, a
`javascript:` URL, whitespace or control characters, an over-long value, `..` segments) gives None. User
names and passwords are always dropped, and so are the query, the fragment and an ssh port: what comes out
is only ever `https://host[:port]/seg/seg` (or `http://` when the remote itself said http).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_REMOTE_CHARS", "WebRemote", "forge_of_host", "web_remote"]

MAX_REMOTE_CHARS = 2048
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_.~+-]{1,255}$")
_SCP = re.compile(r"^(?:[A-Za-z0-9._-]{1,64}@)?(?P<host>[A-Za-z0-9.-]{1,253}):(?P<path>[^:]*)$")
_URL = re.compile(r"^(?P<scheme>https?|ssh|git|git\+ssh|ssh\+git)://(?:(?P<user>[^@/]*)@)?(?P<host>[A-Za-z0-9.-]{1,253})"
                  r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[^?#]*)?(?:[?#].*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WebRemote:
    url: str  # https://host/owner/name, no credentials
    forge: str | None  # github | gitlab | None when the host does not say


def forge_of_host(host: str) -> str | None:
    """`github` for github.com, `gitlab` for gitlab.com or a host with a `gitlab` label; else None."""
    host = host.lower().rstrip(".")
    if host in ("github.com", "www.github.com"):
        return "github"
    if host in ("gitlab.com", "www.gitlab.com") or any("gitlab" in label for label in host.split(".")):
        return "gitlab"
    return None


def web_remote(remote: str | None) -> WebRemote | None:
    """The web address of the git remote URL `remote`, or None when it is not one we can trust and link to."""
    if not remote or len(remote) > MAX_REMOTE_CHARS:
        return None
    remote = remote.strip()
    if not remote or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in remote) or "\\" in remote:
        return None
    scheme, port = "https", None
    m = _URL.match(remote)
    if m:
        given = m.group("scheme").lower()
        host, path = m.group("host"), m.group("path") or ""
        if given in ("http", "https"):
            scheme, port = given, m.group("port")
    elif "://" in remote or remote.startswith("-") or "::" in remote:
        return None  # another transport (file://, ext::, fd::, ...) or an option-like value
    else:
        s = _SCP.match(remote)
        if not s or "/" in s.group("host"):
            return None
        host, path = s.group("host"), s.group("path")
    if not _HOST.match(host) or ("." not in host and host.lower() != "localhost"):
        return None
    if port is not None and not 0 < int(port) < 65536:
        return None
    segments = [p for p in path.split("/") if p]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if len(segments) < 2 or not all(_SEGMENT.match(p) and p not in (".", "..") and not p.startswith("~") for p in segments):
        return None
    host = host.lower()
    if host in ("github.com", "gitlab.com"):
        scheme, port = "https", None
    default = "443" if scheme == "https" else "80"
    authority = host + (f":{int(port)}" if port and int(port) != int(default) else "")
    return WebRemote(f"{scheme}://{authority}/{'/'.join(segments)}", forge_of_host(host))
