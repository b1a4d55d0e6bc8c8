"""The analysis layer: one reading of each language into a shared model of facts, which every check queries.

`analyse_file(path, language, role, data)` builds the `FileModel` of one file (analysis/model.py) with the
adapter for its language; `ProjectAnalysis` (analysis/project.py) answers the questions checks ask of a
project's files. No judgement lives here: checks decide what is a finding and how severe.
"""

from __future__ import annotations

from analysis.model import MODEL_VERSION, FileModel

__all__ = ["MODEL_VERSION", "FileModel", "analyse_file"]


def analyse_file(path: str, language: str, role: str, data: bytes) -> FileModel:
    """The model of one file, by its language's adapter, with the secrets it holds. Never raises for bad input.

    Files of other languages (configuration, documentation, data) get a model with their secrets only."""
    from analysis.secrets import scan_secrets

    if language == "python":
        from analysis.python import analyse_python

        model = analyse_python(path, role, data)
    elif language == "go":
        from analysis.go import analyse_go

        model = analyse_go(path, role, data)
    elif language in ("typescript", "javascript"):
        from analysis.javascript import analyse_javascript

        model = analyse_javascript(path, role, data, lang=language)
    elif language == "rust":
        from analysis.rust import analyse_rust

        model = analyse_rust(path, role, data)
    elif language == "java":
        from analysis.java import analyse_java

        model = analyse_java(path, role, data)
    else:
        model = FileModel(path, language, role, "text")
    model.secrets = scan_secrets(path, data)
    return model
