"""Benchmark: a full audit of a large tree against merely parsing the same files; warm, incremental, start-up.

    python bench/bench_audit.py                  # generate a Python tree and a TypeScript/Go/Java/Rust tree
    python bench/bench_audit.py PATH [PATH ...]  # any checkout, e.g. an unpacked Django sdist

For each tree (copied into a fresh git repository, so the audit reads git's index as on a real checkout) it
prints the file counts and:
- floor: read + parse every code file once in one process with the garbage collector off, as the auditor
  parses (ast.parse for Python, tree-sitter for the rest);
- cold: a full audit with an empty cache (scan, analysis, every check, scoring; reports not written);
- warm: the same audit again, unchanged tree, same cache;
- changed: the audit after 10 code files were edited;
- pr: `auditor pr --base` of that 10-file change (the merge base audited, then kept in the cache), and `pr next`
  after 10 more files changed on the branch (the next push: the merge base's report from the cache), with git's
  own `git diff --stat` of the change for comparison;
- 1 project: in a tree of several projects, the audit after 10 files of the smallest one were edited (the other
  projects' outcomes are reused);
each as CPU seconds of the audit process and every process it forked (wait4's rusage), wall seconds, and the
peak PSS of the whole process tree (sum of /proc/<pid>/smaps_rollup over the tree, sampled every 20 ms).
Then the start-up: `auditor --version`, `auditor --help` and an audit of a one-file repository. `--repeat N` runs
N cold audits (each with an empty cache) and N floors and shows the medians: on a shared machine compare CPU
seconds, not wall seconds, of paired runs. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.repo import Repository
from auditor.sources import TREE_SITTER_LANGUAGES, _grammar_for, decode_python, ts_language

PY_TEMPLATE = '''"""Service module {i}."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/items{i}")


class Repo{i}:
    def __init__(self, db: Any) -> None:
        self.db = db

    def get(self, item_id: int) -> dict[str, Any]:
        try:
            row = self.db.fetch(item_id)
        except KeyError as exc:
            raise LookupError(item_id) from exc
        return {{"id": item_id, "row": row}}

    def list(self, limit=10):
        out = []
        for n in range(limit):
            try:
                out.append(self.get(n))
            except Exception:
                pass
        return out


@router.get("/{{item_id}}")
async def read_item(item_id: int) -> dict[str, Any]:
    try:
        return Repo{i}(None).get(item_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail="not found") from exc


def helper_{i}(a, b: int) -> int:
    if a > b:
        return a - b
    elif a < b:
        return b - a
    return 0
'''

TS_TEMPLATE = '''import {{ Router, Request, Response }} from "express";

export const router{i} = Router();

interface Item{i} {{ id: number; name: string; tags: string[] }}

export async function load{i}(id: number): Promise<Item{i}> {{
  const res = await fetch(`/items/${{id}}`);
  return (await res.json()) as any;
}}

router{i}.get("/api/v1/items{i}/:id", async (req: Request, res: Response) => {{
  try {{
    const item = await load{i}(Number(req.params.id));
    res.json(item);
  }} catch (err) {{
  }}
}});
'''

GO_TEMPLATE = '''package svc{i}

import (
\t"encoding/json"
\t"net/http"
)

type Item{i} struct {{
\tID   int    `json:"id"`
\tName string `json:"name"`
}}

func Handle{i}(w http.ResponseWriter, r *http.Request) {{
\tvar item Item{i}
\t_ = json.NewDecoder(r.Body).Decode(&item)
\tif err := json.NewEncoder(w).Encode(item); err != nil {{
\t\thttp.Error(w, err.Error(), http.StatusInternalServerError)
\t}}
}}
'''

JAVA_TEMPLATE = '''package com.example.svc{i};

import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/v1/items{i}")
public class ItemController{i} {{
    @GetMapping("/{{id}}")
    public String get(@PathVariable long id) {{
        try {{
            return Long.toString(id);
        }} catch (Exception e) {{
        }}
        return "";
    }}
}}
'''

RUST_TEMPLATE = '''use std::collections::HashMap;

pub struct Store{i} {{
    items: HashMap<u64, String>,
}}

impl Store{i} {{
    pub fn get(&self, id: u64) -> String {{
        self.items.get(&id).cloned().unwrap()
    }}
}}
'''


def generate(root: Path, python: int, other: int) -> Path:
    for i in range(python):
        pkg = root / "app" / f"pkg{i // 50}"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / f"mod{i}.py").write_text(PY_TEMPLATE.format(i=i))
    per = other // 4
    for i in range(per):
        for sub, ext, template in (("web/src", "ts", TS_TEMPLATE), ("go/svc", "go", GO_TEMPLATE),
                                   ("java/src/main/java", "java", JAVA_TEMPLATE), ("rust/src", "rs", RUST_TEMPLATE)):
            d = root / sub / f"m{i // 50}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"f{i}.{ext}").write_text(template.format(i=i))
    return root


def parse_floor(path: Path) -> tuple[dict[str, int], float, float]:
    """CPU seconds to read + ast.parse the Python files, and to read + tree-sitter-parse the others, gc off."""
    import tree_sitter

    repo = Repository.scan(path)
    counts: dict[str, int] = {}
    t_py = t_ts = 0.0
    parsers: dict[str, tree_sitter.Parser] = {}
    gc.disable()
    try:
        for info in repo.files:
            if info.language == "python":
                t0 = time.process_time()
                data = (path / info.path).read_bytes()
                with contextlib.suppress(SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
                    ast.parse(decode_python(data))
                t_py += time.process_time() - t0
            elif info.language in TREE_SITTER_LANGUAGES:
                grammar = _grammar_for(info)
                parser = parsers.setdefault(grammar, tree_sitter.Parser(ts_language(grammar)))
                t0 = time.process_time()
                parser.parse((path / info.path).read_bytes())
                t_ts += time.process_time() - t0
            else:
                continue
            counts[info.language] = counts.get(info.language, 0) + 1
    finally:
        gc.enable()
    return counts, t_py, t_ts


def _tree_pids(root: int) -> list[int]:
    """`root` and every live descendant, from /proc/<pid>/task/*/children."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass(frozen=True)
class Run:
    cpu: float  # seconds, the audit process and all it forked
    wall: float
    pss_mib: float  # peak PSS of the process tree
    report: dict[str, Any]


def run_measured(argv: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run `argv`, sampling the PSS of its process tree; CPU from wait4 (includes its waited-for children)."""
    w0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    while True:
        with contextlib.suppress(ChildProcessError):
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
        peak = max(peak, sum(_pss_kib(p) for p in _tree_pids(proc.pid)))
        if time.perf_counter() - w0 > timeout:
            proc.kill()
            raise SystemExit(f"{argv} did not finish within {timeout}s")
        time.sleep(0.02)
    wall = time.perf_counter() - w0
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    report: dict[str, Any] = {}
    with contextlib.suppress(ValueError):
        report = json.loads(out.decode() or "{}")
    return Run(usage.ru_utime + usage.ru_stime, wall, peak / 1024, report)


def _audit_once(path: str, cache_dir: str) -> int:
    """In the measured subprocess: one audit, a summary as JSON on stdout."""
    from auditor import Config, audit
    from auditor.context import AuditOptions

    card = audit(Path(path), Config(check_timeout=600), AuditOptions(cache_dir=cache_dir))
    slow = sorted(card.results, key=lambda r: -r.duration)[:5]
    print(json.dumps({
        "checks": len(card.results), "findings": len(card.findings), "score": card.score,
        "timings": card.timings, "analysis": card.analysis,
        "slowest": [[r.id, round(r.duration, 2)] for r in slow],
        "errors": [[r.id, r.reason] for r in card.results if r.status.value == "error"],
        "fingerprints": sorted(f.fingerprint for f in card.findings),
        "code_files": {c.project.path: sum(n for lang, n in c.facts.get("files", {}).get("by_language", {}).items()
                                           if lang in ("python", "go", "typescript", "java"))
                       for c in card.projects},
    }))
    return 0


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=600,
                   env={**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.invalid",
                        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.invalid"})


def as_git_repository(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "bench", "--no-verify")
    return dest


def change_files(repo: Path, count: int, offset: int = 0, under: str = "") -> list[str]:
    """Append a small function to `count` code files spread over the tree (a 10-file PR), and commit; `offset`
    picks the files next to the ones of an earlier call, `under` a folder to take them from."""
    files = [f.path for f in Repository.scan(repo).files if f.language in ("python", "go", "typescript", "java")
             and (not under or f.path.startswith(under + "/"))]
    chosen = files[offset:: max(1, len(files) // count)][:count]
    for rel in chosen:
        p = repo / rel
        tail = {"python": "\n\ndef bench_added(x):\n    return x + 1\n",
                "go": "\n\nfunc benchAdded(x int) int { return x + 1 }\n"}.get(
            "python" if rel.endswith(".py") else "go" if rel.endswith(".go") else "", "\n// bench edit\n")
        p.write_text(p.read_text(errors="replace") + tail)
    _git(repo, "commit", "-q", "-am", "ten files", "--no-verify")
    return chosen


def _summary(name: str, run: Run, floor: float, cold: float | None = None) -> str:
    rel = f", {run.cpu / cold:.0%} of cold" if cold else ""
    # CPU over CPU says how much work the audit does beyond parsing; wall over the floor's (one process, so its CPU
    # is its wall) says how long a user waits for it, with the work spread over every core
    ratio = f" = {run.cpu / floor:.2f}x floor ({run.wall / floor:.2f}x in wall time)" if floor and cold is None else ""
    t = run.report.get("timings", {})
    phases = " ".join(f"{k} {v:.2f}" for k, v in t.items())
    return (f"   {name:<8} {run.cpu:7.2f}s CPU{ratio}{rel}, {run.wall:6.2f}s wall, peak PSS {run.pss_mib:5.0f} MiB"
            f"  [{phases}] cached {run.report.get('analysis', {}).get('cached', '?')}")


def _median_run(runs: list[Run]) -> Run:
    """The run of median CPU (the report is that run's)."""
    return sorted(runs, key=lambda r: r.cpu)[len(runs) // 2]


def _pr_run(repo: Path, cache: Path, out: Path) -> tuple[Run, dict[str, Any]]:
    """`auditor pr --base bench-base` (reports in `out`), and its JSON report's diff section."""
    auditor_bin = Path(sys.executable).with_name("auditor")
    run = run_measured([str(auditor_bin), "pr", str(repo), "--base", "bench-base", "-o", str(out), "--cache-dir",
                        str(cache), "-q", "--format", "json", "--fail-on", "none"])
    diff: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        diff = json.loads((out / "report.json").read_text()).get("diff") or {}
    return run, diff


def bench(path: Path, label: str, work: Path, repeat: int = 1) -> None:
    counts, t_py, t_ts = parse_floor(path)
    floors = [t_py + t_ts]
    for _ in range(repeat - 1):  # interleaved with nothing: the floor is cheap, its median steadies the ratio
        _, p2, t2 = parse_floor(path)
        floors.append(p2 + t2)
    floor = statistics.median(floors)
    repo = as_git_repository(path, work / "repo")
    _git(repo, "branch", "bench-base")
    cache = work / "cache"
    colds = []
    for i in range(repeat):  # each cold audit with a cache of its own; the last one's cache serves the warm audit
        cold_cache = cache if i == repeat - 1 else work / f"cache-cold-{i}"
        colds.append(run_measured([sys.executable, __file__, "--audit-once", str(repo), "--cache-dir", str(cold_cache)]))
    cold = _median_run(colds)
    argv = [sys.executable, __file__, "--audit-once", str(repo), "--cache-dir", str(cache)]
    warm = run_measured(argv)
    change_files(repo, 10)
    changed = run_measured(argv)
    pr_first, diff_first = _pr_run(repo, cache, work / "pr1")
    change_files(repo, 10, offset=1)  # the next push to the pull request: 10 more files, the same merge base
    pr_next, diff_next = _pr_run(repo, cache, work / "pr2")
    git_diff = run_measured(["git", "-C", str(repo), "diff", "--stat", "bench-base...HEAD"])
    # a monorepo: 10 files of its smallest project (of 10 code files or more) edited; the others keep their outcomes
    sizes = {path: n for path, n in (cold.report.get("code_files") or {}).items() if path and n >= 10}
    one_project = None
    if len(cold.report.get("code_files") or {}) > 1 and sizes:
        smallest = min(sizes, key=lambda p: (sizes[p], p))
        run_measured(argv)  # the pr runs audited with another configuration: each project's entry made afresh first
        change_files(repo, 10, under=smallest)
        one_project = (smallest, run_measured(argv))
    print(f"== {label}")
    print(f"   code files: {sum(counts.values())}  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    spread = f" (median of {repeat}: {min(floors):.2f}-{max(floors):.2f})" if repeat > 1 else ""
    print(f"   floor:   python ast.parse {t_py:.2f}s, tree-sitter {t_ts:.2f}s, total {floor:.2f}s CPU (gc off){spread}")
    print(_summary("cold", cold, floor) + (f"  (median of {repeat}: " + ", ".join(f"{r.cpu:.2f}" for r in colds) + ")"
                                           if repeat > 1 else ""))
    print(_summary("warm", warm, floor, cold.cpu))
    print(_summary("changed", changed, floor, cold.cpu) + "  (10 files edited)")
    for name, run, diff in (("pr", pr_first, diff_first), ("pr next", pr_next, diff_next)):
        phases = " ".join(f"{k} {v:.2f}" for k, v in (diff.get("timings") or {}).items())
        print(f"   {name:<8} {run.cpu:7.2f}s CPU, {run.wall:6.2f}s wall, peak PSS {run.pss_mib:5.0f} MiB  [{phases}] "
              f"base cached {diff.get('base_cached')}, {diff.get('new')} new, {diff.get('unchanged')} unchanged")
    print(f"   git diff --stat of the change: {git_diff.cpu:.3f}s CPU, {git_diff.wall:.3f}s wall")
    if one_project is not None:
        folder, run = one_project
        print(_summary("1 project", run, floor, cold.cpu) + f"  (10 files of {folder}/ edited: "
              f"{run.report.get('analysis', {}).get('checks_reused', 0)} outcomes of the other projects reused)")
    r = cold.report
    print(f"   {r.get('checks')} checks, {r.get('findings')} findings, score {r.get('score')}")
    print("   slowest checks (cold): " + ", ".join(f"{i} {d:.2f}s" for i, d in r.get("slowest", [])))
    if warm.report.get("fingerprints") != cold.report.get("fingerprints"):
        print("   !! the warm audit's findings differ from the cold audit's")
    for e in r.get("errors", []):
        print(f"   errored check: {e[0]} ({e[1]})")


def bench_startup(work: Path) -> None:
    auditor_bin = Path(sys.executable).with_name("auditor")
    version = [run_measured([str(auditor_bin), "--version"]) for _ in range(5)]
    helps = [run_measured([str(auditor_bin), "--help"]) for _ in range(5)]
    one = work / "one"
    one.mkdir()
    (one / "app.py").write_text("def f(x: int) -> int:\n    return x\n")
    as_git_repository(one, work / "one-repo")
    argv = [sys.executable, __file__, "--audit-once", str(work / "one-repo"), "--cache-dir", str(work / "c1")]
    audits = [run_measured(argv) for _ in range(5)]
    med = statistics.median
    print("== start-up (median of 5)")
    print(f"   auditor --version: {med(r.wall for r in version):.3f}s wall, {med(r.cpu for r in version):.3f}s CPU")
    print(f"   auditor --help: {med(r.wall for r in helps):.3f}s wall, {med(r.cpu for r in helps):.3f}s CPU")
    print(f"   one-file repository audit: {med(r.wall for r in audits):.3f}s wall, "
          f"{med(r.cpu for r in audits):.3f}s CPU, peak PSS {med(r.pss_mib for r in audits):.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--python-files", type=int, default=3000)
    ap.add_argument("--other-files", type=int, default=4000)
    ap.add_argument("--audit-once", metavar="PATH", help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", help=argparse.SUPPRESS)
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up figures")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="cold audits (and floors) per tree, each with an empty cache: the median is shown")
    args = ap.parse_args(argv)
    if args.audit_once:
        return _audit_once(args.audit_once, args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        trees: list[tuple[Path, str]] = [(p, str(p)) for p in args.paths]
        if not trees:
            trees = [(generate(Path(tmp) / "python", args.python_files, 0), f"synthetic Python tree ({args.python_files} files)"),
                     (generate(Path(tmp) / "other", 0, args.other_files),
                      f"synthetic TypeScript/Go/Java/Rust tree ({args.other_files} files)")]
        for i, (path, label) in enumerate(trees):
            work = Path(tmp) / f"work{i}"
            work.mkdir()
            bench(path, label, work, max(1, args.repeat))
        if not args.no_startup:
            work = Path(tmp) / "startup"
            work.mkdir()
            bench_startup(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
