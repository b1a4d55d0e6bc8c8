"""--git-history figures: seconds per 1,000 commits on a generated repository. Prints one line per case.

    .venv/bin/python bench/bench_history.py [COMMITS]

The repository is written with `git fast-import` (seconds, not minutes): 300 files of about 2 KB, each commit
changes 3 of them, and every 100th commit adds a live-shaped key that the next commit removes. The scan reads
each distinct blob once (HEAD's tree first, then the window oldest first), so its cost follows the blobs the
commits introduced, not commits x files.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.git_history import scan_history

FILES = 300
CHANGED_PER_COMMIT = 3
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def _body(rng: random.Random, index: int, version: int) -> bytes:
    lines = [f"def handler_{index}_{i}(request):\n    value = request.args.get('q{i}')\n    return {{'v': value, 'n': {version}}}\n"
             for i in range(20)]
    return "".join(lines).encode()


def _key(rng: random.Random) -> str:
    return "sk_live_" + "".join(rng.choice(ALPHABET) for _ in range(28))


def generate(root: Path, commits: int) -> int:
    """A repository of `commits` commits; returns how many keys were added and later removed."""
    rng = random.Random(7)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    chunks: list[bytes] = []
    leaked = 0
    for n in range(commits):
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(f"committer Bench <b@example.com> {1_600_000_000 + n * 60} +0000\n".encode())
        message = f"change {n}\n".encode()
        chunks.append(b"data %d\n%s\n" % (len(message), message))
        if n == 0:
            for i in range(FILES):
                body = _body(rng, i, 0)
                chunks.append(b"M 100644 inline app/mod%d.py\ndata %d\n%s\n" % (i, len(body), body))
        else:
            for i in rng.sample(range(FILES), CHANGED_PER_COMMIT):
                body = _body(rng, i, n)
                chunks.append(b"M 100644 inline app/mod%d.py\ndata %d\n%s\n" % (i, len(body), body))
            if n % 100 == 1:
                body = f'STRIPE_KEY = "{_key(rng)}"\n'.encode()
                chunks.append(b"M 100644 inline app/keys.py\ndata %d\n%s\n" % (len(body), body))
                leaked += 1
            elif n % 100 == 2:
                chunks.append(b"D app/keys.py\n")
        chunks.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    return leaked


def main() -> None:
    commits = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    root = work / "repo"
    started = time.perf_counter()
    leaked = generate(root, commits)
    print(f"generated {commits} commits, {FILES} files, {leaked} keys added and removed in {time.perf_counter() - started:.1f} s")
    for cap in (commits, 1000):
        scan = scan_history(root, max_commits=cap, max_seconds=600)
        per_1000 = scan.seconds / max(1, scan.commits) * 1000
        print(f"--git-history, max_commits={cap:<6} {scan.commits:6d} commits {scan.blobs:6d} blobs {scan.seconds:7.2f} s "
              f"= {per_1000:5.2f} s per 1,000 commits, {len(scan.removed)} removed keys found, truncated: {scan.truncated}")


if __name__ == "__main__":
    main()
