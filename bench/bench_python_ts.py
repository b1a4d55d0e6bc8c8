"""The tree-sitter reading of Python (analysis/python_ts.py) against `ast`: agreement and time.

    python bench/bench_python_ts.py ROOT [ROOT ...] [--show N] [--models OUT]
    python bench/bench_python_ts.py --compare OUT_A OUT_B

For every .py / .pyi file under the roots that the running `ast` can parse, the file is also read with
tree-sitter-python and lowered into an `ast.Module`; the two trees are compared node by node (types, fields,
positions), and the two models (analysis/python.py over each tree) section by section. Files `ast` rejects are
offered to the fallback (`parse_newer`), which says whether it reads them. Prints the agreement rate, every
difference (up to --show), and the time of each reading. Runs on any Python >= 3.11 with tree-sitter installed
(stdlib and analysis/ only), so the same check can be made on a newer interpreter too.

`--models OUT` writes every model read (by `ast`, or by the fallback where `ast` rejects the file); `--compare`
compares two such files section by section: a run on this interpreter against one on an interpreter that
reads the newer syntax natively shows that the fallback gives the facts `ast` gives there.
"""

from __future__ import annotations

import ast
import io
import marshal
import sys
import time
import tokenize
import warnings
from collections import Counter
from pathlib import Path

from analysis.model import SECTION_NAMES, FileModel
from analysis.python import analyse_python, model_of_module, parse_python
from analysis.python_ts import PARSER, lower, parse_newer

NEWER_TAIL = b"\n\ntype _X = int\n"  # a 3.12 statement: the file needs the fallback before 3.12


def tree_diff(a: object, b: object, path: str = "Module") -> str | None:
    """The first difference between two ast trees (types, fields, positions), None when equal."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, ast.AST):
        for name in a._fields:
            found = tree_diff(getattr(a, name, "<missing>"), getattr(b, name, "<missing>"), f"{path}.{name}")
            if found:
                return found
        for name in a._attributes:
            left, right = getattr(a, name, "<missing>"), getattr(b, name, "<missing>")
            if left != right:
                return f"{path}@{name}: {left!r} != {right!r} (line {getattr(a, 'lineno', '?')})"
        return None
    if isinstance(a, list):
        assert isinstance(b, list)
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = tree_diff(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


def model_diff(a: FileModel, b: FileModel) -> list[str]:
    """Sections (and header fields but `parser`) in which two models differ."""
    out = [name for name in ("path", "language", "role", "problem", "lines", "markers", "metrics")
           if getattr(a, name) != getattr(b, name)]
    out.extend(name for name in SECTION_NAMES if getattr(a, name) != getattr(b, name))
    return out


def decode(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def compare(a_path: str, b_path: str) -> int:
    a: dict[str, tuple[str, bytes]] = marshal.loads(Path(a_path).read_bytes())
    b: dict[str, tuple[str, bytes]] = marshal.loads(Path(b_path).read_bytes())
    common = sorted(set(a) & set(b))
    mixed = [p for p in common if a[p][0] != b[p][0]]
    same = 0
    for path in common:
        differing = model_diff(FileModel.from_bytes(a[path][1]), FileModel.from_bytes(b[path][1]))
        same += not differing
        if differing:
            print(f"  {path} ({a[path][0]} / {b[path][0]}): {', '.join(differing)}")
    for name, run, other in (("first", a, b), ("second", b, a)):
        only = sorted(set(run) - set(other))
        listed = ", ".join(f"{p} ({run[p][0]})" for p in only[:10])
        print(f"  read in the {name} run only: {len(only)} {listed}")
    print(f"{len(common)} files in both, {same} with equal models; {len(mixed)} read by different parsers, "
          f"{sum(1 for p in mixed if not model_diff(FileModel.from_bytes(a[p][1]), FileModel.from_bytes(b[p][1])))}"
          " of them equal")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compare"] and len(argv) == 3:
        return compare(argv[1], argv[2])
    show = 20
    models_out = ""
    if "--models" in argv:
        i = argv.index("--models")
        models_out = argv[i + 1]
        del argv[i : i + 2]
    if "--show" in argv:
        i = argv.index("--show")
        show = int(argv[i + 1])
        del argv[i : i + 2]
    roots = [Path(a) for a in argv]
    if not roots:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    sys.setrecursionlimit(10_000)
    files = sorted(p for root in roots for p in ([root] if root.is_file() else root.rglob("*"))
                   if p.suffix in (".py", ".pyi") and p.is_file())
    counts: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    shown: list[str] = []
    rejected: list[str] = []  # files `ast` rejects that the fallback reads (or that are too deep for it)
    models: dict[str, tuple[str, bytes]] = {}
    t_ast = t_ts = t_parse = t_plain = t_fallback = 0.0
    fell_back = 0
    for path in files:
        data = path.read_bytes()
        try:
            text = decode(data)
        except (SyntaxError, UnicodeError, LookupError):
            counts["not text"] += 1
            continue
        rel = str(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                native = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            counts["ast rejects"] += 1
            try:
                fallback = parse_newer(text, rel)
            except (RecursionError, MemoryError):
                counts["ast rejects, too deep for the lowering"] += 1
                rejected.append(f"{rel}: too deep for the lowering")
                continue
            if fallback is None:
                counts["ast rejects, stays a syntax problem"] += 1
            else:
                counts["ast rejects, tree-sitter reads"] += 1
                rejected.append(f"{rel}: read by tree-sitter")
                models[rel] = (PARSER, model_of_module(rel, "source", text, fallback, PARSER).to_bytes())
            continue
        counts["files ast reads"] += 1
        started = time.perf_counter()
        reference = model_of_module(rel, "source", text, parse_python(text, rel))  # what analyse_python does
        t_ast += time.perf_counter() - started
        models[rel] = ("ast", reference.to_bytes())
        started = time.perf_counter()
        import tree_sitter

        from analysis.treesitter import language

        tree_sitter.Parser(language("python")).parse(text.encode("utf-8", "surrogatepass"))
        t_parse += time.perf_counter() - started
        started = time.perf_counter()
        lowered = lower(text)
        if lowered is None:
            counts["tree-sitter cannot read"] += 1
            if len(shown) < show:
                shown.append(f"{rel}: tree-sitter cannot read it")
            continue
        model = model_of_module(rel, "source", text, lowered, PARSER)
        t_ts += time.perf_counter() - started
        if sys.version_info < (3, 12):  # the whole path of a file `ast` rejects, against the same file without
            started = time.perf_counter()  # the one 3.12 statement that makes it rejected
            analyse_python(rel, "source", data)
            t_plain += time.perf_counter() - started
            started = time.perf_counter()
            newer = analyse_python(rel, "source", data + NEWER_TAIL)
            t_fallback += time.perf_counter() - started
            fell_back += newer.parser == PARSER
        found = tree_diff(native, lowered)
        differing = model_diff(reference, model)
        counts["identical trees" if found is None else "different trees"] += 1
        counts["identical models" if not differing else "different models"] += 1
        sections.update(differing)
        if (found or differing) and len(shown) < show:
            shown.append(f"{rel}: {found or 'same tree'}; model sections: {', '.join(differing) or 'same'}")
    read = counts["files ast reads"]
    print(f"Python {sys.version.split()[0]}, {len(files)} files under {', '.join(map(str, roots))}")
    for key in ("files ast reads", "identical trees", "different trees", "identical models", "different models",
                "tree-sitter cannot read", "ast rejects", "ast rejects, tree-sitter reads",
                "ast rejects, stays a syntax problem", "ast rejects, too deep for the lowering", "not text"):
        if counts[key]:
            print(f"  {key:40} {counts[key]:6}")
    compared = counts["identical models"] + counts["different models"]
    if compared:
        print(f"  model agreement {100 * counts['identical models'] / compared:.2f}% of {compared} files both read "
              f"({read - compared} ast read and tree-sitter could not)")
    for name, n in sections.most_common():
        print(f"  section {name} differs in {n} files")
    print(f"  time: ast adapter (parse+facts) {t_ast:.2f}s; tree-sitter parse {t_parse:.2f}s; "
          f"tree-sitter adapter (parse+lowering+facts) {t_ts:.2f}s ({t_ts / t_ast if t_ast else 0:.1f}x)")
    if fell_back:
        print(f"  end to end, analyse_python on {fell_back} files with `type _X = int` appended (ast fails, then "
              f"tree-sitter + masked check + lowering + facts): {t_fallback:.2f}s against {t_plain:.2f}s for the "
              f"files as they are ({t_fallback / t_plain if t_plain else 0:.1f}x; "
              f"{1000 * t_fallback / fell_back:.2f} ms against {1000 * t_plain / fell_back:.2f} ms a file)")
    for line in [*rejected, *shown][: show + len(rejected)]:
        print("  " + line)
    if models_out:
        Path(models_out).write_bytes(marshal.dumps(models))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
