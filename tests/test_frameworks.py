"""The framework and library tables are probed by prefix: the same answers as matching every entry in turn."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analysis.frameworks import CACHE_LIBRARIES, STRUCTURED_LOGGERS, _libraries_by_prefix, _matches, _prefixes

MODULES = st.text(alphabet="ab./:-_", max_size=12)


@given(MODULES)
def test_the_prefixes_probed_are_exactly_those_a_module_matches(module: str) -> None:
    assert set(_prefixes(module)) == {module[:i] for i in range(len(module) + 1) if _matches(module, module[:i])}


def test_every_library_is_found_under_each_of_its_import_prefixes() -> None:
    for table in (CACHE_LIBRARIES, STRUCTURED_LOGGERS):
        index = _libraries_by_prefix(table)
        for family, libraries in table.items():
            for lib in libraries:
                for prefix in lib.imports:
                    assert lib in index[family][prefix]
                    assert any(lib in index[family].get(p, ()) for p in _prefixes(prefix + ".sub"))
