"""The TypeScript/JavaScript adapter's cost against the tree-sitter parse it builds on, on a real source tree.

    .venv/bin/python bench/bench_js_adapter.py /path/to/a/checkout [--repeat 3]

Prints files, source bytes, the parse time alone, the adapter time (parse + facts), their ratio, the encoded model
bytes and the slowest files. Best of `--repeat` runs per file, single process, CPU time (the machine may be shared).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.javascript import analyse_javascript, grammar_of  # noqa: E402
from analysis.treesitter import parse  # noqa: E402

_EXTENSIONS = {".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
               ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript"}
_SKIP = {"node_modules", ".git", "dist", "build", "coverage"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = [p for p in sorted(args.root.rglob("*")) if p.suffix in _EXTENSIONS and p.is_file()
             and not _SKIP & set(p.relative_to(args.root).parts) and not p.name.endswith(".min.js")]
    parse_total = adapt_total = 0.0
    size = model_bytes = 0
    slow: list[tuple[float, float, str]] = []
    counts: dict[str, int] = {}
    for path in files:
        data = path.read_bytes()
        rel = str(path.relative_to(args.root))
        lang = _EXTENSIONS[path.suffix]
        grammar = grammar_of(rel, lang)
        best_parse = best_adapt = float("inf")
        model = None
        for _ in range(max(1, args.repeat)):
            t0 = time.process_time()
            parse(grammar, data)
            t1 = time.process_time()
            model = analyse_javascript(rel, "source", data, lang=lang)
            t2 = time.process_time()
            best_parse, best_adapt = min(best_parse, t1 - t0), min(best_adapt, t2 - t1)
        assert model is not None
        encoded = model.to_bytes()
        parse_total += best_parse
        adapt_total += best_adapt
        size += len(data)
        model_bytes += len(encoded)
        slow.append((best_adapt, best_parse, rel))
        for name in ("calls", "functions", "handlers", "routes", "type_uses"):
            counts[name] = counts.get(name, 0) + len(getattr(model, name))
    print(f"files            {len(files)}")
    print(f"source           {size / 1e6:.1f} MB")
    print(f"parse            {parse_total:.2f} s")
    print(f"adapter          {adapt_total:.2f} s  (parse + facts; {adapt_total / max(parse_total, 1e-9):.2f}x the parse)")
    print(f"model bytes      {model_bytes / 1e6:.1f} MB  ({model_bytes / max(size, 1):.2f} per source byte)")
    print("records          " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print("slowest files    adapter / parse")
    for adapt, parsed, rel in sorted(slow, reverse=True)[:5]:
        print(f"  {adapt * 1000:8.1f} ms / {parsed * 1000:6.1f} ms  {rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
