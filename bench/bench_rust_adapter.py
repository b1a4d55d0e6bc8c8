"""Benchmark: the Rust adapter (analysis/rust.py) against merely parsing the same files with tree-sitter.

    python bench/bench_rust_adapter.py PATH [PATH ...]   # any checkouts with .rs files (e.g. LemmyNet/lemmy)

Prints, per tree: the number of .rs files and bytes, the tree-sitter parse time (the floor), the adapter time
(parse + facts), their ratio, the size of the encoded models, and how many records of each kind were read.
Times are the best of three runs of this process's CPU time, so a busy machine does not skew the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from analysis.model import SECTION_NAMES
from analysis.rust import analyse_rust
from analysis.treesitter import parse
from auditor.repo import Repository

RUNS = 3


def _files(root: Path) -> list[tuple[str, str, bytes]]:
    repo = Repository.scan(root)
    out = []
    for info in repo.files:
        if info.language == "rust":
            data = repo.read_bytes(info.path)
            if data is not None:
                out.append((info.path, info.role, data))
    return out


def _best(fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def bench(root: Path) -> None:
    files = _files(root)
    if not files:
        print(f"{root}: no Rust files")
        return
    size = sum(len(d) for _, _, d in files)

    def parse_all() -> None:
        for _path, _role, data in files:
            parse("rust", data)

    models: list[bytes] = []
    counts: Counter[str] = Counter()

    def analyse_all() -> None:
        models.clear()
        counts.clear()
        for path, role, data in files:
            model = analyse_rust(path, role, data)
            models.append(model.to_bytes())
            for name in SECTION_NAMES:
                counts[name] += len(getattr(model, name))

    parse_s = _best(parse_all)
    adapter_s = _best(analyse_all)
    encoded = sum(len(m) for m in models)
    print(f"{root}: {len(files)} .rs files, {size / 1e6:.1f} MB")
    print(f"  tree-sitter parse   {parse_s:7.2f} s CPU")
    print(f"  adapter (parse+facts) {adapter_s:5.2f} s CPU  = {adapter_s / parse_s:.1f} x parse")
    print(f"  models              {encoded / 1e6:7.2f} MB encoded ({encoded / size:.2f} bytes per source byte)")
    print("  records             " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.paths:
        if not path.is_dir():
            print(f"bench_rust_adapter: {path} is not a directory", file=sys.stderr)
            return 2
        bench(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
