"""Build every file's model in worker processes: both cores parse and analyse, the parent keeps only bytes.

Each worker (a forked child, supervised by auditor.isolation like the checks) reads its files, parses,
analyses, encodes the `FileModel` and drops the tree before the next file, so no syntax tree outlives its
file. A file whose analysis overruns its time limit, or crashes the interpreter (a C parser fault), becomes
a parse problem of that file; a fresh worker carries on with the rest of the shard.

The parent stores the models as compact marshal bytes (analysis.model.FileModel.to_bytes); check processes
decode what they read (analysis.project.ProjectAnalysis).
"""

from __future__ import annotations

import gc
import marshal
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analysis.cache import ModelCache
from analysis.model import FileModel

if TYPE_CHECKING:
    from auditor.repo import Repository

__all__ = ["ANALYSED_LANGUAGES", "ModelStore", "build_models"]

# Languages whose files the adapters read into facts; every other text file gets a model with its secrets only.
ANALYSED_LANGUAGES = frozenset({"python", "typescript", "javascript", "java", "go", "rust"})
SUPPRESSION_MARKER = b"auditor:"  # what every inline suppression comment holds (auditor.triage)
FILE_TIMEOUT = 60.0  # seconds for one file's parse and analysis
Progress = Callable[[str, int, int], None]


@dataclass
class ModelStore:
    """The encoded model of every analysed file, by repository path, and what could not be analysed.

    A store made with `ModelStore.lazy(repo)` analyses a file in this process the first time it is asked for
    (what a check run outside a full audit, e.g. in a unit test or a plugin's own test, gets)."""

    encoded: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (kind, message)
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)  # parse problems of analysed files
    # path -> the parser that read it, for the files of ANALYSED_LANGUAGES read into facts ("ast",
    # "tree-sitter-python", "tree-sitter", ...): the report counts them (facts.files.parsers)
    parsers: dict[str, str] = field(default_factory=dict)
    cached: int = 0  # models taken from the cache
    # the analysed files whose bytes hold SUPPRESSION_MARKER, noted by the worker that read them or
    # kept with their cached model: the suppression scan reads only these (and any file without a model)
    marked: set[str] = field(default_factory=set)
    seconds: float = 0.0
    _decoded: dict[str, FileModel | None] = field(default_factory=dict, repr=False)
    _repo: Repository | None = field(default=None, repr=False)

    @classmethod
    def lazy(cls, repo: Repository) -> ModelStore:
        return cls(_repo=repo)

    def has(self, path: str) -> bool:
        if path in self.encoded:
            return True
        if self._repo is None:
            return False
        return self._repo.get(path) is not None

    def model(self, path: str) -> FileModel | None:
        """The decoded model of `path` (decoded once per process), None when it was not analysed."""
        if path in self._decoded:
            return self._decoded[path]
        data = self.encoded.get(path)
        model: FileModel | None = None
        if data is not None:
            model = _decode(data)
        elif self._repo is not None:
            model = self._analyse(path)
        self._decoded[path] = model
        if model is not None and model.parsed and model.language in ANALYSED_LANGUAGES:
            self.parsers[path] = model.parser
        return model

    def _analyse(self, path: str) -> FileModel | None:
        from analysis import analyse_file

        assert self._repo is not None
        info = self._repo.get(path)
        if info is None:
            return None
        data = self._repo.read_bytes(path)
        return analyse_file(path, info.language, info.role, data) if data is not None else None

    def add(self, model: FileModel) -> None:
        self.encoded[model.path] = model.to_bytes()
        self._decoded.pop(model.path, None)


def _decode(data: bytes) -> FileModel:
    """A model decoded with the cyclic collector paused: the check processes run with it on, and decoding creates
    hundreds of thousands of tuples (on Django, every model: 1.7 s with collections in between, 0.45 s without);
    marshalled tuples of strings and numbers form no cycles, so nothing is left for it to find."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return FileModel.from_bytes(data)
    finally:
        if enabled:
            gc.enable()


def _shards(files: Sequence[tuple[str, str, str, int]], count: int) -> list[list[tuple[str, str, str, int]]]:
    """Files split into `count` shards of about equal bytes (largest first, each to the lightest shard)."""
    shards: list[list[tuple[str, str, str, int]]] = [[] for _ in range(max(1, count))]
    loads = [0] * len(shards)
    for item in sorted(files, key=lambda f: -f[3]):
        i = loads.index(min(loads))
        shards[i].append(item)
        loads[i] += item[3] + 2048  # a fixed cost per file besides its size
    return [s for s in shards if s]


def build_models(
    files: Sequence[tuple[str, str, str, int]],
    read: Callable[[str], bytes | None],
    *,
    jobs: int = 0,
    progress: Progress | None = None,
    deadline: float | None = None,
    cache: ModelCache | None = None,
    blobs: Mapping[str, str] | None = None,
) -> ModelStore:
    """The models of `files` ((path, language, role, size) each), read with `read(path)`.

    `deadline` (time.monotonic) bounds the whole phase: files not analysed by then are failures
    ("cut": the audit time budget was exhausted). With a `cache`, a file whose bytes, path, language and role
    were analysed before (by this model version) is taken from it instead of being parsed again; a file with
    a git blob id in `blobs` (clean in the work tree, see Repository.blobs) is looked up by it, unread.
    """
    from analysis import analyse_file
    from auditor.isolation import Unit, run_units

    store = ModelStore()
    started = time.perf_counter()
    wanted = list(files)
    if not wanted:
        return store
    jobs = jobs or min(4, os.cpu_count() or 1)

    if cache is not None:
        from analysis.secrets import set_fingerprint_key

        set_fingerprint_key(cache.secret("secret-fingerprints"))  # before the workers fork: they inherit it

    if cache is not None and blobs:
        wanted = _take_cached(store, wanted, cache, blobs)
        if not wanted:
            store.seconds = time.perf_counter() - started
            return store

    def unit(path: str, language: str, role: str) -> Callable[[], object]:
        def run() -> object:
            data = read(path)
            if data is None:
                return None
            key = ""
            if cache is not None:
                blob = blobs.get(path) if blobs is not None else None
                if blob:  # looked up by the parent already (_take_cached), and not found
                    key = ModelCache.content_entry_key(path, language, role, f"git:{blob}")
                else:
                    key = ModelCache.entry_key(path, language, role, data)
                    entry = cache.get(key)
                    if entry is not None:
                        problem, encoded, parser, marked = marshal.loads(entry)  # noqa: S302 - MAC-verified, ours
                        return encoded, (tuple(problem) if problem else None), True, parser, "", marked
            model = analyse_file(path, language, role, data)
            encoded = model.to_bytes()
            parser = model.parser if model.parsed and language in ANALYSED_LANGUAGES else ""
            # the parent writes the new models as one pack
            return encoded, model.problem, False, parser, key, SUPPRESSION_MARKER in data

        return run

    units = []
    for n, shard in enumerate(_shards(wanted, jobs * 2 if len(wanted) > 200 else 1)):
        for path, language, role, _size in shard:
            timeout = FILE_TIMEOUT
            if deadline is not None:
                timeout = max(0.1, min(timeout, deadline - time.monotonic()))
            units.append(Unit(path, f"analysis-{n}", unit(path, language, role), timeout))
    done = iter(range(len(units) + 1))

    def on_start(u: Unit) -> None:
        i = next(done, len(units))
        if progress is not None and i % 200 == 0:
            progress("analysing", i, len(units))

    outcomes = run_units(units, jobs=jobs, on_start=on_start, deadline=deadline)
    # (path, problem, parser, key, marked) of the models made now
    new: list[tuple[str, tuple[str, str] | None, str, str, bool]] = []
    for u in units:
        outcome = outcomes.get(u.name)
        if outcome is None:
            store.failures[u.name] = ("cut", "not analysed: the audit time budget was exhausted")
        elif outcome.kind == "ok":
            if isinstance(outcome.value, tuple):
                encoded, problem, cached, parser, key, marked = outcome.value
                if key:
                    new.append((u.name, problem, parser, key, marked))
                if marked:
                    store.marked.add(u.name)
                _keep(store, u.name, encoded, problem, bool(cached), parser)
        elif outcome.kind == "timeout":
            store.failures[u.name] = ("timeout", f"analysis {outcome.reason}")
        else:
            store.failures[u.name] = ("crash", f"analysis failed: {outcome.reason}"[:300])
    if cache is not None and new:
        cache.put_many((key, marshal.dumps((problem, store.encoded[path], parser, marked)))
                       for path, problem, parser, key, marked in new)
    store.seconds = time.perf_counter() - started
    return store


def _keep(store: ModelStore, path: str, encoded: bytes, problem: tuple[str, str] | None, cached: bool,
          parser: str) -> None:
    store.encoded[path] = encoded
    store.cached += cached
    if parser:
        store.parsers[path] = parser
    if problem is not None:
        store.problems[path] = problem


def _take_cached(store: ModelStore, files: list[tuple[str, str, str, int]], cache: ModelCache,
                 blobs: Mapping[str, str]) -> list[tuple[str, str, str, int]]:
    """Put the cached models of the files git vouches for (a blob id: unread, unhashed) into `store`, read here
    in the parent, pack by pack; the files left to the workers (changed, untracked, or not in the cache)."""
    path_of = {ModelCache.content_entry_key(f[0], f[1], f[2], f"git:{blobs[f[0]]}"): f[0] for f in files if f[0] in blobs}
    taken: set[str] = set()
    for key, entry in cache.get_many(path_of):  # each body decoded and let go before the next is read
        try:
            problem, encoded, parser, marked = marshal.loads(entry)  # noqa: S302 - MAC-verified, our own cache
        except (ValueError, EOFError, TypeError):  # a body of another layout under a valid MAC: analyse it afresh
            continue
        path = path_of[key]
        _keep(store, path, encoded, tuple(problem) if problem else None, True, parser)
        if marked:
            store.marked.add(path)
        taken.add(path)
    return [item for item in files if item[0] not in taken]
