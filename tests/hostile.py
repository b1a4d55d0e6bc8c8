"""A generator of the hostile sample repository: everything an untrusted target may throw at the auditor.

Nothing here is committed as binary junk; `build_hostile` writes the tree into a temp dir. It returns what
the tests assert on: raw secrets and outside contents that must never appear in any output, markup
payloads that may only appear escaped, and marker files that exist only if target code was executed.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import git, write_tree

__all__ = ["INVISIBLE", "PAYLOADS", "SECRETS", "Hostile", "build_hostile"]

# Realistic-looking but fake credentials, each placed where a finding's snippet (or a fact) quotes it.
AWS_KEY = "AKIAZ7Q3EGUHXW4YJ5KL"
GITHUB_TOKEN = "ghp_" + "R8mZk2Lq9Xv4Tn6Wb1Yc3Hd5Fj7Gp0Se2Ua4"
SLACK_TOKEN = "xoxb-2417359081-5093318644-AbCdEfGhIjKlMnOpQrStUvWx"
PASSWORD = "Sup3r-S3cret-Pw-8841"
DB_PASSWORD = "Pg-Pa55word-Xy9Q"
DB_URL = f"postgresql://app_admin:{DB_PASSWORD}@db.internal:5432/app"
SERVER_PASSWORD = "Srv-Pa55-Hidden-77"
PEM_LINE_1 = "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF0jU3tH7PqJXsbHeF2BxaZ8OE4cN"
PEM_LINE_2 = "qLpt9bM3dVz1Lm4jRkS8Uw2YcQ7nXhEa5GiTo6BfKJ3rPvNs0WyDe8ZlCq2MtAhU"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join([PEM_LINE_1, PEM_LINE_2] * 6) + "\n-----END RSA PRIVATE KEY-----"
)

SQL_PASSWORD = "Rol3-Pa55-Qz81"
SQL_IDENTIFIED = "Id3nt-Pw-Kx40"
BRANCH_TOKEN = "ghp_" + "B7kQz2Lm9Xw4Tn6Vb1Yc3Hd5Fj7Gp0Se2Ua9"

SECRETS: tuple[str, ...] = (AWS_KEY, GITHUB_TOKEN, SLACK_TOKEN, PASSWORD, DB_PASSWORD, SERVER_PASSWORD, PEM_LINE_1, PEM_LINE_2,
                            SQL_PASSWORD, SQL_IDENTIFIED, BRANCH_TOKEN)
# Characters a human must see escaped, never obeyed: they may appear in no human-readable output raw.
INVISIBLE: tuple[str, ...] = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069", "\u200b", "\u200e", "\u200f", "\u2060",
                              "\ufeff")
PATHOLOGICAL_PATTERNS: tuple[str, ...] = ("*a*a*a*a*a*a*a*a*a*a*a*ab", "**a**a**a**a**a**a**a**ab", "*a?*a?*a?*a?*a?*a?*ab")

# Markup that must reach a report only escaped (names, snippets, spec titles, commit messages).
PAYLOADS: tuple[str, ...] = ("<script>alert(", "<img src=x onerror=", "<svg onload=", "javascript:alert(")


@dataclass
class Hostile:
    root: Path
    outside: Path  # a folder beside the target holding a secret that must never be read
    markers: Path  # where target code would leave marker files if it ran
    forbidden: list[str] = field(default_factory=list)  # strings that must not appear in any output
    devices: list[Path] = field(default_factory=list)  # device nodes with report names: never to be opened

    def executed(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())


def _marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\n"


def _python_files(markers: Path) -> dict[str, str | bytes]:
    swallow = (
        "def load():\n"
        "    try:\n"
        "        return connect()\n"
        f"    except:  # aws {AWS_KEY} gh {GITHUB_TOKEN}\n"
        f"        password = \"{PASSWORD}\"\n"
        "        return None\n"
        "\n"
        "\n"
        "def db():\n"
        "    try:\n"
        "        return connect()\n"
        f"    except:  # url {DB_URL} slack {SLACK_TOKEN}\n"
        f"        KEY = \"\"\"{PRIVATE_KEY}\"\"\"\n"
        "        return KEY\n"
        "\n"
        "\n"
        "def key_body():\n"
        "    try:\n"
        "        return connect()\n"
        f"    except: KEY_TAIL = \"{PEM_LINE_1}\"\n"
        "\n"
        "\n"
        "def inject():\n"
        "    try:\n"
        "        return connect()\n"
        "    except:  # </script><script>alert('snippet')</script> <img src=x onerror=alert(2)> <svg onload=alert(3)>\n"
        "        return 'javascript:alert(4)'\n"
    )
    bare = "def f():\n    try:\n        g()\n    except:\n        pass\n"
    files: dict[str, str | bytes] = {
        "app/__init__.py": _marker_code(markers / "app_init"),
        "app/service.py": swallow,
        "app/<img src=x onerror=alert(1)>.py": bare,
        "app/dir with space/it's \"quoted\" ünï.py": bare,
        "app/new\nline.py": bare,
        "app/módulo/çà.py": bare,
        "app/crlf.py": bare.replace("\n", "\r\n"),
        "app/latin1.py": "# caf\xe9\nx = 1\n".encode("latin-1"),
        "app/bad_cookie.py": b"# -*- coding: rot13 -*-\nx = 1\n",
        "app/idna_cookie.py": b"# -*- coding: idna -*-\nx = '" + b"a" * 70 + b"..'\n",
        "app/late_nul.py": b"x = 1\n" * 2000 + b"\0\n",
        "app/formfeed.py": "x = 1\n\x0c\ny = '\u2028'\n" + bare,
        "app/broken.py": "def f(:\n    pass\n" + bare,
        "app/new_syntax.py": "type Alias = list[int]\n\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n",
        "app/deep_binop.py": "x = " + "+".join(["a"] * 60_000) + "\n",
        "app/deep_unary.py": "x = " + "-" * 200_000 + "1\n",
        "app/deep_parens.py": "x = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n",
        "app/nested_ok.py": "x = " + "+".join(["a"] * 900) + "\n" + bare,
        "app/many_lines.py": "pass\n" * 250_000,
        "app/huge_line.py": "x = '" + "A" * 1_500_000 + "'\n",
        "app/binary.dat": bytes(range(256)) * 64,
        "app/not_utf8.txt": b"\xff\xfe\xfa broken",
        # Importable names a careless tool might shadow or run.
        "conftest.py": _marker_code(markers / "conftest"),
        "setup.py": _marker_code(markers / "setup_py"),
        "noxfile.py": _marker_code(markers / "noxfile"),
        "manage.py": _marker_code(markers / "manage_py"),
        "sitecustomize.py": _marker_code(markers / "sitecustomize"),
        "usercustomize.py": _marker_code(markers / "usercustomize"),
        "yaml.py": _marker_code(markers / "shadow_yaml"),
        "click.py": _marker_code(markers / "shadow_click"),
        "git.py": _marker_code(markers / "shadow_git"),
        "coverage.py": _marker_code(markers / "shadow_coverage"),
        "defusedxml.py": _marker_code(markers / "shadow_defusedxml"),
        "tests/test_app.py": _marker_code(markers / "test_module") + "def test_x():\n    assert True\n",
    }
    return files


def _other_language_files(markers: Path) -> dict[str, str | bytes]:
    touch = f"touch {markers / 'npm_script'}"
    return {
        "package.json": (
            '{"name": "hostile", "version": "1.0.0", "scripts": {'
            f'"preinstall": "{touch}", "install": "{touch}", "prepare": "{touch}", "test": "{touch}", '
            f'"build": "{touch}"}}, "devDependencies": {{"jest": "^29.0.0", "typescript": "^5.0.0"}}}}'
        ),
        "build.rs": f'fn main() {{ std::fs::write("{markers / "build_rs"}", "ran").unwrap(); }}\n',
        "Cargo.toml": '[package\nname = "hostile"\nversion = \n',  # does not parse
        "pyproject.toml": "[project\nname = 'hostile'\n",  # does not parse (and does not mention the auditor)
        "Makefile": f"all:\n\ttouch {markers / 'make'}\n",
        "go.mod": "module example.com/hostile\n\ngo 1.22\n",
        "src/broken.ts": "export function f(: number { return <div>; }\n",
        "src/broken.js": "function (({ ] \n const = ;\n",
        "src/lib.rs": "fn main( { let x = ; }\n",
        "src/main.go": "package main\nfunc main( { x := }\n",
        "src/Broken.java": "public class Broken { void f( { try { } catch { } }\n",
        "src/deep.js": "const x = " + "[" * 100_000 + "]" * 100_000 + ";\n",
        "src/deep.ts": "const y = " + "(" * 100_000 + "1" + ")" * 100_000 + ";\n",
        "src/deep.rs": "fn f() " + "{" * 50_000 + "}" * 50_000 + "\n",
        "src/deep.go": "package main\nfunc f() " + "{" * 50_000 + "}" * 50_000 + "\n",
        "src/Deep.java": "class Deep { int x = " + "(" * 50_000 + "1" + ")" * 50_000 + "; }\n",
        "src/one_line.js": "var a=" + "1+" * 700_000 + "1;\n",
        "src/nul.ts": "const a = 1;\n\0\0\0 binary tail",
        "src/crlf.ts": "export const a = 1;\r\nexport const b = 2;\r\n",
        "tsconfig.json": '{"extends": "./tsconfig.json", "compilerOptions": {"strict": false}}',
        "tsconfig.outside.json": '{"extends": "../outside/tsconfig.json"}',
        "tsconfig.deep.json": "[" * 200_000 + "]" * 200_000,
        "tsconfig.base.json": '{"extends": "./tsconfig.deep.json", "compilerOptions": {"strict": true}}',
    }


_UP_DOWN = "\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"


def _data_files(outside: Path) -> dict[str, str | bytes]:
    laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(9)
    )
    entities = ' <!ENTITY lol0 "lol">\n' + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    xml_bomb = (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n{entities}]>\n'
        '<coverage line-rate="&lol9;" branch-rate="0.5"><packages/></coverage>\n'
    )
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{outside / "secret.txt"}">]>\n'
        '<report name="&x;"><counter type="LINE" missed="1" covered="&x;"/></report>\n'
    )
    self_ref_spec = (
        '{"openapi": "3.0.3", "info": {"title": "<script>alert(\'title\')</script>", "version": "1"},'
        f' "servers": [{{"url": "https://deploy:{SERVER_PASSWORD}@api.example.com/v1"}}],'
        ' "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":'
        ' {"schema": {"$ref": "#/components/schemas/A"}}}}}}},'
        ' "/b": {"get": {"responses": {"200": {"$ref": "#/components/responses/B"}}}},'
        ' "/c": {"$ref": "#/paths/~1c"},'
        f' "/d": {{"$ref": "{outside / "spec.json"}#/paths/~1x"}},'
        ' "/e": {"$ref": "../outside/spec.json#/paths/~1x"},'
        ' "/f": {"$ref": "https://example.invalid/spec.json#/x"}},'
        ' "components": {"schemas": {"A": {"$ref": "#/components/schemas/A"},'
        ' "B": {"type": "object", "properties": {"self": {"$ref": "#/components/schemas/B"}}}},'
        ' "responses": {"B": {"$ref": "#/components/responses/B"}}}}'
    )
    return {
        "openapi.json": self_ref_spec,
        "api/openapi.yaml": "openapi: 3.0.0\ninfo: {title: bomb, version: '1'}\n" + laughs + "paths: {}\n",
        "api/swagger.json": '{"swagger": "2.0", "info": ' + "{\"x\":" * 150_000 + "1" + "}" * 150_000 + "}",
        "api/deep.yaml": "openapi: 3.0.0\nx: " + "[" * 100_000 + "]" * 100_000 + "\n",
        ".github/workflows/ci.yml": laughs,
        "docker-compose.yml": "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: " + DB_PASSWORD + "\n" + laughs,
        "coverage.xml": xml_bomb,
        "jacoco.xml": xxe,
        "target/site/jacoco/jacoco.xml": xxe,
        ".coverage": b"this is not a sqlite database\0\0\0",
        "coverage/lcov.info": (
            "TN:\nSF:app/service.py\nDA:abc,def\nDA:-1,-99999999999999999999\nLF:-5\nLH:99999999999999999999999\n"
            "BRF:NaN\nBRH:inf\nend_of_record\nSF:\nLH:1e308\nLF:0\nend_of_record\nSF:" + "x" * 5000 + "\n"
        ),
        "coverage.out": "mode: set\nexample.com/hostile/main.go:1.1,99999999999.2 -5 banana\n",
        # Migration graphs with cycles and self-references.
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": "from alembic import context\n",
        "migrations/versions/a1_first.py": "revision = 'a1'\ndown_revision = 'b2'\n" + _UP_DOWN,
        "migrations/versions/b2_second.py": "revision = 'b2'\ndown_revision = 'a1'\n" + _UP_DOWN,
        "migrations/versions/c3_self.py": "revision = 'c3'\ndown_revision = 'c3'\n\ndef upgrade():\n    pass\n",
        "migrations/versions/d4_tuple.py": "revision = 'd4'\ndown_revision = ('a1', 'd4', None, 5)\n",
        "migrations/versions/e5_broken.py": "revision = \ndown_revision = 'a1'\n",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": (
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0002_second')]\n    operations = []\n"
        ),
        "shop/migrations/0002_second.py": (
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0001_initial'), ('shop', '0002_second')]\n    operations = []\n"
        ),
        "db/migration/V1__init.sql": "CREATE TABLE a (id int);\n",
        "db/migration/V1__dup.sql": "CREATE TABLE b (id int);\n",
        "db/migration/V99999999999999999999999__big.sql": "DROP TABLE a;\n",
        "config/settings.yaml": f"database:\n  password: {PASSWORD}\n  url: {DB_URL}\n",
        ".env": f"AWS_ACCESS_KEY_ID={AWS_KEY}\nGITHUB_TOKEN={GITHUB_TOKEN}\nDATABASE_URL={DB_URL}\n",
    }


def _special_files(root: Path, outside: Path) -> None:
    links = {
        "etc_passwd": "/etc/passwd",
        "leak.py": str(outside / "secret.py"),
        "leak_rel.py": "../outside/secret.py",
        "app/leak.yaml": "../../outside/secret.txt",
        "outside_dir": str(outside),
        "loop_a": "loop_b",
        "loop_b": "loop_a",
        "self_loop": "self_loop",
        "dangling.py": "does/not/exist.py",
        "openapi.yaml": str(outside / "spec.json"),
        "lcov.info": str(outside / "secret.txt"),
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    for name in ("pipe.fifo", "cobertura.xml", "coverage/cobertura-coverage.xml", "app/fifo.py", "coverage.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / name)


def _outside(outside: Path) -> list[str]:
    secret = "OUTSIDE-SECRET-7f3a91c2e5"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(f"{secret}\npassword = {secret}\n")
    (outside / "secret.py").write_text(f"def f():\n    try:\n        g()\n    except:  # {secret}\n        pass\n")
    (outside / "spec.json").write_text(
        '{"openapi": "3.0.0", "info": {"title": "' + secret + '", "version": "1"}, "paths": {"/x": {}}}'
    )
    (outside / "tsconfig.json").write_text('{"compilerOptions": {"strict": true, "outDir": "' + secret + '"}}')
    return [secret]


def _hostile_git(root: Path, markers: Path, outside: Path) -> None:
    """Make `root` a git work tree whose config and hooks would run commands if git honoured them."""
    git(root, "init", "-q", "-b", f"tok-{BRANCH_TOKEN}-\u202eniam")
    write_tree(root, {".gitattributes": ("*.py filter=evil diff=evil\n*.json filter=evil\n*.js filter=x=y\n"
                                         "*.sql filter=ev\udcffil\n").encode("utf-8", "surrogateescape")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "<script>alert('commit')</script> initial")
    touch = f"touch {markers}/"
    for key, value in {
        "core.fsmonitor": touch + "fsmonitor",
        "core.pager": touch + "pager",
        "core.editor": touch + "editor",
        "core.sshCommand": touch + "ssh",
        "core.askPass": touch + "askpass",
        "diff.external": touch + "diff_external",
        "diff.evil.textconv": touch + "textconv",
        "filter.evil.clean": touch + "filter_clean; cat",
        "filter.evil.smudge": touch + "filter_smudge; cat",
        "filter.evil.required": "true",
        "gpg.program": touch + "gpg",
        "credential.helper": "!" + touch + "credential",
        "alias.ls-files": "!" + touch + "alias",
        "alias.status": "!" + touch + "alias",
        "include.path": str(outside / "evil.gitconfig"),
        "core.attributesFile": str(outside / "attributes"),
        "core.excludesFile": str(outside / "excludes"),
        # A remote git would run as a command; the reports read remote.origin.url (as text only) for their links.
        "remote.origin.url": f"ext::sh -c touch% {markers}/remote_ext",
    }.items():
        git(root, "config", key, value)
    # Driver names git splits or cannot print: a '=' (a -c override splits at the first one) and a stray byte.
    with open(root / ".git" / "config", "ab") as fh:
        fh.write(b'[filter "x=y"]\n\tclean = "' + touch.encode() + b'filter_equals; cat"\n\trequired = true\n'
                 b'[filter "ev\xffil"]\n\tclean = "' + touch.encode() + b'filter_bytes; cat"\n\trequired = true\n')
    # A nested folder whose .git file names the outside repository: git's own walk would open its HEAD.
    write_tree(root, {"vendor_repo/.git": f"gitdir: {outside / 'repo' / '.git'}\n", "vendor_repo/lib.py": "x = 1\n"})
    hooks = root / ".git" / "hooks"
    for hook in ("pre-commit", "post-checkout", "post-index-change", "fsmonitor-watchman", "reference-transaction",
                 "pre-auto-gc", "post-rewrite"):
        (hooks / hook).write_text(f"#!/bin/sh\n{touch}hook_{hook}\n")
        (hooks / hook).chmod(0o755)
    # Dirty every tracked file's stat data so `git status` would have to re-read (and filter) content.
    subprocess.run(["sh", "-c", "find . -path ./.git -prune -o -type f -exec touch -m -d '2001-01-01' {} +"],
                   cwd=root, check=True)


def _issue7_files(markers: Path) -> dict[str, str | bytes]:
    """Issue 7's classes, in variants: a committed fake git dir, pathological ignore patterns and names, comment runs
    for the generated-file sniff, a huge spec, SQL credentials, controls in paths and project names, the target's
    own `git` program, and an .auditor.toml asking for limits beyond the caps."""
    touch = f"touch {markers}/"
    long_a = "a" * 70
    spec_paths = ",".join(f'"/p{i}":{{"get":{{}}}}' for i in range(6_000))
    files: dict[str, str | bytes] = {
        # A git directory made of committed files: git must never discover it (`auditor audit services/api`).
        "services/api/HEAD": "ref: refs/heads/main\n",
        "services/api/config": (f"[core]\n\tworktree = .\n\tbare = false\n\tfsmonitor = {touch}fake_fsmonitor\n"
                                f'[filter "evil"]\n\tclean = {touch}fake_filter; cat\n\trequired = true\n'
                                "[include]\n\tpath = ../../../outside/evil.gitconfig\n"),
        "services/api/refs/heads/main": "0" * 40 + "\n",
        "services/api/objects/info/alternates": "../../../../outside/repo/.git/objects\n",
        "services/api/info/exclude": "*.py\n",
        "services/api/index": b"DIRC\0\0\0\2\0\0\0\0",
        "services/api/.gitattributes": "*.py filter=evil\n",
        "services/api/handlers.py": "def h():\n    try:\n        g()\n    except:\n        pass\n",
        **{f"app/names/{long_a}{i}.py": "x = 1\n" for i in range(40)},
        # First lines of comment characters: the old generated-file regex took 0.27 s per file.
        **{f"app/comments/c{i}.py": ch * 4096 + "\nx = 1\n" for i, ch in enumerate("#/*-" * 10)},
        # A spec with more paths than the cap: what was cut must be said.
        "api/huge.json": '{"openapi":"3.0.0","info":{"title":"huge","version":"1"},"paths":{' + spec_paths + "}}",
        # SQL credentials in migrations.
        "migrations/versions/f6_role.py": (
            "revision = 'f6'\ndown_revision = 'a1'\n\n\ndef upgrade():\n"
            f"    op.execute(\"ALTER ROLE app WITH PASSWORD '{SQL_PASSWORD}'\")\n"
            f"    op.execute(\"CREATE USER r IDENTIFIED BY '{SQL_IDENTIFIED}'\")\n\n\ndef downgrade():\n    pass\n"
        ),
        "db/migration/V3__users.sql": f"CREATE USER app IDENTIFIED BY '{SQL_IDENTIFIED}';\nALTER ROLE x PASSWORD '{SQL_PASSWORD}';\n",
        # Controls, bidi and zero-width characters in paths, and a token in a path.
        "app/\u202eevil\u200bname\u2066.py": ("def f():\n    try:\n        g()\n    except:  # \u202e \u200f \x1b[2J\x07\n"
                                             "        pass\n"),
        f"app/leak-{BRANCH_TOKEN}.py": "def f():\n    try:\n        g()\n    except:\n        pass\n",
        # A nested project whose name is an escape sequence.
        "services/web/package.json": '{"name": "web\\u001b[31m\\u0007\\u202e\\u200b", "dependencies": {"react": "18"}}',
        "services/web/src/app.js": "export const x = 1;\n",
        # The target's own git program, found first on a PATH holding "." or an empty entry.
        "git": f"#!/bin/sh\n{touch}target_git\nexec /usr/bin/git \"$@\"\n",
        # Limits the target may not set: clamped, not obeyed.
        ".auditor.toml": (
            "check_timeout = 86400\naudit_timeout = 1e12\nrun_tests_timeout = 1\n"
            "exclude = [" + ", ".join(f'"{p}"' for p in PATHOLOGICAL_PATTERNS) + ', "legacy/**"]\n'
            "[weights]\nsecurity = 0.1\ntesting = 10\n"
        ),
    }
    folder = "deep"
    for _ in range(200):  # deeper than the walk goes (Python's own tools recurse: 200 stays clear of that)
        folder += "/d"
    files[f"{folder}/deep.py"] = "x = 1\n"
    return files


def _devices(root: Path) -> list[Path]:
    """Device nodes named like the reports and ignore files the auditor looks for (where this machine allows)."""
    made = []
    for name in ("coverage.xml", "lcov.info", "coverage.out", ".coverage", ".gitignore"):
        path = root / "services" / "web" / name
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except OSError:
            continue
        made.append(path)
    return made


def _outside_git(outside: Path, markers: Path) -> None:
    """A real repository outside the target, and a git config with commands, for the target to point at."""
    repo = outside / "repo"
    repo.mkdir()
    (repo / "secret.py").write_text("OUTSIDE = 'OUTSIDE-SECRET-7f3a91c2e5'\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "outside")
    (outside / "evil.gitconfig").write_text(
        f'[filter "evil"]\n\tclean = touch {markers}/included_filter; cat\n\trequired = true\n'
        f"[core]\n\tfsmonitor = touch {markers}/included_fsmonitor\n"
        '[remote "origin"]\n\turl = https://github.com/OUTSIDE-SECRET-7f3a91c2e5/included\n'  # first, if includes were read
    )
    (outside / "attributes").write_text("* filter=evil\n")
    (outside / "reports").mkdir()
    (outside / "reports" / "report.json").write_text('{"precious": true}\n')
    (outside / "excludes").write_text("*.py\n")


def build_hostile(base: Path, *, git_repo: bool) -> Hostile:
    """Write the hostile repository under `base/target` (plus `base/outside` and `base/markers`)."""
    root = base / "target"
    outside = base / "outside"
    markers = base / "markers"
    for d in (root, markers):
        d.mkdir(parents=True)
    forbidden = [*SECRETS, *_outside(outside)]
    _outside_git(outside, markers)
    write_tree(root, {**_python_files(markers), **_other_language_files(markers), **_data_files(outside),
                      **_issue7_files(markers)})
    (root / "git").chmod(0o755)
    if git_repo:
        _hostile_git(root, markers, outside)
    else:
        # A plain directory (a tarball, say) whose .git file names a repository outside it.
        (root / ".git").write_text(f"gitdir: {outside / 'repo' / '.git'}\n")
    # Ignore patterns that backtrack exponentially in `re` and in git's own wildmatch, met by long names. Written
    # after the commit: `git add` itself would spend minutes on them (it is untracked in the git form).
    write_tree(root, {".gitignore": "\n".join([*PATHOLOGICAL_PATTERNS, "[z-a]", "trailing\\", "[unclosed", "*.log"]) + "\n"})
    _special_files(root, outside)
    devices = _devices(root)
    os.symlink(outside / "reports", root / "auditor-report")  # the default output folder, pointing outside
    # Written after the commit: in the git form it is untracked and reaches the audit through --others.
    write_tree(root, {"untracked/<svg onload=alert(5)>.py": "def f():\n    try:\n        g()\n    except:\n        pass\n"})
    return Hostile(root=root, outside=outside, markers=markers, forbidden=forbidden, devices=devices)
