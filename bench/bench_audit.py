"""Benchmark: a full audit of a large tree against merely parsing the same files.

    python bench/bench_audit.py                  # generate a Python tree and a TypeScript/Go/Java/Rust tree
    python bench/bench_audit.py PATH [PATH ...]  # any checkout, e.g. an unpacked Django sdist

For each tree it prints the file counts, the time to read + parse every code file once (ast.parse for
Python, tree-sitter for the rest: the floor any parse-based auditor pays), the time of a full audit
(scan, parse, every check, scoring; reports not written), their ratio, and the peak RSS. Times are
CPU seconds of this process and of the check processes it forks, so a busy machine does not skew the
ratio; wall time of the audit is printed beside it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import resource
import sys
import tempfile
import time
from pathlib import Path

from auditor import Config, audit
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
    """Seconds to read + ast.parse the Python files, and to read + tree-sitter-parse the others."""
    import tree_sitter

    repo = Repository.scan(path)
    counts: dict[str, int] = {}
    t_py = t_ts = 0.0
    parsers: dict[str, tree_sitter.Parser] = {}
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
    return counts, t_py, t_ts


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (the forked check processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench(path: Path, label: str) -> None:
    counts, t_py, t_ts = parse_floor(path)
    t0, w0 = cpu_seconds(), time.perf_counter()
    card = audit(path, Config(check_timeout=600))
    t_audit, wall = cpu_seconds() - t0, time.perf_counter() - w0
    floor = t_py + t_ts
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    slow = sorted(card.results, key=lambda r: -r.duration)[:5]
    print(f"== {label}")
    print(f"   code files: {sum(counts.values())}  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"   parse floor: python ast.parse {t_py:.2f}s, tree-sitter {t_ts:.2f}s, total {floor:.2f}s (CPU)")
    print(f"   full audit:  {t_audit:.2f}s CPU, {wall:.2f}s wall  "
          f"({len(card.results)} checks, {len(card.findings)} findings, score {card.score})")
    if t_py > 0:
        print(f"   ratio audit / python parse:      {t_audit / t_py:.1f}x")
    if t_ts > 0:
        print(f"   ratio audit / tree-sitter parse: {t_audit / t_ts:.1f}x")
    print(f"   ratio audit / all parsing:       {t_audit / floor:.1f}x" if floor else "   (no code files)")
    print(f"   peak RSS: {rss:.0f} MiB (largest check process: {child_rss:.0f} MiB, mostly pages shared with it)")
    print("   slowest checks: " + ", ".join(f"{r.id} {r.duration:.2f}s" for r in slow))
    errors = [r for r in card.results if r.status.value == "error"]
    if errors:
        print("   errored checks: " + ", ".join(f"{r.id} ({r.reason})" for r in errors))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--python-files", type=int, default=3000)
    ap.add_argument("--other-files", type=int, default=4000)
    args = ap.parse_args(argv)
    if args.paths:
        for p in args.paths:
            bench(p, str(p))
        return 0
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        py_root = generate(Path(tmp) / "python", args.python_files, 0)
        bench(py_root, f"synthetic Python tree ({args.python_files} files)")
        other_root = generate(Path(tmp) / "other", 0, args.other_files)
        bench(other_root, f"synthetic TypeScript/Go/Java/Rust tree ({args.other_files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
