"""Repository discovery: what is listed, what is skipped and why, git oddities, and nothing of the target run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import repo as repo_module
from auditor.repo import Repository, RepositoryError, classify_language, classify_role
from tests.helpers import git, git_init, write_tree

BARE = "def f():\n    pass\n"


def _paths(r: Repository) -> list[str]:
    return [f.path for f in r.files]


@pytest.mark.parametrize("use_git", [True, False])
def test_symlinks_fifos_and_outside_files_are_never_listed(tmp_path: Path, use_git: bool) -> None:
    root = tmp_path / "t"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET = 1\n")
    write_tree(root, {"app.py": BARE, "sub/ok.py": BARE})
    if use_git:
        git_init(root)
    os.symlink(outside / "secret.py", root / "link.py")
    os.symlink(outside, root / "linkdir")
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink("missing.py", root / "dangling.py")
    os.mkfifo(root / "pipe.py")
    r = Repository.scan(root)
    assert _paths(r) == ["app.py", "sub/ok.py"]
    assert r.read_bytes("link.py") is None
    assert r.read_bytes("linkdir/secret.py") is None
    assert r.read_bytes("pipe.py") is None  # opened non-blocking, refused as not regular
    assert r.read_bytes("../outside/secret.py") is None
    assert r.read_bytes(str(outside / "secret.py")) is None
    assert r.read_bytes("app.py\0x") is None
    assert r.read_bytes("") is None
    assert not r.exists("link.py") and r.exists("app.py")
    if not use_git:  # git does not list fifos or what is behind a symlinked folder at all
        assert r.skipped["symlink"] == 5 and r.skipped["special file"] == 1


def test_tracked_file_behind_a_swapped_symlinked_folder_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "t"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mod.py").write_text("SECRET = 1\n")
    write_tree(root, {"pkg/mod.py": BARE})
    git_init(root)
    (root / "pkg" / "mod.py").unlink()
    (root / "pkg").rmdir()
    os.symlink(outside, root / "pkg")  # git's index still lists pkg/mod.py
    r = Repository.scan(root)
    assert _paths(r) == []
    assert r.skipped["outside the target"] == 1
    assert r.read_bytes("pkg/mod.py") is None


def test_files_behind_a_swapped_nested_folder_are_skipped_and_their_neighbours_kept(tmp_path: Path) -> None:
    # The scan asks once per folder whether it lies inside the target: every file of the swapped folder is
    # skipped, and the files of the folder above it (asked first) are not.
    root = tmp_path / "t"
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("a.py", "b.py"):
        (outside / name).write_text("SECRET = 1\n")
    write_tree(root, {"pkg/keep.py": BARE, "pkg/sub/a.py": BARE, "pkg/sub/b.py": BARE, "pkg/z.py": BARE})
    git_init(root)
    for name in ("a.py", "b.py"):
        (root / "pkg" / "sub" / name).unlink()
    (root / "pkg" / "sub").rmdir()
    os.symlink(outside, root / "pkg" / "sub")
    r = Repository.scan(root)
    assert _paths(r) == ["pkg/keep.py", "pkg/z.py"]
    assert r.skipped["outside the target"] == 2


def test_a_folder_swapped_for_a_link_after_the_scan_is_not_followed(tmp_path: Path) -> None:
    """A listed file's folder replaced by a link out of the target while the audit runs (a reviewer's race): every
    read asks again whether it is inside, not only the scan."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mod.py").write_text("SECRET_OUTSIDE = 1\n")
    root = tmp_path / "t"
    write_tree(root, {"pkg/mod.py": BARE})
    r = Repository.scan(root)
    assert _paths(r) == ["pkg/mod.py"] and r.read_bytes("pkg/mod.py") == BARE.encode()
    (root / "pkg" / "mod.py").unlink()
    (root / "pkg").rmdir()
    os.symlink(outside, root / "pkg")
    assert r.read_bytes("pkg/mod.py") is None


_SEGMENT = st.text(alphabet="ab.Xy_-/", min_size=0, max_size=12)


@given(st.lists(_SEGMENT, max_size=6).map("/".join))
def test_path_parts_are_pathlibs(path: str) -> None:
    # The scan splits paths by hand (pathlib cost it 0.1 s on Django); the rules must see what pathlib sees.
    from pathlib import PurePosixPath

    assert repo_module._parts(path) == [part for part in PurePosixPath(path).parts if not part.startswith("/")]


@given(st.text(alphabet="ab.X_-", max_size=10))
def test_name_suffix_is_pathlibs(name: str) -> None:
    from pathlib import PurePosixPath

    if name not in ("", ".", ".."):
        assert repo_module._suffix(name) == PurePosixPath(name).suffix


def test_plain_directory_honours_gitignore_and_skips_vendored_and_binary(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        ".gitignore": "secret/\n*.log\n", "app.py": BARE, "secret/x.py": BARE, "run.log": "x",
        "node_modules/lib/index.js": "x", "img.png": b"\x89PNG", "blob.txt": b"abc\0def",
        "gen.py": "# @generated by protoc\nx = 1\n", "big.py": "x" * (repo_module.MAX_FILE_SIZE + 1),
    })
    r = Repository.scan(root)
    assert _paths(r) == [".gitignore", "app.py"]
    assert dict(r.skipped) == {"ignored by .gitignore": 2, "vendored or build directory": 1, "binary": 2,
                               "generated": 1, "too large": 1}
    assert r.git is None


def test_non_utf8_and_odd_names(tmp_path: Path) -> None:
    root = tmp_path / "t"
    root.mkdir()
    for name in ("with space.py", "quote'\".py", "new\nline.py", "ünï.py"):
        (root / name).write_text(BARE)
    with open(os.fsencode(root) + b"/bad\xff.py", "wb") as fh:
        fh.write(BARE.encode())
    r = Repository.scan(root)
    assert _paths(r) == ["new\nline.py", "quote'\".py", "with space.py", "ünï.py"]
    assert r.skipped["file name not valid UTF-8"] == 1


def test_not_a_directory_and_missing(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(RepositoryError, match="not a directory"):
        Repository.scan(tmp_path / "f")
    with pytest.raises(RepositoryError, match="does not exist"):
        Repository.scan(tmp_path / "nope")


# -- git --------------------------------------------------------------------------------------------------------


def test_git_facts_unborn_detached_shallow_and_untracked(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitignore": "ignored.py\n"})
    git_init(root, commit=False)
    r = Repository.scan(root)
    assert r.git is not None and (r.git.commit, r.git.branch, r.git.dirty) == (None, "main", False)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    write_tree(root, {"ignored.py": BARE, "new.py": BARE})
    head = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "--detach")
    r = Repository.scan(root)
    assert r.git is not None and (r.git.commit, r.git.branch, r.git.shallow) == (head, None, False)
    assert _paths(r) == [".gitignore", "app.py", "new.py"]
    (root / "app.py").write_text(BARE + "x = 1\n")
    assert Repository.scan(root).git.dirty is True  # type: ignore[union-attr]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True, capture_output=True)
    r = Repository.scan(clone)
    assert r.git is not None and r.git.shallow and r.git.commit == head
    assert _paths(r) == [".gitignore", "app.py"]


def test_bare_repository_and_subfolder_of_a_work_tree(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"svc/app.py": BARE, "top.py": BARE})
    git_init(root)
    sub = Repository.scan(root / "svc")
    assert _paths(sub) == ["app.py"] and sub.git is not None
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(root), str(bare)], check=True, capture_output=True)
    r = Repository.scan(bare)
    assert r.git is None and "app.py" not in _paths(r)


def test_hostile_git_config_and_hooks_never_run(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitattributes": "*.py filter=evil\n"})
    git_init(root)
    markers = tmp_path / "markers"
    markers.mkdir()
    for key, name in (("core.fsmonitor", "fsmonitor"), ("filter.evil.clean", "clean"), ("filter.evil.smudge", "smudge"),
                      ("filter.evil.process", "process"), ("core.pager", "pager"), ("diff.external", "diff")):
        git(root, "config", key, f"touch {markers}/{name}; cat")
    for hook in ("post-index-change", "fsmonitor-watchman", "reference-transaction"):
        path = root / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\ntouch {markers}/hook-{hook}\n")
        path.chmod(0o755)
    os.utime(root / "app.py", (1, 1))  # stat data differs from the index: status must re-read the content
    r = Repository.scan(root)
    assert r.git is not None and r.git.commit is not None and r.git_error is None
    assert sorted(p.name for p in markers.iterdir()) == []
    assert _paths(r) == [".gitattributes", "app.py"]


def test_git_environment_of_a_hook_does_not_redirect_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = write_tree(tmp_path / "other", {"other.py": BARE})
    git_init(other)
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    git_init(root)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert _paths(Repository.scan(root)) == ["app.py"]


def test_the_targets_excludes_file_is_never_read(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitignore": "skip.py\n", "skip.py": BARE})
    git_init(root)
    os.mkfifo(root / "excludes")
    git(root, "config", "core.excludesFile", str(root / "excludes"))  # git would block reading the fifo
    r = Repository.scan(root)
    assert r.git is not None and r.git_error is None
    assert _paths(r) == [".gitignore", "app.py"]
    assert r.skipped["special file"] == 1 and r.skipped["ignored by .gitignore"] == 1


def test_a_git_that_times_out_falls_back_to_walking_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor import gitsafe

    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitignore": "skip.py\n", "skip.py": BARE})
    git_init(root)
    monkeypatch.setattr(gitsafe, "GIT_TIMEOUT", 1e-9)
    r = Repository.scan(root)
    assert r.git is None and r.git_error is not None and "did not finish" in r.git_error
    assert _paths(r) == [".gitignore", "app.py"]


def test_a_git_file_pointing_outside_reads_nothing_there(tmp_path: Path) -> None:
    other = write_tree(tmp_path / "other", {"secret.py": BARE})
    git_init(other)
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".git": f"gitdir: {other / '.git'}\n"})
    r = Repository.scan(root)
    assert "secret.py" not in _paths(r) and "app.py" in _paths(r)


# -- classification never raises ----------------------------------------------------------------------------------


@settings(deadline=None)  # a loaded CI machine is no bug
@given(st.text(max_size=200))
def test_classify_never_raises(path: str) -> None:
    language = classify_language(path)
    assert isinstance(language, str)
    assert classify_role(path, language) in {"source", "test", "migration", "config", "docs", "example", "data"}
    for lang in ("python", "typescript", "go", "sql", "yaml", "other"):
        classify_role(path, lang)


@pytest.mark.parametrize(("path", "language", "role"), [
    ("app/models.py", "python", "source"),
    ("tests/test_models.py", "python", "test"),
    ("backend/common/tests.py", "python", "test"),  # Django startapp's test module (django-react-boilerplate)
    ("src/user.spec.ts", "typescript", "test"),
    ("alembic/versions/1_init.py", "python", "migration"),
    ("src/test/java/AppTest.java", "java", "test"),
    ("docs/conf.py", "python", "example"),
    ("Dockerfile", "dockerfile", "config"),
    # folder names below a source tree are package names, not roles
    ("src/main/java/com/example/demo/App.java", "java", "source"),
    ("src/main/java/org/springframework/samples/petclinic/Owner.java", "java", "source"),
    ("src/main/java/com/acme/doc/DocService.java", "java", "source"),
    ("src/main/java/it/unimi/dsi/Util.java", "java", "source"),
    ("src/main/java/com/acme/test/Fixtures.java", "java", "source"),
    ("src/test/java/com/example/AppTest.java", "java", "test"),
    ("src/test/java/com/example/Helpers.java", "java", "test"),
    ("e2e/src/main/java/com/acme/Page.java", "java", "test"),
    ("java/com/example/Bazel.java", "java", "source"),
    ("examples/hello.rs", "rust", "example"),
    ("crates/api/examples/client.rs", "rust", "example"),
    ("examples/basic/src/main.rs", "rust", "example"),
    ("benches/routing.rs", "rust", "example"),
    ("src/examples/mod.rs", "rust", "source"),
    ("_examples/main.go", "go", "example"),
    ("internal/example/handler.go", "go", "example"),
    ("samples/app.py", "python", "example"),
    ("src/mypkg/examples/demo.py", "python", "source"),
    ("src/mypkg/tests/test_x.py", "python", "test"),
    ("src/docs/guide.md", "markdown", "docs"),
    ("doc/swagger/api.swagger.json", "json", "docs"),
    # scripts a JVM app serves from its resources are static files; its Angular app in src/main/webapp is code
    ("src/main/resources/static/assets/js/app.js", "javascript", "data"),
    ("app/src/main/resources/META-INF/resources/app/todos.js", "javascript", "data"),
    ("src/main/resources/db/migration/V1__init.sql", "sql", "migration"),
    ("src/main/webapp/app/app.component.ts", "typescript", "source"),
    ("src/test/javascript/e2e/app.spec.ts", "typescript", "test"),
    # a folder named for what it tests is a test harness (lemmy's api_tests/, Nx's api-e2e/, a gatling-tests module)
    ("api_tests/src/shared.ts", "typescript", "test"),
    ("apps/api-e2e/src/support/global-setup.ts", "typescript", "test"),
    ("gatling-tests/src/main/java/com/acme/Sim.java", "java", "test"),
    ("src/contest/rules.ts", "typescript", "source"),
    # code in a tool's dot-folder drives the tool (brocoders/nestjs-boilerplate's .hygen/ generator prompts)
    (".hygen/property/add-to-document/index.js", "javascript", "config"),
    (".github/scripts/release.py", "python", "config"),
    ("src/latest/feed.ts", "typescript", "source"),
    # Django's per-app test module (djangoproject.com's accounts/tests.py was held to source standards)
    ("accounts/tests.py", "python", "test"),
    ("accounts/contests.py", "python", "source"),
])
def test_classification_examples(path: str, language: str, role: str) -> None:
    assert (classify_language(path), classify_role(path, classify_language(path))) == (language, role)


# -- generated code: markers in the first comment lines only -----------------------------------------------------
@pytest.mark.parametrize(("head", "generated"), [
    ("// Code generated by sqlc. DO NOT EDIT.\n// versions:\npackage db\n", True),
    ("// Code generated by MockGen. DO NOT EDIT.\npackage mockdb\n", True),
    ("// Package docs Code generated by swaggo/swag. DO NOT EDIT\npackage docs\n", True),
    ("// Copyright 2024 Acme\n//\n// Code generated by protoc-gen-go. DO NOT EDIT.\npackage pb\n", True),
    ("// @generated by protoc-gen-es v1.2\nexport const x = 1;\n", True),
    ("# @generated\nx = 1\n", True),
    ("// <auto-generated />\nexport class Client {}\n", True),
    ("# This file is automatically generated by a tool\nx = 1\n", True),
    ("/**\n * NOTE: This class is auto generated by OpenAPI Generator.\n */\nexport class Pet {}\n", True),
    ("// Autogenerated by Thrift Compiler (0.9)\n", True),
    ("/* Autogenerated by Thrift Compiler */\n", True),
    ("/*\n * This file is generated by jOOQ.\n */\npackage com.acme.jooq;\n", True),
    # JPA and Hibernate annotations, Django and Alembic migrations, markers in code or far down: hand-written
    ("package com.acme;\n@Entity\nclass Product {\n  @Id @GeneratedValue Long id;\n}\n", False),
    ("package com.acme;\nclass P {\n  @Generated(event = INSERT) Instant created;\n}\n", False),
    ("# Generated by Django 4.2 on 2023-05-01 10:00\nfrom django.db import migrations\n", False),
    ("def upgrade():\n    # ### commands auto generated by Alembic - please adjust! ###\n    pass\n", False),
    ("BANNER = 'DO NOT EDIT'\n", False),
    ("x = 1\n" * 25 + "# DO NOT EDIT below\n", False),
    ("// do not edit this list by hand: keep it sorted\nconst a = [];\n", False),
])
def test_generated_markers(tmp_path: Path, head: str, generated: bool) -> None:
    name = "src/main/java/com/acme/Gen.java" if head.startswith(("package", "/**", "/*\n * This")) else "src/gen.py"
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_text(head, encoding="utf-8")
    r = Repository.scan(tmp_path)
    assert (_paths(r), dict(r.skipped)) == (([], {"generated": 1}) if generated else ([name], {}))


@given(st.binary(max_size=4096))
def test_generated_sniff_never_raises(head: bytes) -> None:
    assert repo_module._is_generated(head) in (True, False)


@pytest.mark.parametrize("use_git", [True, False])
def test_maven_wrapper_code_is_not_the_projects(tmp_path: Path, use_git: bool) -> None:
    write_tree(tmp_path, {
        ".mvn/wrapper/MavenWrapperDownloader.java": "public class MavenWrapperDownloader {}\n",
        ".mvn/wrapper/maven-wrapper.properties": "distributionUrl=https://repo.maven.apache.org/x.zip\n",
        "src/main/java/io/github/jhipster/sample/App.java": "package io.github.jhipster.sample;\nclass App {}\n",
    })
    if use_git:
        git_init(tmp_path)
    r = Repository.scan(tmp_path)
    assert (_paths(r), r.skipped["vendored or build directory"]) == (
        ["src/main/java/io/github/jhipster/sample/App.java"], 2 if use_git else 1)


# The marker regex before it was made linear: the reference the per-line scan must agree with.
_OLD_MARKER = __import__("re").compile(
    rb"^[ \t]*(?://+!?|#+|/\*+!?|\*+|--|<!--)[ \t]*(?:"
    rb".*\bDO NOT EDIT\b"
    rb"|.*?(?<![\w@])@generated\b"
    rb"|.*<auto-generated\b"
    rb"|.*\b(?i:auto-?generated by|autogenerated file|this (?:file|code|class|module) (?:is|was|has been) "
    rb"(?:automatically |auto[- ]?)generated|generated automatically by)\b"
    rb")",
    __import__("re").MULTILINE,
)

_MARKER_PIECES = st.sampled_from([b"//", b"#", b"/*", b"*", b"--", b"<!--", b"!", b" ", b"\t", b"@generated", b"x@generated",
                                  b"DO NOT EDIT", b"<auto-generated", b"Auto-generated by", b"this file was automatically generated",
                                  b"\n", b"a", b"_", b"@", b"DO NOT EDITOR", b"generated automatically by"])


@settings(deadline=None)
@given(st.lists(_MARKER_PIECES, max_size=30).map(b"".join))
def test_generated_sniff_agrees_with_the_old_regex(head: bytes) -> None:
    first = b"\n".join(head[:4096].split(b"\n", 20)[:20])
    assert repo_module._is_generated(head) is bool(_OLD_MARKER.search(first))


def test_generated_sniff_is_linear_on_comment_runs() -> None:
    # 300 such heads took 81 s with the old regex; each is one linear pass now (no timing assertion: the old cost
    # would hit the suite's timeout).
    for ch in (b"#", b"/", b"*", b"-"):
        assert repo_module._is_generated(ch * 4096) is False
        assert repo_module._is_generated(ch * 4000 + b" DO NOT EDIT") is True


def test_minified_javascript_without_a_min_name_is_left_out(make_repo: Callable[..., Path]) -> None:
    """issue 9: djangoproject.com vendors RequireJS as `static/js/lib/require.js`, minified (a licence comment,
    then lines of ~500 characters), and its `check` function was a maintainability/complexity finding. Such a file
    is a minifier's output, left out like `*.min.js`; a hand-written file with one long line (a data URL) is kept."""
    statement = "function G(b){return\"[object Function]\"===K.call(b)}function H(b){return\"[object Array]\"===K.call(b)}"
    minified = ("/*\n RequireJS 2.1.15 Copyright (c) 2010-2014, The Dojo Foundation All Rights Reserved.\n"
                " Available via the MIT or new BSD license.\n*/\nvar requirejs,require,define;\n"
                + "\n".join(statement * 5 for _ in range(12)) + "\n")
    handwritten = ("const ICON = 'data:image/png;base64," + "iVBORw0KGgo" * 300 + "';\n"
                   + "".join(f"export function f{i}(x) {{\n  return x + {i};\n}}\n" for i in range(60)))
    root = make_repo({"djangoproject/static/js/lib/require.js": minified, "djangoproject/static/js/app.js": handwritten})
    repo = Repository.scan(root)
    assert [f.path for f in repo.files] == ["djangoproject/static/js/app.js"]
    assert repo.skipped["minified"] == 1


def test_mybatis_generator_output_is_generated_code(make_repo: Callable[..., Path]) -> None:
    """issue 9: macrozheng/mall's mall-mbg holds MyBatis Generator output (models, `*Example` criteria classes,
    mappers) with no marker in the files; its generatorConfig.xml names the packages, so they are left out as
    generated, while the generator's own code and the hand-written service are kept."""
    config = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE generatorConfiguration PUBLIC '
              '"-//mybatis.org//DTD MyBatis Generator Configuration 1.0//EN" '
              '"http://mybatis.org/dtd/mybatis-generator-config_1_0.dtd">\n<generatorConfiguration>\n'
              '  <context id="c" targetRuntime="MyBatis3">\n'
              '    <javaModelGenerator targetPackage="com.shop.model" targetProject="shop-mbg\\src\\main\\java"/>\n'
              '    <javaClientGenerator type="XMLMAPPER" targetPackage="com.shop.mapper" targetProject="src/main/java"/>\n'
              '  </context>\n</generatorConfiguration>\n')
    root = make_repo({
        "shop-mbg/src/main/resources/generatorConfig.xml": config,
        "shop-mbg/src/main/java/com/shop/model/Order.java": "package com.shop.model;\npublic class Order {}\n",
        "shop-mbg/src/main/java/com/shop/model/OrderExample.java": "package com.shop.model;\npublic class OrderExample {}\n",
        "shop-mbg/src/main/java/com/shop/mapper/OrderMapper.java": "package com.shop.mapper;\npublic interface OrderMapper {}\n",
        "shop-mbg/src/main/java/com/shop/Generator.java": "package com.shop;\npublic class Generator {}\n",
        "shop-app/src/main/java/com/shop/model/Cart.java": "package com.shop.model;\npublic class Cart {}\n",
        "other/generatorConfig.xml": "<beans><javaModelGenerator targetPackage='com.shop.model' "
                                     "targetProject='shop-app/src/main/java'/></beans>",
    })
    repo = Repository.scan(root)
    assert [f.path for f in repo.files if f.language == "java"] == [
        "shop-app/src/main/java/com/shop/model/Cart.java", "shop-mbg/src/main/java/com/shop/Generator.java"]
    assert repo.skipped["generated"] == 3
