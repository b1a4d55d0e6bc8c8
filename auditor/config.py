"""Configuration: `[tool.auditor]` in the target's pyproject.toml, an `.auditor.toml`, or `--config FILE`.

Every key is validated; a wrong key or type is a `ConfigError` whose one-line message names the file
and the key, so the CLI can print it and exit 2.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.model import Severity

__all__ = ["DEFAULT_CATEGORY_WEIGHTS", "Config", "ConfigError", "GateConfig"]

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
    # Check options, `[tool.auditor.options."<check id>"]`: check id -> option name -> value. A check declares
    # its options and their defaults (`Check.options`) and reads them with `option`.
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    source: str | None = None  # the file it came from, for messages

    def threshold(self, name: str) -> float:
        return float(self.thresholds.get(name, DEFAULT_THRESHOLDS.get(name, 0.0)))

    def option(self, check_id: str, name: str, default: object = None) -> object:
        """The configured value of a check's option, else `default` (the check's declared default)."""
        return self.options.get(check_id, {}).get(name, default)

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    # -- loading ----------------------------------------------------------------------------------
    @classmethod
    def load(cls, target: str | Path, explicit: str | Path | None = None) -> Config:
        """The configuration for `target`: `explicit` if given, else `.auditor.toml`, else pyproject.toml."""
        if explicit is not None:
            path = Path(explicit)
            table = _read_table(path, required=True, in_pyproject=path.name == "pyproject.toml")
            return cls.from_mapping(table or {}, str(path))
        root = Path(target)
        dotfile = root / ".auditor.toml"
        if dotfile.is_file() and not dotfile.is_symlink():
            return cls.from_mapping(_read_table(dotfile, required=True, in_pyproject=False) or {}, str(dotfile))
        pyproject = root / "pyproject.toml"
        if pyproject.is_file() and not pyproject.is_symlink():
            table = _read_table(pyproject, required=False, in_pyproject=True)
            if table is not None:
                return cls.from_mapping(table, str(pyproject))
        return cls()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<config>") -> Config:
        v = _Validator(source)
        known = {"only", "skip", "exclude", "thresholds", "weights", "severity", "gate", "check_timeout", "run_tests_timeout",
                 "options"}
        for key in data:
            if key not in known:
                raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        thresholds = dict(DEFAULT_THRESHOLDS)
        for name, value in v.table(data, "thresholds").items():
            if name not in DEFAULT_THRESHOLDS:
                raise ConfigError(f"{source}: unknown key 'thresholds.{name}' (known: {', '.join(DEFAULT_THRESHOLDS)})")
            thresholds[name] = v.number(value, f"thresholds.{name}", 0, 100)
        weights = dict(DEFAULT_CATEGORY_WEIGHTS)
        for name, value in v.table(data, "weights").items():
            weights[name] = v.number(value, f"weights.{name}", 0, 1000)
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
        return cls(
            only=v.strings(data, "only"),
            skip=v.strings(data, "skip"),
            exclude=v.strings(data, "exclude"),
            thresholds=thresholds,
            weights=weights,
            severity=severity,
            gate=gate,
            check_timeout=v.number(data.get("check_timeout", 120.0), "check_timeout", 1, 86400),
            run_tests_timeout=v.number(data.get("run_tests_timeout", 600.0), "run_tests_timeout", 1, 86400),
            options=v.options(data),
            source=source,
        )


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

    def options(self, data: Mapping[str, Any]) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for check_id, table in self.table(data, "options").items():
            if not isinstance(table, Mapping):
                raise ConfigError(f"{self.source}: 'options.{check_id}' must be a table of option = value")
            for name, value in table.items():
                if isinstance(value, Mapping):
                    raise ConfigError(f"{self.source}: 'options.{check_id}.{name}' must be a value, not a table")
            out[str(check_id)] = dict(table)
        return out

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


def _read_table(path: Path, *, required: bool, in_pyproject: bool) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None
    if len(raw) > 4 * 1024 * 1024:
        raise ConfigError(f"{path}: configuration file is too large")
    try:
        text = raw.decode("utf-8")
        doc = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # A target's pyproject.toml that does not mention us is the target's business, not our config.
        if not required and b"tool.auditor" not in raw:
            return None
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
