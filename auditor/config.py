"""Configuration: `[tool.auditor]` in the target's pyproject.toml, an `.auditor.toml`, or `--config FILE`.

Every key is validated; a wrong key or type is a `ConfigError` whose one-line message names the file
and the key, so the CLI can print it and exit 2.

The target's own files are the target's word, so what they may set is capped: time limits are clamped into
TARGET_LIMITS (with a warning) and category weights must lie in [0.1, 10]. A file the user names with
`--config` is trusted: validated, not capped. Warnings (a clamped value, an `.auditor.toml` that shadows
`[tool.auditor]`) are returned as data in `Config.warnings`; the CLI prints them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.ignore import IgnoreFile, InvalidPattern
from auditor.model import CHECK_ID_PATTERN, JSONValue, Severity
from auditor.safeio import UnreadableFile, read_file

__all__ = ["DEFAULT_CATEGORY_WEIGHTS", "TARGET_LIMITS", "TARGET_WEIGHTS", "Config", "ConfigError", "GateConfig"]

MAX_CONFIG_BYTES = 4 * 1024 * 1024
# What the target's own configuration may set: (low, high) seconds, values outside are clamped.
TARGET_LIMITS: dict[str, tuple[float, float]] = {
    "check_timeout": (10.0, 900.0),
    "audit_timeout": (60.0, 3600.0),
    "run_tests_timeout": (10.0, 3600.0),
}
TARGET_WEIGHTS = (0.1, 10.0)  # a category weight from the target's own file must lie here (0 would drop a category)

DEFAULT_THRESHOLDS: dict[str, float] = {
    "coverage": 80.0,  # percent of lines covered
    "typing": 90.0,  # percent of functions fully annotated
    "openapi_documented": 90.0,  # percent of endpoints in code that the spec documents
}

DEFAULT_CATEGORY_WEIGHTS: dict[str, float] = {
    "testing": 1.0,
    "api": 1.0,
    "database": 1.0,
    "typing": 1.0,
    "error-handling": 1.0,
    "security": 1.5,
    "operability": 1.0,
    "maintainability": 0.75,
}


class ConfigError(Exception):
    """Invalid configuration; the message is one line naming the file and the key."""


@dataclass(frozen=True, slots=True)
class GateConfig:
    fail_under: float | None = 70.0
    fail_on: Severity | None = Severity.CRITICAL
    # Regression against the previous audit of the same branch in a history database (--history DB):
    max_drop: float = 0.5  # a score drop of more than this many points is a regression
    regression_severity: Severity = Severity.HIGH  # any new finding at or above this is a regression
    fail_on_regression: bool = False  # whether a regression fails the gate (--fail-on-regression)


@dataclass(frozen=True, slots=True)
class Config:
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CATEGORY_WEIGHTS))
    severity: Mapping[str, Severity] = field(default_factory=dict)
    gate: GateConfig = field(default_factory=GateConfig)
    check_timeout: float = 120.0
    run_tests_timeout: float = 600.0
    audit_timeout: float = 1800.0  # seconds for the whole audit: scan, parse and checks
    source: str | None = None  # the file it came from, for messages
    warnings: tuple[str, ...] = ()  # one line each, for the CLI to print
    # `[tool.auditor.options."<check id>"]`: option name -> value, checked against what each check declares
    # (`check_options`) once the checks are known.
    options: Mapping[str, Mapping[str, JSONValue]] = field(default_factory=dict)

    def threshold(self, name: str) -> float:
        return float(self.thresholds.get(name, DEFAULT_THRESHOLDS.get(name, 0.0)))

    def check_options(self, declared: Mapping[str, Mapping[str, JSONValue]]) -> None:
        """Raise ConfigError unless every configured option names a known check (`declared`: check id -> its
        options with their defaults) and an option it declares, with a value of the default's type."""
        where = self.source or "<config>"
        for check_id, values in self.options.items():
            if check_id not in declared:
                raise ConfigError(f"{where}: 'options.\"{check_id}\"': no such check (see `auditor checks`)")
            for name, value in values.items():
                key = f"options.\"{check_id}\".{name}"
                defaults = declared[check_id]
                if name not in defaults:
                    known = ", ".join(sorted(defaults)) or "none"
                    raise ConfigError(f"{where}: unknown key '{key}' (options of {check_id}: {known})")
                if not _same_kind(value, defaults[name]):
                    raise ConfigError(f"{where}: '{key}' must be {_kind_name(defaults[name])}")

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    # -- loading ----------------------------------------------------------------------------------
    @classmethod
    def load(cls, target: str | Path, explicit: str | Path | None = None) -> Config:
        """The configuration for `target`: `explicit` if given, else `.auditor.toml`, else pyproject.toml."""
        if explicit is not None:
            path = Path(explicit)
            table = _read_table(path, required=True, in_pyproject=path.name == "pyproject.toml", trusted=True)
            return cls.from_mapping(table or {}, str(path))
        root = Path(target)
        dotfile = root / ".auditor.toml"
        pyproject = root / "pyproject.toml"
        warnings: list[str] = []
        if os.path.lexists(dotfile):
            table = _read_table(dotfile, required=True, in_pyproject=False, trusted=False, warnings=warnings)
            if table is not None:
                if os.path.lexists(pyproject) and _read_table(pyproject, required=False, in_pyproject=True,
                                                              trusted=False, warnings=[]) is not None:
                    warnings.append(f"{dotfile} is used; the [tool.auditor] table in {pyproject} is ignored")
                config = cls.from_mapping(table, str(dotfile), trusted=False)
                return replace(config, warnings=(*warnings, *config.warnings))
        if os.path.lexists(pyproject):
            table = _read_table(pyproject, required=False, in_pyproject=True, trusted=False, warnings=warnings)
            if table is not None:
                config = cls.from_mapping(table, str(pyproject), trusted=False)
                return replace(config, warnings=(*warnings, *config.warnings))
        return cls(warnings=tuple(warnings))

    def check_names(self, check_ids: Iterable[str], categories: Iterable[str]) -> None:
        """ConfigError naming the file and the key when [severity] names an unknown check or [weights] an
        unknown category (a typo there would silently change nothing)."""
        known_ids = set(check_ids)
        known_categories = set(categories) | set(DEFAULT_CATEGORY_WEIGHTS)
        source = self.source or "<config>"
        for name in self.severity:
            if name not in known_ids:
                raise ConfigError(f"{source}: 'severity.{name}': no such check (see `auditor checks`)")
        for name in self.weights:
            if name not in known_categories:
                raise ConfigError(f"{source}: 'weights.{name}': no such category (known: {', '.join(sorted(known_categories))})")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<config>", *, trusted: bool = True) -> Config:
        """Validate `data`. `trusted=False` (the target's own file) caps what it may set."""
        v = _Validator(source)
        known = {"only", "skip", "exclude", "thresholds", "weights", "severity", "gate", "check_timeout", "run_tests_timeout",
                 "audit_timeout", "options"}
        for key in data:
            if key not in known:
                raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        thresholds = dict(DEFAULT_THRESHOLDS)
        for name, value in v.table(data, "thresholds").items():
            if name not in DEFAULT_THRESHOLDS:
                raise ConfigError(f"{source}: unknown key 'thresholds.{name}' (known: {', '.join(DEFAULT_THRESHOLDS)})")
            thresholds[name] = v.number(value, f"thresholds.{name}", 0, 100)
        weights = dict(DEFAULT_CATEGORY_WEIGHTS)
        low, high = (0.0, 1000.0) if trusted else TARGET_WEIGHTS
        for name, value in v.table(data, "weights").items():
            weights[name] = v.number(value, f"weights.{name}", low, high)
        severity: dict[str, Severity] = {}
        for name, value in v.table(data, "severity").items():
            if not isinstance(value, str):
                raise ConfigError(f"{source}: 'severity.{name}' must be a string")
            try:
                severity[name] = Severity.parse(value)
            except ValueError as exc:
                raise ConfigError(f"{source}: 'severity.{name}': {exc}") from None
        gate_table = v.table(data, "gate")
        gate_keys = ("fail_under", "fail_on", "max_drop", "regression_severity", "fail_on_regression")
        for key in gate_table:
            if key not in gate_keys:
                raise ConfigError(f"{source}: unknown key 'gate.{key}' (known: {', '.join(sorted(gate_keys))})")
        gate = GateConfig()
        if "fail_under" in gate_table:
            gate = replace(gate, fail_under=v.number(gate_table["fail_under"], "gate.fail_under", 0, 100))
        if "fail_on" in gate_table:
            gate = replace(gate, fail_on=v.fail_on(gate_table["fail_on"], "gate.fail_on"))
        if "max_drop" in gate_table:
            gate = replace(gate, max_drop=v.number(gate_table["max_drop"], "gate.max_drop", 0, 100))
        if "regression_severity" in gate_table:
            gate = replace(gate, regression_severity=v.regression_severity(gate_table["regression_severity"]))
        if "fail_on_regression" in gate_table:
            if not isinstance(gate_table["fail_on_regression"], bool):
                raise ConfigError(f"{source}: 'gate.fail_on_regression' must be true or false")
            gate = replace(gate, fail_on_regression=gate_table["fail_on_regression"])
        exclude = v.strings(data, "exclude")
        try:
            IgnoreFile.from_patterns(exclude)
        except InvalidPattern as exc:
            raise ConfigError(f"{source}: 'exclude': {exc}") from None
        limits: dict[str, float] = {}
        warnings: list[str] = []
        for key, default in (("check_timeout", 120.0), ("run_tests_timeout", 600.0), ("audit_timeout", 1800.0)):
            # The user's own file is checked; the target's is clamped whatever it says.
            value = v.number(data.get(key, default), key, 1, 86400 * 7) if trusted else \
                v.number(data.get(key, default), key, 0, float("inf"))
            if not trusted:
                low, high = TARGET_LIMITS[key]
                clamped = min(high, max(low, value))
                if clamped != value:
                    warnings.append(f"{source}: '{key}' = {value:g} is outside what a target's own configuration "
                                    f"may set ({low:g}..{high:g}); {clamped:g} is used (pass --config to go beyond)")
                value = clamped
            limits[key] = value
        return cls(
            only=v.strings(data, "only"),
            skip=v.strings(data, "skip"),
            exclude=exclude,
            thresholds=thresholds,
            weights=weights,
            severity=severity,
            gate=gate,
            check_timeout=limits["check_timeout"],
            run_tests_timeout=limits["run_tests_timeout"],
            audit_timeout=limits["audit_timeout"],
            source=source,
            warnings=tuple(warnings),
            options=_options(v, data),
        )


def _options(v: _Validator, data: Mapping[str, Any]) -> dict[str, dict[str, JSONValue]]:
    """`options` as check id -> option name -> value; names and types are checked against the checks later."""
    out: dict[str, dict[str, JSONValue]] = {}
    for check_id, table in v.table(data, "options").items():
        if not CHECK_ID_PATTERN.match(check_id):
            raise ConfigError(f"{v.source}: 'options.{check_id}' is not a check id (family/name, quoted in TOML: "
                              f"[tool.auditor.options.\"family/name\"])")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{v.source}: 'options.\"{check_id}\"' must be a table")
        values: dict[str, JSONValue] = {}
        for name, value in table.items():
            if not _option_value(value):
                raise ConfigError(f"{v.source}: 'options.\"{check_id}\".{name}' must be a number, a string, true/false "
                                  "or a list of those")
            values[name] = value
        out[check_id] = values
    return out


def _option_value(value: object) -> bool:
    if isinstance(value, list):
        return all(isinstance(x, bool | int | float | str) for x in value)
    return isinstance(value, bool | int | float | str)


def _same_kind(value: object, default: object) -> bool:
    """An option keeps its default's type; an integer default accepts whole numbers, a float default any number."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, int):
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, list):
        return isinstance(value, list)
    return isinstance(value, type(default)) if default is not None else True


def _kind_name(default: object) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, list):
        return "a list"
    return "a string" if isinstance(default, str) else "a value"


def parse_regression_severity(value: str) -> Severity:
    """The history keeps fingerprints of findings at or above medium, so only those can be told new."""
    severity = Severity.parse(value)
    if severity.rank < Severity.MEDIUM.rank:
        raise ValueError(f"must be critical, high or medium, not {value!r} (the history keeps findings from medium up)")
    return severity


def parse_fail_on(value: str) -> Severity | None:
    """`none` disables the severity gate; otherwise a severity name."""
    if value.strip().lower() in ("none", "off", "never"):
        return None
    return Severity.parse(value)


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.source}: '{key}' must be a table")
        return value

    def strings(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise ConfigError(f"{self.source}: '{key}' must be a list of strings")
        return tuple(value)

    def number(self, value: object, key: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self.source}: '{key}' must be a number")
        if not low <= value <= high:
            raise ConfigError(f"{self.source}: '{key}' must be between {low:g} and {high:g}")
        return float(value)

    def regression_severity(self, value: object) -> Severity:
        if not isinstance(value, str):
            raise ConfigError(f"{self.source}: 'gate.regression_severity' must be a string")
        try:
            return parse_regression_severity(value)
        except ValueError as exc:
            raise ConfigError(f"{self.source}: 'gate.regression_severity': {exc}") from None

    def fail_on(self, value: object, key: str) -> Severity | None:
        if not isinstance(value, str):
            raise ConfigError(f"{self.source}: '{key}' must be a string")
        try:
            return parse_fail_on(value)
        except ValueError as exc:
            raise ConfigError(f"{self.source}: '{key}': {exc}") from None


def _read_table(path: Path, *, required: bool, in_pyproject: bool, trusted: bool,
                warnings: list[str] | None = None) -> dict[str, Any] | None:
    """The auditor's table in `path`. A target's file that is not a regular file is skipped with a warning; one
    that does not parse and never mentions the auditor is the target's business, not a configuration error."""
    try:
        raw = read_file(path, MAX_CONFIG_BYTES, truncate=False, follow=trusted)
    except UnreadableFile as exc:
        if exc.missing:
            if required and trusted:
                raise ConfigError(f"{path}: configuration file not found") from None
            return None
        if not trusted and "not a regular file" in exc.reason:
            if warnings is not None:
                warnings.append(f"{path} is ignored: {exc.reason}")
            return None
        if "larger than" in exc.reason:
            raise ConfigError(f"{path}: configuration file is too large") from None
        raise ConfigError(f"{path}: cannot read configuration: {exc.reason}") from None
    mentions_us = b"tool.auditor" in raw or not in_pyproject
    try:
        text = raw.decode("utf-8")
        doc = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, MemoryError) as exc:
        # A target's pyproject.toml that does not mention us is the target's business, not our config.
        if not required and not mentions_us:
            return None
        if isinstance(exc, RecursionError | MemoryError):
            raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: invalid TOML: {reason}") from None
    if in_pyproject:
        tool = doc.get("tool", {})
        table = tool.get("auditor") if isinstance(tool, dict) else None
        if table is None:
            return {} if required else None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'tool.auditor' must be a table")
        return table
    if "tool" in doc and isinstance(doc["tool"], dict) and "auditor" in doc["tool"] and len(doc) == 1:
        table = doc["tool"]["auditor"]
        return table if isinstance(table, dict) else {}
    return doc
