"""Speed of one language adapter on a real tree: tree-sitter parse alone vs the whole adapter (parse + facts).

    python bench/bench_adapter.py java /path/to/a/java/tree [--repeat 3]

Prints files, bytes, the parse time, the adapter time and its ratio to the parse, the encoded model bytes, and
the slowest files. Single process, no pool, CPU time: the figures are per core.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

_EXTENSIONS = {"java": (".java",), "python": (".py",), "go": (".go",), "rust": (".rs",),
               "typescript": (".ts", ".tsx"), "javascript": (".js", ".mjs", ".cjs", ".jsx")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("language", choices=sorted(_EXTENSIONS))
    parser.add_argument("tree", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the best of each phase is summed")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from analysis import analyse_file
    from analysis.treesitter import grammar_for, parse

    paths = sorted(p for p in args.tree.rglob("*") if p.suffix in _EXTENSIONS[args.language] and p.is_file())
    files = [(str(p.relative_to(args.tree)), p.read_bytes()) for p in paths]
    if not files:
        print(f"no {args.language} files under {args.tree}", file=sys.stderr)
        return 2
    total = sum(len(d) for _, d in files)
    gc.disable()

    # Parse and adapter are timed file by file, interleaved, in CPU time of this process: other work on the
    # machine then weighs on both alike, and the ratio stays meaningful on a busy machine.
    parse_s = adapter_s = 0.0
    encoded = 0
    slowest: list[tuple[float, str]] = []
    clock = time.process_time
    for path, data in files:
        grammar = grammar_for(path, args.language)
        p_best = a_best = float("inf")
        for _ in range(max(1, args.repeat)):
            t0 = clock()
            parse(grammar, data)
            t1 = clock()
            model = analyse_file(path, args.language, "source", data)
            t2 = clock()
            p_best, a_best = min(p_best, t1 - t0), min(a_best, t2 - t1)
        parse_s += p_best
        adapter_s += a_best
        encoded += len(model.to_bytes())
        slowest.append((a_best, path))
    print(f"{args.language}: {len(files)} files, {total / 1e6:.1f} MB")
    print(f"tree-sitter parse   {parse_s:7.2f} s  ({total / parse_s / 1e6:.1f} MB/s)")
    print(f"adapter (parse+facts) {adapter_s:5.2f} s  ({adapter_s / parse_s:.2f}x the parse)")
    print(f"model bytes         {encoded / 1e6:7.2f} MB  ({encoded / total:.2f} per source byte)")
    for seconds, path in sorted(slowest, reverse=True)[:5]:
        print(f"  {seconds * 1000:7.1f} ms  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
