"""Check processes decode the models they read with the cyclic collector paused, and leave it as they found it."""

from __future__ import annotations

import gc

from analysis import analyse_file
from analysis.pool import ModelStore

SOURCE = "\n".join(f"def f{i}(a, b):\n    x = call_{i}(a, b=b)\n    return helper(x, {i})\n" for i in range(3000))


def _store() -> tuple[ModelStore, object]:
    model = analyse_file("app/big.py", "python", "source", SOURCE.encode())
    return ModelStore(encoded={"app/big.py": model.to_bytes()}), model


def test_decoding_a_large_model_runs_no_collection_and_gives_the_model() -> None:
    store, model = _store()
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    was = gc.isenabled()
    gc.enable()
    gc.callbacks.append(count)
    try:
        decoded = store.model("app/big.py")
        assert decoded is not None
        calls = decoded.calls  # sections are decoded when first read, with the collector paused again
        assert gc.isenabled()  # switched back on
    finally:
        gc.callbacks.remove(count)
        if not was:
            gc.disable()
    # Switching the collector back on may run one cheap young-generation pass at the next allocation (the count
    # kept growing while it was off), once after the header and once after the section; none runs during the
    # decode, which without the pause took dozens, older generations among them.
    assert len(collections) <= 2 and all(generation == 0 for generation in collections), collections
    assert decoded == model and len(decoded.functions) == 3000 and len(calls) == 6000 and calls is decoded.calls


def test_a_section_is_decoded_when_first_read_issue_14() -> None:
    """A check process pays only for the sections its checks read: the others stay marshalled bytes."""
    from analysis.model import FileModel

    model = analyse_file("app/big.py", "python", "source", SOURCE.encode())
    decoded = FileModel.from_bytes(model.to_bytes())
    assert decoded.path == "app/big.py" and decoded.lines == model.lines  # the header is decoded at once
    undecoded = {name for name in ("calls", "functions", "handlers") if name not in _set_slots(decoded)}
    assert undecoded == {"calls", "functions", "handlers"}
    assert decoded.calls == model.calls and "calls" in _set_slots(decoded) and "functions" not in _set_slots(decoded)
    assert decoded.handlers == () and decoded.functions == model.functions
    assert decoded == model


def _set_slots(model: object) -> set[str]:
    out = set()
    for name in type(model).__slots__:  # type: ignore[attr-defined]
        try:
            object.__getattribute__(model, name)
        except AttributeError:
            continue
        out.add(name)
    return out


def test_a_paused_collector_stays_paused() -> None:
    store, _ = _store()
    was = gc.isenabled()
    gc.disable()
    try:
        assert store.model("app/big.py") is not None
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_a_check_process_freezes_what_each_unit_left_alive() -> None:
    from auditor.isolation import Unit, fork_available, run_units

    if not fork_available():
        return
    kept: list[object] = []

    def first() -> object:
        kept.append([[i] for i in range(1000)])  # outlives the unit, like a decoded model or a memoised fact
        return gc.get_freeze_count()

    def second() -> object:
        return gc.get_freeze_count()

    out = run_units([Unit("a", "g", first, 30), Unit("b", "g", second, 30)], jobs=1)
    before, after = out["a"].value, out["b"].value
    assert isinstance(before, int) and isinstance(after, int)
    assert after >= before + 1000


def test_models_are_equal_by_value_not_by_their_bytes() -> None:
    """marshal's bytes also say how objects are shared: a model and its pickled copy, or one decoded lazily and then
    read, are equal models though they may marshal differently (found by a reviewer)."""
    import pickle

    from analysis.model import FileModel

    model = analyse_file("app/big.py", "python", "source", SOURCE.encode())
    decoded = FileModel.from_bytes(model.to_bytes())
    copied = pickle.loads(pickle.dumps(decoded))
    assert copied == decoded == model and copied.calls == model.calls
    changed = FileModel.from_bytes(model.to_bytes())
    changed.role = "test"
    assert changed != model
