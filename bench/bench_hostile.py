"""Hostile-input figures (issue 7): how long the pathological cases take now. Prints one line per case.

    .venv/bin/python bench/bench_hostile.py

Each case once took minutes (the figures measured before the fixes are in the commit messages and the README):
exponential ignore patterns, the generated-file sniff on comment runs, project detection in a monorepo of
hundreds of nested projects, a 100,000-path OpenAPI spec, a walk 1,100 folders deep.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import Config, audit
from auditor.context import Context
from auditor.ignore import IgnoreFile
from auditor.projects import find_projects
from auditor.repo import Repository
from auditor.sources import Sources


def timed(label: str, fn: object) -> None:
    started = time.perf_counter()
    result = fn()  # type: ignore[operator]
    print(f"{label:<72} {time.perf_counter() - started:8.2f} s   {result}")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    pattern = "*a*a*a*a*a*a*a*a*a*a*a*ab"
    rules = IgnoreFile.from_patterns([pattern])
    timed(f"exclude {pattern!r} x 1000 names of 120 a's", lambda: sum(rules.excludes("app/" + "a" * 120 + ".py")
                                                                      for _ in range(1000)))
    names = write(work / "names", {".gitignore": "*a*a*a*a*a*a*a*ab\n", **{f"{'a' * 60}{i}.py": "x = 1\n" for i in range(300)}})
    timed(".gitignore '*a*a*a*a*a*a*a*ab', 300 names of 60 a's, plain walk", lambda: len(Repository.scan(names).files))
    subprocess.run(["git", "init", "-q", str(names)], check=True)
    timed("the same as untracked files of a git work tree", lambda: len(Repository.scan(names).files))
    comments = write(work / "comments", {f"c{i}.py": "#" * 4096 + "\nx = 1\n" for i in range(300)})
    timed("300 files whose first line is 4,096 '#' (generated-file sniff)", lambda: len(Repository.scan(comments).files))
    mono: dict[str, str] = {}
    for i in range(600):
        mono[f"p{i % 30}/sub{i}/package.json"] = json.dumps({"name": f"p{i}", "dependencies": {"express": "1"}})
        mono.update({f"p{i % 30}/sub{i}/src/f{j}.js": "const x = 1;\n" for j in range(30)})
    mono.update({f"empty{i}/pyproject.toml": "" for i in range(100)})
    mono.update({f"lib/m{i}.py": "x = 1\n" for i in range(2000)})
    repo = Repository.scan(write(work / "mono", mono))
    timed(f"project detection: 600 nested projects, 100 empty manifests, {len(repo.files)} files",
          lambda: len(find_projects(repo)))
    projects = find_projects(repo)
    sources = Sources(repo)
    timed("the files of each of those projects", lambda: sum(len(Context(repo=repo, sources=sources, config=Config(),
                                                                            project=p).files) for p in projects))
    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {f"/{i}": {"get": {}} for i in range(100_000)}}
    api = write(work / "api", {"openapi.json": json.dumps(spec, separators=(",", ":")),
                               "app.py": "from flask import Flask\napp = Flask(__name__)\n@app.get('/1')\ndef f():\n    return 1\n"})
    timed("OpenAPI family on a 100,000-path spec", lambda: [r.status.value for r in audit(api, Config(only=("openapi",))).results])
    deep = work / "deep"
    folder = deep
    deep.mkdir()
    for _ in range(1_100):
        folder = folder / "d"
        folder.mkdir()
    (folder / "x.py").write_text("x = 1\n")
    timed("a walk 1,100 folders deep", lambda: dict(Repository.scan(deep).skipped))


if __name__ == "__main__":
    main()
