"""The model cache: unchanged files are not analysed again, any change of what a model depends on misses, and no
entry the cache did not write itself (tampered, truncated, foreign, inside the target) is ever decoded."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import checks.suppressions  # noqa: F401 - the module the probes below claim (auditcache.built_in looks its file up)
from analysis.cache import ModelCache
from auditor import AuditOptions, Config, audit
from auditor.context import Context
from auditor.model import Check, Finding, NotApplicable, Severity
from auditor.registry import Registry
from auditor.repo import Repository
from tests.helpers import git

MakeRepo = Callable[..., Path]
SOURCE = "def f(x):\n    try:\n        return int(x)\n    except Exception:\n        pass\n"


def _audit(root: Path, cache_dir: Path, *, cache: bool = True) -> tuple[list[tuple[str, str | None, int | None]], int]:
    card = audit(root, Config(), AuditOptions(cache_dir=str(cache_dir), cache=cache))
    findings = sorted((f.check_id, f.path, f.line) for f in card.findings)
    return findings, card.analysis["cached"]


def test_a_warm_audit_reuses_every_model_and_finds_the_same(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"app/a.py": SOURCE, "app/b.py": SOURCE.replace("f(", "g("), "README.md": "hi\n"}, git=True)
    cache = tmp_path / "cache"
    cold, cached_cold = _audit(root, cache)
    warm, cached_warm = _audit(root, cache)
    assert cached_cold == 0 and cached_warm == 3 and warm == cold
    assert ("errors/swallowed-exception", "app/a.py", 4) in cold
    (root / "app" / "b.py").write_text(SOURCE.replace("pass", "raise"))
    changed, cached = _audit(root, cache)
    assert cached == 2  # only the changed file was analysed again
    assert ("errors/swallowed-exception", "app/b.py", 4) not in changed
    _, disabled = _audit(root, cache, cache=False)
    assert disabled == 0


def test_a_warm_audit_applies_the_suppressions_without_reading_the_files_issue_14(
        make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suppression comments are kept with the audit's outcomes: the same listing has the same comments."""
    from auditor import triage

    comment = "  # auditor: ignore[errors/*] a probe: any failure means no"
    suppressed = SOURCE.replace("    except Exception:\n", f"    except Exception:{comment}\n")
    root = make_repo({"app/a.py": suppressed, "app/b.py": SOURCE.replace("f(", "g(")}, git=True)
    cache = tmp_path / "cache"
    cold = audit(root, Config(), AuditOptions(cache_dir=str(cache)))

    def no_scan(*args: object) -> tuple[()]:
        raise AssertionError("the files were read for their suppressions again")

    monkeypatch.setattr(triage, "scan", no_scan)
    warm = audit(root, Config(), AuditOptions(cache_dir=str(cache)))
    assert cold.triage.suppressed >= 1 and warm.triage == cold.triage
    assert sorted(f.fingerprint for f in warm.findings) == sorted(f.fingerprint for f in cold.findings)
    assert all(f.path != "app/a.py" or not f.check_id.startswith("errors/") for f in warm.findings)


def test_changed_analysis_code_misses(make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": SOURCE})
    cache = tmp_path / "cache"
    _audit(root, cache)
    monkeypatch.setattr("analysis.cache.CODE_DIGEST", "a-changed-adapter")
    _, cached = _audit(root, cache)
    assert cached == 0


def test_tampered_and_foreign_entries_are_never_decoded(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": SOURCE})
    cache_dir = tmp_path / "cache"
    cold, _ = _audit(root, cache_dir)
    models = [p for p in (cache_dir / "models").rglob("*") if p.is_file()]
    audits = [p for p in (cache_dir / "audits").rglob("*") if p.is_file()]
    assert len(models) == 1 and len(audits) == 1  # the file's model, and the whole audit's outcomes
    for entry in (*models, *audits):
        blob = entry.read_bytes()
        entry.write_bytes(blob[:32] + b"\x00" + blob[33:])  # one byte of the body changed: the MAC no longer holds
    again, cached = _audit(root, cache_dir)
    assert cached == 0 and again == cold
    models = [p for p in (cache_dir / "models").rglob("*") if p.is_file()]  # the model made again is in a new pack
    assert len(models) == 2
    for entry in (*models, *audits):
        entry.write_bytes(b"\x00" * 10)  # truncated
    assert _audit(root, cache_dir)[1] == 0
    (cache_dir / "key").chmod(0o644)  # a key others can read is not ours to trust
    assert ModelCache.open(cache_dir) is None
    assert _audit(root, cache_dir)[0] == cold


def test_a_tampered_pack_of_a_git_tree_is_analysed_afresh(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Files git vouches for are looked up by blob id in the parent; an entry whose MAC fails there is a miss too."""
    root = make_repo({"app/a.py": SOURCE, "app/b.py": SOURCE.replace("f(", "g(")}, git=True)
    cache_dir = tmp_path / "cache"
    cold, _ = _audit(root, cache_dir)
    (pack,) = (cache_dir / "models" / "packs").glob("*.pack")
    blob = bytearray(pack.read_bytes())
    blob[40] ^= 1  # inside the first entry's body
    pack.write_bytes(bytes(blob))
    (root / "README.md").write_text("a new file: the audit is not the cached one\n")
    again, cached = _audit(root, cache_dir)
    assert cached == 1 and again == cold  # one model verified and kept, the tampered one made again


def test_models_are_kept_in_packs_that_are_merged_and_verified_issue_14(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One file per audit that made models (a file per model cost a file creation per file of the repository); past
    MAX_PACKS packs they are merged into one, newest entry of each key first; an index that points anywhere else
    than its own entry, or a pack that is not one, gives a miss, never a wrong body."""
    import analysis.cache as cache_module

    monkeypatch.setattr(cache_module, "MAX_PACKS", 3)
    cache = ModelCache.open(tmp_path / "c")
    assert cache is not None
    keys = [f"{i:040x}" for i in range(6)]
    assert cache.put_many([(keys[0], b"zero"), (keys[1], b"one")]) == 2
    packs = cache.root / "models" / "packs"
    assert len(list(packs.glob("*.pack"))) == 1
    for i in range(2, 5):
        cache.put_many([(keys[i], b"v%d" % i), (keys[1], b"one, again")])
    assert len(list(packs.glob("*.pack"))) == 1  # the fourth pack made them merge
    reopened = ModelCache.open(tmp_path / "c")
    assert reopened is not None
    assert [reopened.get(k) for k in keys] == [b"zero", b"one, again", b"v2", b"v3", b"v4", None]
    # an index record moved onto another entry: that entry's MAC is over its own key, so both miss, neither lies
    (pack,) = packs.glob("*.pack")
    name, offset, length = reopened._index[keys[2]]
    reopened._index[keys[3]] = (name, offset, length)
    assert reopened.get(keys[3]) is None and reopened.get(keys[2]) == b"v2"
    # what a changed tree's audit reads in the parent, pack by pack: the same answers, the same misses
    assert dict(reopened.get_many(keys)) == {keys[0]: b"zero", keys[1]: b"one, again", keys[2]: b"v2", keys[4]: b"v4"}
    (packs / "junk.pack").write_bytes(b"not a pack at all" * 4)
    (packs / "short.pack").write_bytes(pack.read_bytes()[:-3])
    again = ModelCache.open(tmp_path / "c")
    assert again is not None and again.get(keys[0]) == b"zero" and again.hits == 1


def test_a_failed_merge_keeps_every_pack_and_no_write_leaves_a_temp_file_issue_14(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write error while merging (a full disk) abandons the merge and keeps every pack; an interrupted writer leaves
    no temp file; a fifo among the packs is never opened blocking. Found by a reviewer."""
    import errno

    import analysis.cache as cache_module

    cache = ModelCache.open(tmp_path / "c")
    assert cache is not None
    packs = cache.root / "models" / "packs"
    batches = [[(os.urandom(20).hex(), os.urandom(100)) for _ in range(10)] for _ in range(3)]
    for batch in batches:
        cache.put_many(batch)
    os.mkfifo(packs / "stray.pack")  # never a pack of ours: were it opened without O_NONBLOCK, the merge would hang
    real_fdopen = os.fdopen
    opened: list[int] = []

    class FullDisk:
        def __init__(self, fh: object) -> None:
            self.fh, self.writes = fh, 0

        def write(self, data: bytes) -> int:
            self.writes += 1
            if self.writes == 5:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(data)  # type: ignore[attr-defined, no-any-return]

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> object:
            return self.fh.__exit__(*exc)  # type: ignore[attr-defined]

    def fdopen(fd: int, *args: object, **kwargs: object) -> object:
        opened.append(fd)  # the first is put_many's own pack, the second the merge's
        fh = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]
        return FullDisk(fh) if len(opened) == 2 else fh

    monkeypatch.setattr(cache_module, "MAX_PACKS", 3)
    monkeypatch.setattr(cache_module.os, "fdopen", fdopen)
    cache.put_many([(os.urandom(20).hex(), b"new")])  # 4 packs > 3: a merge, whose fifth write fails
    monkeypatch.setattr(cache_module.os, "fdopen", real_fdopen)
    again = ModelCache.open(tmp_path / "c")
    assert again is not None
    assert all(again.get(key) == body for batch in batches for key, body in batch)
    assert sorted(p.name.startswith(".tmp.") for p in packs.iterdir()).count(True) == 0

    def interrupted() -> Iterator[tuple[str, bytes]]:
        yield os.urandom(20).hex(), b"x" * 1000
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        again.put_many(interrupted())
    assert not [p for p in packs.iterdir() if p.name.startswith(".tmp.")]
    again.put_many([(os.urandom(20).hex(), b"merge now")])  # merges past the fifo, which stays as it was
    assert (packs / "stray.pack").exists() and len(list(packs.glob("*.pack"))) == 2
    assert all(ModelCache.open(tmp_path / "c").get(key) == body for batch in batches for key, body in batch)  # type: ignore[union-attr]


def test_a_cache_inside_the_target_or_shared_with_others_is_refused(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": SOURCE})
    assert ModelCache.open(root / ".cache", target=root) is None
    assert ModelCache.open(root, target=root) is None
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    assert ModelCache.open(shared) is None
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real").mkdir()
    assert ModelCache.open(link) is None
    mine = ModelCache.open(tmp_path / "mine")
    assert mine is not None and oct((tmp_path / "mine").stat().st_mode & 0o777) == "0o700"


# -- the whole audit's outcomes (auditor.auditcache) ----------------------------------------------------------------
class _Counting(Check):
    """Notes each run in a file outside the target, and reports the first line of every Python file (and of
    `notes.txt`, a file it reads although the audit does not list it), so a stale outcome shows."""

    id = "cachetest/counting"
    title = "Counts its runs"
    category = "maintainability"
    severity = Severity.LOW
    rationale = "test"
    remediation = ("none",)
    runs_file = ""

    def run(self, ctx: Context) -> list[Finding]:
        with open(type(self).runs_file, "a") as fh:
            fh.write("run\n")
        found = [self.finding(ctx, (ctx.read_text(i.path) or "").split("\n")[0], i.path, 1)
                 for i in ctx.files_where(languages=("python",))]
        if ctx.repo.exists("notes.txt"):
            found.append(self.finding(ctx, (ctx.repo.read_bytes("notes.txt") or b"").decode()))
        return found


def _counting_audit(root: Path, cache_dir: Path, runs: Path, config: Config | None = None,
                    check: type[Check] = _Counting) -> tuple[int, list[str]]:
    check.runs_file = str(runs)
    reg = Registry()
    reg.add_check(check, "test")
    assert not reg.errors, reg.errors
    before = runs.read_text().count("run") if runs.exists() else 0
    card = audit(root, config or Config(), AuditOptions(cache_dir=str(cache_dir)), registry=reg)
    return runs.read_text().count("run") - before, sorted(f.message for f in card.findings)


def test_an_unchanged_audit_runs_no_check_and_every_key_invalidates(make_repo: MakeRepo, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": "# one\n", "b.py": "# two\n"}, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    assert _counting_audit(root, cache, runs) == (1, ["# one", "# two"])
    assert _counting_audit(root, cache, runs) == (0, ["# one", "# two"])  # warm: taken from the cache
    (root / "a.py").write_text("# changed\n")  # a file (dirty in the work tree: hashed, not taken from the index)
    assert _counting_audit(root, cache, runs) == (1, ["# changed", "# two"])
    assert _counting_audit(root, cache, runs)[0] == 0
    (root / "notes.txt").write_text("a new file\n")  # untracked, not ignored: a listed file more
    assert _counting_audit(root, cache, runs)[0] == 1
    assert _counting_audit(root, cache, runs)[0] == 0
    config = Config(check_timeout=77.0)  # the configuration
    assert _counting_audit(root, cache, runs, config)[0] == 1
    assert _counting_audit(root, cache, runs, config)[0] == 0
    monkeypatch.setattr("auditor.__version__", "99.0")  # the auditor's version
    assert _counting_audit(root, cache, runs, config)[0] == 1
    assert _counting_audit(root, cache, runs, config)[0] == 0
    monkeypatch.setattr(_Counting, "version", "2")  # the check's version
    assert _counting_audit(root, cache, runs, config)[0] == 1
    assert _counting_audit(root, cache, runs, config)[0] == 0
    monkeypatch.setattr("analysis.cache.CODE_DIGEST", "another-adapter")  # the analysis layer
    assert _counting_audit(root, cache, runs, config)[0] == 1


def test_an_unlisted_file_the_checks_read_invalidates_when_it_changes(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "# one\n", ".gitignore": "notes.txt\n", "notes.txt": "first\n"}, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    assert _counting_audit(root, cache, runs) == (1, ["# one", "first\n"])  # read, though git ignores it
    assert _counting_audit(root, cache, runs)[0] == 0
    (root / "notes.txt").write_text("second\n")
    assert _counting_audit(root, cache, runs) == (1, ["# one", "second\n"])
    (root / "notes.txt").unlink()
    assert _counting_audit(root, cache, runs) == (1, ["# one"])


class _NotApplicableWithoutNotes(_Counting):
    id = "test/needs-notes"

    def run(self, ctx: Context) -> list[Finding]:
        with open(type(self).runs_file, "a") as fh:
            fh.write("run\n")
        if not ctx.repo.exists("out/notes.txt"):
            raise NotApplicable("no notes")
        return [self.finding(ctx, "notes")]


def test_what_a_not_applicable_check_read_invalidates_too(make_repo: MakeRepo, tmp_path: Path) -> None:
    """A check that looked for an unlisted file and found none is not applicable; the file appearing later must run
    it again. (Its reads were taken only by the next unit of its worker: the last unit's were lost.)"""
    # an ignored folder is counted once, whatever it holds: the listing and its counts stay the same
    root = make_repo({"a.py": "# one\n", ".gitignore": "out/\n", "out/build.log": "x\n"}, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    assert _counting_audit(root, cache, runs, check=_NotApplicableWithoutNotes) == (1, [])
    assert _counting_audit(root, cache, runs, check=_NotApplicableWithoutNotes) == (0, [])
    (root / "out" / "notes.txt").write_text("now there are notes\n")
    assert _counting_audit(root, cache, runs, check=_NotApplicableWithoutNotes) == (1, ["notes"])


def test_a_committed_change_is_seen_through_git_blob_ids(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "# one\n", "b.py": "# two\n"}, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    _counting_audit(root, cache, runs)
    repo = Repository.scan(root)
    assert set(repo.blobs) >= {"a.py", "b.py"}  # clean tracked files: identified by git's blob id, unread
    (root / "b.py").write_text("# three\n")
    assert "b.py" not in Repository.scan(root).blobs  # modified in the work tree: hashed instead
    git(root, "commit", "-qam", "edit")
    assert Repository.scan(root).blobs["b.py"] != repo.blobs["b.py"]
    assert _counting_audit(root, cache, runs) == (1, ["# one", "# three"])


def test_a_file_git_is_told_not_to_look_at_has_no_blob_id_and_poisons_no_shared_cache(make_repo: MakeRepo,
                                                                                      tmp_path: Path) -> None:
    """`git update-index --assume-unchanged` (or --skip-worktree) makes `git status` call a changed file clean: its
    index id is not its bytes' id, so it is hashed like a modified file. Otherwise a repository audited first could
    store a model of other bytes (without the suppression, without the secret) under a blob another repository
    sharing the cache has, and that audit would take it. Found by a reviewer (issue 14)."""
    source = ("def f(x):\n    try:\n        return int(x)\n    except Exception:  # auditor: ignore[errors/*] a probe\n"
              "        pass\n")
    victim = make_repo({"app.py": source, "b.py": "# b\n"}, git=True)
    attacker = make_repo({"app.py": source, "b.py": "# b\n"}, git=True)
    (attacker / "app.py").write_text(source.replace("  # auditor: ignore[errors/*] a probe", ""))
    git(attacker, "update-index", "--assume-unchanged", "app.py")
    git(attacker, "update-index", "--skip-worktree", "b.py")
    assert "app.py" not in Repository.scan(attacker).blobs and "b.py" not in Repository.scan(attacker).blobs
    assert {"app.py", "b.py"} <= set(Repository.scan(victim).blobs)
    cache = tmp_path / "shared-cache"

    def suppressed(root: Path) -> int:
        return audit(root, Config(only=("errors/*",)), AuditOptions(cache_dir=str(cache))).triage.suppressed

    assert suppressed(attacker) == 0
    assert suppressed(victim) == 1  # the attacker's model of other bytes was not stored under the victim's blob


def test_a_warm_audit_keeps_the_roles_the_files_content_gave_them(make_repo: MakeRepo, tmp_path: Path) -> None:
    """A `migrations` folder of application code is source (auditor.roles): also when the audit comes from the cache."""
    root = make_repo({"app/services/migrations/__init__.py": "",
                      "app/services/migrations/importer.py": SOURCE + "def load(path):\n    return open(path).read()\n",
                      "app/main.py": "import app.services.migrations.importer\n"}, git=True)
    cache = tmp_path / "cache"

    def roles() -> dict[str, str]:
        card = audit(root, Config(), AuditOptions(cache_dir=str(cache)))
        return {f.path: f.role for f in card.repo.files}

    cold, warm = roles(), roles()
    assert cold["app/services/migrations/importer.py"] == "source"
    assert warm == cold


def test_the_built_in_checks_are_cacheable_unless_a_live_api_or_the_suite_is_run() -> None:
    """The api/ checks only read the live phase's facts: they make an audit uncacheable only when the phase runs."""
    from auditor.auditcache import cacheable
    from auditor.live import LiveRequest
    from auditor.registry import load_registry

    checks = load_registry().checks
    assert any(c.id.startswith("api/") for c in checks)
    assert cacheable(checks, AuditOptions())
    assert not cacheable(checks, AuditOptions(live=LiveRequest("url", "http://127.0.0.1:9/")))
    assert not cacheable(checks, AuditOptions(run_tests=True))
    assert not cacheable(checks, AuditOptions(cache=False))


def test_the_html_reports_template_is_compiled_once_per_cache(make_repo: MakeRepo, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled template is kept in the cache (MAC-checked like every entry): a later run loads it instead of
    compiling, renders the same page, and a tampered entry is compiled afresh."""
    import subprocess
    import sys

    import jinja2

    from auditor.auditcache import template_cache
    from reports import scorecard_to_dict
    from reports.html import HtmlReporter

    root = make_repo({"app/a.py": SOURCE}, git=True)
    data = scorecard_to_dict(audit(root, Config(), AuditOptions(cache=False)))
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self: jinja2.Environment, *args: object, **kwargs: object) -> object:
        compiled.append("x")
        return compile_(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)

    def render() -> str:
        cache = ModelCache.open(tmp_path / "c", packs=False)
        assert cache is not None
        return HtmlReporter(templates=template_cache(cache)).render_data(data)

    first = render()
    assert len(compiled) == 1
    assert render() == first and len(compiled) == 1  # loaded, not compiled
    assert HtmlReporter().render_data(data) == first and len(compiled) == 2  # without a cache: compiled
    (entry,) = [p for p in (tmp_path / "c" / "audits").rglob("*") if p.is_file()]
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0xFF
    entry.write_bytes(bytes(blob))
    assert render() == first and len(compiled) == 3  # the MAC no longer holds: compiled afresh
    # the CLI keeps it in the audit's cache; --no-cache leaves none
    cli_cache = tmp_path / "cli-cache"
    for extra in (["--no-cache"], []):
        done = subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "-q", "--format", "html", "-o",
                               str(tmp_path / "out"), "--cache-dir", str(cli_cache), *extra],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        entries = [p for p in (cli_cache / "audits").rglob("*") if p.is_file()] if cli_cache.exists() else []
        assert len(entries) == (0 if extra else 2)  # the audit's outcomes and the template


# -- a monorepo: the projects a change did not touch keep their outcomes --------------------------------------------
MONOREPO = {
    "services/a/pyproject.toml": '[project]\nname = "a"\ndependencies = ["fastapi"]\n',
    "services/a/app.py": SOURCE,
    "services/b/pyproject.toml": '[project]\nname = "b"\ndependencies = ["fastapi"]\n',
    "services/b/app.py": SOURCE.replace("f(", "g("),
    "notes.txt": "owned by no project\n",
}


class _Probe(_Counting):
    """Notes its runs, per project, and reads what `reads` names: a file of another project, or of none."""

    id = "test/probe"
    reads = ""

    def run(self, ctx: Context) -> list[Finding]:
        with open(type(self).runs_file, "a") as fh:
            fh.write(f"run {ctx.project.path}\n")
        found = [self.finding(ctx, (ctx.read_text(i.path) or "").split("\n")[0], i.path, 1)
                 for i in ctx.files_where(languages=("python",))]
        if type(self).reads:
            found.append(self.finding(ctx, f"{ctx.project.path} read {(ctx.read_text(type(self).reads) or '')[:9]}"))
        return found


def _probe_audit(root: Path, cache_dir: Path, runs: Path, reads: str = "", module: str = "checks.suppressions"
                 ) -> tuple[list[str], list[str], int]:
    """(the projects the probe ran in, the findings, the outcomes reused) of a cached audit with the probe only."""
    reg = _registry_of(_probe(runs, reads, module))
    before = runs.read_text().splitlines() if runs.exists() else []
    card = audit(root, Config(), AuditOptions(cache_dir=str(cache_dir)), registry=reg)
    ran = runs.read_text().splitlines()[len(before):]
    return sorted(line.removeprefix("run ") for line in ran), sorted(f.message for f in card.findings), \
        card.analysis["checks_reused"]


def test_a_monorepo_change_reruns_only_the_projects_it_touches(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(MONOREPO, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    ran, _, _ = _probe_audit(root, cache, runs)
    assert ran == ["services/a", "services/b"]
    (root / "services" / "b" / "app.py").write_text("# b changed\n")
    ran, findings, reused = _probe_audit(root, cache, runs)
    assert ran == ["services/b"] and reused == 1  # a's outcome was taken from the cache
    fresh = audit(root, Config(), AuditOptions(cache=False), registry=_registry_of(_probe(tmp_path / "fresh-runs")))
    assert findings == sorted(f.message for f in fresh.findings) and "# b changed" in findings
    (root / "notes.txt").write_text("changed, and no project owns it\n")  # in every project's key
    assert _probe_audit(root, cache, runs)[0] == ["services/a", "services/b"]
    (root / "services" / "a" / "new.py").write_text("# new\n")  # a file added: the listing is in every key
    assert _probe_audit(root, cache, runs)[0] == ["services/a", "services/b"]


def test_an_outcome_that_read_another_projects_file_is_not_reused(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(MONOREPO, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    other = "services/b/app.py"
    assert _probe_audit(root, cache, runs, reads=other)[0] == ["services/a", "services/b"]
    (root / "services" / "b" / "app.py").write_text("# b changed\n")
    ran, findings, _ = _probe_audit(root, cache, runs, reads=other)
    assert ran == ["services/a", "services/b"]  # a read b's file: its outcome was never kept for a alone
    assert "services/a read # b chang" in findings
    assert _probe_audit(root, cache, runs, reads=other)[0] == []  # unchanged: the whole audit's entry


@pytest.mark.parametrize("module", ["someone_elses.plugin", "checks.theirs"])
def test_a_plugin_check_keeps_no_outcome_per_project(make_repo: MakeRepo, tmp_path: Path, module: str) -> None:
    """A plugin might read other projects' files some other way than through the Repository and Sources; one whose
    module calls itself checks.x is still not one of the auditor's own (its file is not in the checks package)."""
    root = make_repo(MONOREPO, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    _probe_audit(root, cache, runs, module=module)
    (root / "services" / "b" / "app.py").write_text("# b changed\n")
    ran, _, reused = _probe_audit(root, cache, runs, module=module)
    assert ran == ["services/a", "services/b"] and reused == 0


def _probe(runs: Path, reads: str = "", module: str = "checks.suppressions") -> type[Check]:
    return type("Probe", (_Probe,), {"__module__": module, "reads": reads, "runs_file": str(runs)})


def _registry_of(check: type[Check]) -> Registry:
    reg = Registry()
    reg.add_check(check, "test")
    return reg


def _shared_fact(ctx: Context) -> str:
    """A fact two checks share: another project's file, and an unlisted file of its own."""
    other = (ctx.read_text("services/b/app.py") or "")[:9]
    own = (ctx.read_text(ctx.path("coverage.xml")) or "")[:9]
    return f"{other}|{own}"


class _FactUser(_Counting):
    id = "test/fact-a"

    def run(self, ctx: Context) -> list[Finding]:
        with open(type(self).runs_file, "a") as fh:
            fh.write(f"run {type(self).id} {ctx.project.path}\n")
        return [self.finding(ctx, f"{type(self).id} {ctx.project.path} {ctx.fact(_shared_fact)}")]


def test_what_a_shared_fact_read_counts_for_every_check_that_uses_it(make_repo: MakeRepo, tmp_path: Path) -> None:
    """A fact is computed once per project and process, by the first check that asks; the others take the value. What
    computing it read (another project's file, an unlisted file) must count for them too, or their outcomes were
    kept for their project alone and reused after that file changed. Found by a reviewer."""
    root = make_repo({**MONOREPO, ".gitignore": "coverage.xml\n", "services/a/coverage.xml": "<first/>\n"}, git=True)
    cache, runs = tmp_path / "cache", tmp_path / "runs"
    checks = [type(f"Fact{n}", (_FactUser,), {"__module__": "checks.suppressions", "id": f"test/fact-{n}",
                                               "runs_file": str(runs)}) for n in "ab"]
    reg = Registry()
    for check in checks:
        reg.add_check(check, "test")

    def audited() -> tuple[list[str], list[str]]:
        before = runs.read_text().splitlines() if runs.exists() else []
        card = audit(root, Config(), AuditOptions(cache_dir=str(cache)), registry=reg)
        ran = sorted(line.removeprefix("run ") for line in runs.read_text().splitlines()[len(before):])
        return ran, sorted(f.message for f in card.findings if f.message.startswith("test/fact-a services/a"))

    assert audited()[0] == ["test/fact-a services/a", "test/fact-a services/b",
                            "test/fact-b services/a", "test/fact-b services/b"]
    (root / "services" / "b" / "app.py").write_text("# b changed\n")
    ran, found = audited()
    assert [r for r in ran if r.endswith("services/a")] == ["test/fact-a services/a", "test/fact-b services/a"]
    assert found == ["test/fact-a services/a # b chang|<first/>\n"]
    (root / "services" / "a" / "coverage.xml").write_text("<second/>\n")  # unlisted: git ignores it
    ran, found = audited()
    assert [r for r in ran if r.endswith("services/a")] == ["test/fact-a services/a", "test/fact-b services/a"]
    assert found == ["test/fact-a services/a # b chang|<second/>"]


def test_the_single_file_entries_are_kept_under_a_bound_oldest_first(tmp_path: Path) -> None:
    """An entry per audit and per changed project would grow without end: past the bound the oldest go, down to three
    quarters of it, at most once per interval; what is kept still verifies; an interrupted write's temp file goes."""
    cache = ModelCache.open(tmp_path / "c")
    assert cache is not None
    keys = [f"audit-{i:040x}" for i in range(10)]
    for i, key in enumerate(keys):  # keys[0] the newest
        cache.put(key, b"x" * 1000)
        os.utime(cache._file(key), (1_000_010 - i, 1_000_010 - i))
    stale = cache._file(keys[0]).parent / ".tmp.interrupted"
    stale.write_bytes(b"half")
    os.utime(stale, (1_000_000, 1_000_000))
    assert cache.trim_entries(max_bytes=6 * 1032) == 6  # 10 entries of 1,032 bytes: down to 4 (under 4,644)
    assert [cache.get(k) is not None for k in keys] == [True] * 4 + [False] * 6  # the newest four kept
    assert not stale.exists()
    cache.put(keys[9], b"y" * 1000)
    assert cache.trim_entries(max_bytes=1) == 0  # trimmed a moment ago: not again within the interval
    assert cache.trim_entries(max_bytes=10**9, every=0) == 0  # under the bound: nothing goes


class _SharedReader(_Counting):
    """Reads a file no project owns while its project's reads.txt says so."""

    id = "test/shared-reader"

    def run(self, ctx: Context) -> list[Finding]:
        if "yes" in (ctx.read_text(ctx.path("reads.txt")) or ""):
            ctx.sources.text("shared/settings.json")
        return [self.finding(ctx, f"{ctx.project.path} ran")]


def test_a_reused_outcome_keeps_the_parse_problems_of_the_files_it_read(make_repo: MakeRepo, tmp_path: Path) -> None:
    """A worker records a file's problem once, with the first unit that meets it; a later unit of another project that
    reads the same file must carry it too, or the problem vanished once the first reader stopped reading the file and
    the other's outcome was reused. Found by a reviewer."""
    root = make_repo({**MONOREPO, "services/a/reads.txt": "yes\n", "services/b/reads.txt": "yes\n",
                      "shared/settings.json": b'{"name": "caf\xe9"}\n'}, git=True)
    reader = type("Reader", (_SharedReader,), {"__module__": "checks.suppressions"})
    cache = tmp_path / "cache"

    def problems() -> tuple[list[str], int]:
        card = audit(root, Config(), AuditOptions(cache_dir=str(cache)), registry=_registry_of(reader))
        return [f"{p.path} {p.kind}" for p in card.problems], card.analysis["checks_reused"]

    assert problems() == (["shared/settings.json decode"], 0)
    (root / "services" / "a" / "reads.txt").write_text("no\n")  # a no longer reads it; b's outcome is reused
    assert problems() == (["shared/settings.json decode"], 1)


def test_trimming_never_hangs_on_a_fifo_never_follows_a_link_and_ignores_a_stamp_from_the_future(tmp_path: Path) -> None:
    """Found by a reviewer: a fifo as the stamp hung the audit; an `audits` link had the files it led to removed; a
    stamp dated ahead (a clock jump, a restored cache) turned trimming off until that day."""
    import shutil
    import threading
    import time

    cache = ModelCache.open(tmp_path / "c")
    assert cache is not None
    for i in range(4):
        cache.put(f"audit-{i:040x}", b"x" * 1000)
    stamp = cache.root / ".entries-trimmed"
    ahead = time.time() + 365 * 86400
    stamp.write_bytes(b"")
    os.utime(stamp, (ahead, ahead))
    assert cache.trim_entries(max_bytes=2000) == 3  # the stamp from the future did not hold it back
    stamp.unlink()
    os.mkfifo(stamp)
    os.utime(stamp, (1_000_000, 1_000_000))
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(cache.trim_entries(max_bytes=10**9)), daemon=True)
    worker.start()
    worker.join(10)
    assert done == [0]  # returned (a blocking open of the fifo would still be waiting)
    stamp.unlink()
    victim = tmp_path / "victim" / "docs"
    victim.mkdir(parents=True)
    for i in range(5):
        (victim / f"f{i}.txt").write_bytes(b"y" * 1000)
    audits = cache.root / "audits"
    shutil.rmtree(audits)
    os.symlink(tmp_path / "victim", audits)
    assert cache.trim_entries(max_bytes=2000) == 0
    assert len(list(victim.iterdir())) == 5
