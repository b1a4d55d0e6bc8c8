"""The scoring formula, checked by hand: the README and every report state it, so it must hold exactly."""

from __future__ import annotations

import pytest

from auditor.config import Config, GateConfig
from auditor.model import CheckInfo, CheckResult, Effort, Finding, Measure, Severity, Status
from auditor.scoring import category_scores, check_score, evaluate_gate, grade, overall_score, recommendations


def _cls(check_id: str, category: str, weight: float = 1.0, effort: Effort = Effort.SMALL) -> CheckInfo:
    return CheckInfo(id=check_id, title=check_id, category=category, severity=Severity.HIGH, rationale="",
                     remediation=("step",), effort=effort, weight=weight)


def _f(sev: Severity) -> Finding:
    return Finding("x/y", sev, "m", "a.py", 1)


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], 100.0),
        ([Severity.HIGH], 75.0),
        ([Severity.HIGH, Severity.HIGH], 56.25),
        ([Severity.CRITICAL, Severity.MEDIUM], 45.0),
        ([Severity.LOW] * 3, 91.27),
        ([Severity.INFO] * 50, 100.0),
    ],
)
def test_finding_based_score(severities: list[Severity], expected: float) -> None:
    result = CheckResult(_cls("x/y", "c"), Status.FAILED, findings=tuple(_f(s) for s in severities))
    assert check_score(result) == expected


def test_measure_based_score_and_unscored_statuses() -> None:
    c = _cls("t/cov", "testing")
    assert check_score(CheckResult(c, Status.FAILED, measure=Measure("cov", 60, 80))) == 75.0
    assert check_score(CheckResult(c, Status.PASSED, measure=Measure("cov", 95, 80))) == 100.0
    for status in (Status.NOT_APPLICABLE, Status.NOT_AVAILABLE):
        assert check_score(CheckResult(c, status)) is None
    assert check_score(CheckResult(c, Status.ERROR, reason="did not finish within 1s")) == 0.0


def test_categories_and_overall_use_weights() -> None:
    results = [
        CheckResult(_cls("a/one", "testing", weight=3), Status.FAILED, findings=(_f(Severity.HIGH),)),  # 75
        CheckResult(_cls("a/two", "testing"), Status.PASSED),  # 100
        CheckResult(_cls("b/one", "security"), Status.FAILED, findings=(_f(Severity.CRITICAL),)),  # 50
        CheckResult(_cls("b/two", "security"), Status.ERROR),  # scores 0
        CheckResult(_cls("b/three", "security"), Status.NOT_AVAILABLE),  # left out
    ]
    cats = {c.name: c for c in category_scores(results, {"testing": 1.0, "security": 3.0})}
    assert cats["testing"].mean == 81.25  # (75*3 + 100) / 4 ...
    assert cats["testing"].score == 75.0  # ... capped at 75 while a high finding stands
    assert cats["security"].score == 25.0 and cats["security"].checks == 2  # (50 + 0) / 2: the errored check scores 0
    assert overall_score(list(cats.values())) == 37.5  # (75 + 25*3) / 4, under the critical cap of 60


def test_a_critical_finding_caps_the_project_and_a_high_one_its_category() -> None:
    many_passing = [CheckResult(_cls(f"a/ok{i}", "testing"), Status.PASSED) for i in range(9)]
    high = [*many_passing, CheckResult(_cls("a/bad", "testing"), Status.FAILED, findings=(_f(Severity.HIGH),))]
    (cat,) = category_scores(high, {"testing": 1.0})
    assert (cat.mean, cat.score) == (97.5, 75.0)
    critical = [*many_passing, CheckResult(_cls("a/bad", "testing"), Status.FAILED, findings=(_f(Severity.CRITICAL),))]
    other = [CheckResult(_cls(f"b/ok{i}", "typing"), Status.PASSED) for i in range(5)]
    assert overall_score(category_scores([*critical, *other], {"testing": 1.0, "typing": 1.0})) == 60.0


@pytest.mark.parametrize("outcome", [
    CheckResult(_cls("b/x", "security"), Status.PASSED),
    CheckResult(_cls("b/x", "security"), Status.FAILED, findings=(_f(Severity.CRITICAL),) * 8),
    CheckResult(_cls("b/x", "security"), Status.FAILED, measure=Measure("m", 0, 80)),
    CheckResult(_cls("b/x", "security"), Status.NOT_APPLICABLE),
])
def test_an_errored_check_never_scores_better_than_running(outcome: CheckResult) -> None:
    """A fork's `check_timeout = 1` made checks error out, which lifted a score from 60.2 to 64.2."""
    others = [CheckResult(_cls("a/one", "testing"), Status.FAILED, findings=(_f(Severity.HIGH),)),
              CheckResult(_cls("b/one", "security"), Status.FAILED, findings=(_f(Severity.HIGH),))]
    weights = {"testing": 1.0, "security": 1.5}
    errored = overall_score(category_scores([*others, CheckResult(outcome.check, Status.ERROR)], weights))
    ran = overall_score(category_scores([*others, outcome], weights))
    assert errored is not None and ran is not None and errored <= ran


def test_a_gate_with_nothing_scored_fails_with_a_reason() -> None:
    gate = evaluate_gate(None, [], Config(gate=GateConfig(fail_under=None, fail_on=None)))
    assert not gate.passed and gate.reasons == ("nothing could be scored: every check was not applicable or not available",)


def test_grades() -> None:
    assert [grade(s) for s in (100, 90, 89.99, 80, 70, 60, 59.9, None)] == ["A", "A", "B", "B", "C", "D", "F", "N/A"]


def test_gate() -> None:
    findings = [_f(Severity.MEDIUM), _f(Severity.HIGH)]
    assert evaluate_gate(95, findings, Config(gate=GateConfig(fail_under=70, fail_on=Severity.CRITICAL))).passed
    gate = evaluate_gate(65, findings, Config(gate=GateConfig(fail_under=70, fail_on=Severity.HIGH)))
    assert not gate.passed
    assert gate.reasons == ("score 65.0 is below the required 70", "1 finding at or above 'high' (worst: high)")
    assert evaluate_gate(10, findings, Config(gate=GateConfig(fail_under=None, fail_on=None))).passed


def test_recommendation_gain_is_measured_by_rescoring() -> None:
    results = [
        CheckResult(_cls("a/big", "testing", effort=Effort.LARGE), Status.FAILED, findings=(_f(Severity.CRITICAL),)),
        CheckResult(_cls("a/small", "testing"), Status.FAILED, findings=(_f(Severity.LOW),)),
        CheckResult(_cls("b/ok", "typing"), Status.PASSED),
    ]
    recs = recommendations(results, {"testing": 1.0, "typing": 1.0})
    # now: testing (50 + 97) / 2 = 73.5 capped at 50 (critical), typing 100 -> 75, capped at 60 (critical)
    # fixing a/big first: testing (100 + 97) / 2 = 98.5, overall 99.25 (+39.25); then a/small: 100 (+0.75).
    # Fixing a/small first would have gained nothing: the critical cap hides it.
    assert [(r.check_id, r.gain) for r in recs] == [("a/big", 39.25), ("a/small", 0.75)]


def test_the_plan_puts_prerequisites_first() -> None:
    results = [
        CheckResult(_cls("tests/coverage", "testing", effort=Effort.SMALL), Status.FAILED, findings=(_f(Severity.HIGH),)),
        CheckResult(_cls("tests/present", "testing", effort=Effort.LARGE), Status.FAILED, findings=(_f(Severity.HIGH),)),
    ]
    recs = recommendations(results, {"testing": 1.0})
    assert [r.check_id for r in recs] == ["tests/present", "tests/coverage"]
    assert sum(r.gain for r in recs) == 25.0  # from 75 (two high findings: mean 75, capped at 75) to 100


def test_check_info_round_trips_through_json() -> None:
    from auditor.registry import load_registry

    for check in load_registry().checks:
        info = check.info()
        assert CheckInfo.from_json(info.to_json()) == info
    # A report written before a key existed still reads back, with that key's default.
    old = CheckInfo.from_json({"id": "a/b", "title": "t", "category": "c", "severity": "high"})
    assert (old.confidence.value, old.tags, old.version) == ("high", (), "1")
