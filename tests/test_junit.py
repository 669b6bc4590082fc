"""JUnit XML: one suite per section; failed, warned (skipped with the reason) and passed cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from dataguard.publish.junit import to_junit

Case = tuple[str, str, str | None, str | None]  # classname, name, outcome element, its message


def check(name: str, column: str | None, code: str, failed_rows: int, severity: str) -> dict[str, Any]:
    return {"name": name, "column": column, "code": code, "failed_rows": failed_rows, "severity": severity}


def fixed_report() -> dict[str, Any]:
    return {
        "dataset": "toy",
        "version": 3,
        "fingerprint": "sha256:abc",
        "run_id": "run-1",
        "reference_version": 2,
        "verdict": "FAIL",
        "gate_open": False,
        "reasons": ["1 row failed blocking check duplicate_key", "column colour drifted"],
        "checks": [
            check("in_range(0, 100)", "price", "in_range", 9, "quarantine"),
            check("not_nullable", "colour", "not_nullable", 0, "quarantine"),
            check("duplicate_key(id)", "id", "duplicate_key", 1, "block"),
            check("dogs_score_high", None, "dogs_score_high", 1200, "block"),
        ],
        "drift": [
            {"column": "price", "kind": "numeric", "metric": "psi", "statistic": 0.15, "p_value": None,
             "threshold": 0.1, "drifted": True, "severity": "warn", "detail": {}},
            {"column": "price", "kind": "numeric", "metric": "ks", "statistic": 0.05, "p_value": 0.00001,
             "threshold": 0.1, "drifted": False, "severity": "none", "detail": {}},
            {"column": "colour", "kind": "categorical", "metric": "chi_square", "statistic": 42.0, "p_value": 0.02,
             "threshold": 0.3, "drifted": True, "severity": "block", "detail": {}},
            {"column": None, "kind": "dataset", "metric": "row_count_change", "statistic": 0.25, "p_value": None,
             "threshold": 0.5, "drifted": False, "severity": "none", "detail": {}},
        ],
        "slices": [
            {"name": "cheap items", "metric": "row_count", "value": 120, "threshold": {"min": 100, "max": None},
             "rows": 120, "passed": True, "severity": "none", "too_small": False, "reason": ""},
            {"name": "blue items", "metric": "mean(price)", "value": 55.5, "threshold": {"min": 10, "max": 50},
             "rows": 200, "passed": False, "severity": "block", "too_small": False,
             "reason": "mean(price) 55.5 above max 50"},
            {"name": "red items", "metric": "null_rate(price)", "value": 0.2, "threshold": {"min": None, "max": 0.1},
             "rows": 300, "passed": False, "severity": "warn", "too_small": False, "reason": ""},
            {"name": "rare items", "metric": "mean(price)", "value": None, "threshold": {"min": 1, "max": None},
             "rows": 3, "passed": False, "severity": "block", "too_small": True,
             "reason": "3 rows, fewer than the 30 required"},
        ],
    }  # fmt: skip


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(xml.encode("utf-8"))


def suites(root: ET.Element) -> list[tuple[str, dict[str, str]]]:
    return [(s.attrib["name"], {k: v for k, v in s.attrib.items() if k != "name"}) for s in root.iter("testsuite")]


def cases(root: ET.Element, suite: str) -> list[Case]:
    found = next(s for s in root.iter("testsuite") if s.attrib["name"] == suite)
    return [_case(c) for c in found.iter("testcase")]


def _case(case: ET.Element) -> Case:
    outcome = next(iter(case), None)
    return (
        case.attrib["classname"],
        case.attrib["name"],
        None if outcome is None else outcome.tag,
        None if outcome is None else outcome.attrib.get("message"),
    )


def counts(tests: int, failures: int, skipped: int) -> dict[str, str]:
    return {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": str(skipped), "time": "0"}


@pytest.fixture(scope="module")
def root() -> ET.Element:
    return parse(to_junit(fixed_report()))


def test_one_suite_per_section_with_counts(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "dataguard toy v3", **counts(tests=12, failures=5, skipped=4)}
    assert suites(root) == [
        ("toy.checks", counts(tests=4, failures=2, skipped=1)),
        ("toy.drift", counts(tests=3, failures=1, skipped=1)),
        ("toy.slices", counts(tests=4, failures=1, skipped=2)),
        ("toy.verdict", counts(tests=1, failures=1, skipped=0)),
    ]


def test_suite_properties_name_the_version(root: ET.Element) -> None:
    properties = root.find("testsuite/properties")
    assert properties is not None
    assert [(p.attrib["name"], p.attrib["value"]) for p in properties] == [
        ("dataset", "toy"),
        ("version", "3"),
        ("verdict", "FAIL"),
        ("fingerprint", "sha256:abc"),
        ("reference_version", "2"),
        ("run_id", "run-1"),
    ]


def test_checks_blocking_fail_quarantining_warn(root: ET.Element) -> None:
    assert cases(root, "toy.checks") == [
        ("dataguard.toy.checks", "price: in_range(0, 100)", "skipped", "9 rows failed in_range (severity quarantine)"),
        ("dataguard.toy.checks", "colour: not_nullable", None, None),
        ("dataguard.toy.checks", "duplicate_key(id)", "failure", "1 row failed duplicate_key (severity block)"),
        ("dataguard.toy.checks", "dogs_score_high", "failure", "1,200 rows failed dogs_score_high (severity block)"),
    ]


def test_drift_one_case_per_column_with_its_worst_severity(root: ET.Element) -> None:
    assert cases(root, "toy.drift") == [
        ("dataguard.toy.drift", "price", "skipped", "psi 0.15 beyond threshold 0.1 (warn)"),
        ("dataguard.toy.drift", "colour", "failure", "chi_square 42 beyond threshold 0.3 (block)"),
        ("dataguard.toy.drift", "(dataset)", None, None),
    ]


def test_drift_failure_body_lists_every_metric() -> None:
    report = fixed_report()
    report["drift"][1] |= {"severity": "block", "drifted": True}
    failure = parse(to_junit(report)).find("testsuite[@name='toy.drift']/testcase[@name='price']/failure")
    assert failure is not None
    assert failure.attrib == {
        "message": "psi 0.15 beyond threshold 0.1 (warn); ks 0.05 beyond threshold 0.1 (block)",
        "type": "dataguard",
    }
    assert failure.text == (
        "psi: statistic 0.15, p-value n/a, threshold 0.1, drifted True, severity warn\n"
        "ks: statistic 0.05, p-value 1e-05, threshold 0.1, drifted True, severity block"
    )


def test_slices_too_small_and_warning_are_skipped(root: ET.Element) -> None:
    assert cases(root, "toy.slices") == [
        ("dataguard.toy.slices", "cheap items", None, None),
        ("dataguard.toy.slices", "blue items", "failure", "mean(price) 55.5 above max 50"),
        ("dataguard.toy.slices", "red items", "skipped", "null_rate(price) = 0.2 on 300 rows"),
        ("dataguard.toy.slices", "rare items", "skipped", "3 rows, fewer than the 30 required"),
    ]


@pytest.mark.parametrize(
    ("verdict", "gate_open", "expected"),
    [
        ("PASS", True, (None, None)),
        ("WARN", True, ("skipped", "WARN: a reason; another")),
        ("WARN", False, ("failure", "WARN: a reason; another")),  # warn_blocks closed the gate
        ("FAIL", False, ("failure", "FAIL: a reason; another")),
    ],
)
def test_verdict_case_follows_the_gate(verdict: str, gate_open: bool, expected: tuple[str | None, str | None]) -> None:
    report = fixed_report() | {"verdict": verdict, "gate_open": gate_open, "reasons": ["a reason", "another"]}
    if verdict == "PASS":
        report["reasons"] = []
    assert cases(parse(to_junit(report)), "toy.verdict") == [("dataguard.toy.verdict", "gate", *expected)]


def test_no_reference_is_one_skipped_drift_case() -> None:
    report = fixed_report() | {"drift": [], "reference_version": None, "reference_reason": "first version"}
    assert cases(parse(to_junit(report)), "toy.drift") == [
        ("dataguard.toy.drift", "(no reference)", "skipped", "drift not computed: first version")
    ]


def test_sections_missing_from_the_report_give_empty_suites() -> None:
    report = {"dataset": "toy", "version": 1, "verdict": "PASS", "gate_open": True, "reasons": [], "checks": []}
    root = parse(to_junit(report | {"reference_version": 1}))
    assert [(name, attrs["tests"]) for name, attrs in suites(root)] == [
        ("toy.checks", "0"),
        ("toy.drift", "0"),
        ("toy.slices", "0"),
        ("toy.verdict", "1"),
    ]


def test_exact_document_for_a_minimal_report() -> None:
    report = {
        "dataset": "toy",
        "version": 1,
        "fingerprint": "sha256:abc",
        "run_id": "r",
        "reference_version": 1,
        "verdict": "PASS",
        "gate_open": True,
        "reasons": [],
        "checks": [{"name": "not_nullable", "column": "id", "code": "not_nullable", "failed_rows": 0}],
    }
    properties = "".join(
        f'      <property name="{name}" value="{value}" />\n'
        for name, value in [
            ("dataset", "toy"),
            ("version", "1"),
            ("verdict", "PASS"),
            ("fingerprint", "sha256:abc"),
            ("reference_version", "1"),
            ("run_id", "r"),
        ]
    )

    def suite(name: str, tests: int, body: str) -> str:
        return (
            f'  <testsuite name="toy.{name}" tests="{tests}" failures="0" errors="0" skipped="0" time="0">\n'
            f"    <properties>\n{properties}    </properties>\n{body}  </testsuite>\n"
        )

    assert to_junit(report) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="dataguard toy v1" tests="2" failures="0" errors="0" skipped="0" time="0">\n'
        + suite("checks", 1, '    <testcase classname="dataguard.toy.checks" name="id: not_nullable" time="0" />\n')
        + suite("drift", 0, "")
        + suite("slices", 0, "")
        + suite("verdict", 1, '    <testcase classname="dataguard.toy.verdict" name="gate" time="0" />\n')
        + "</testsuites>\n"
    )


HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</td>", "]]> & \x00\x1b\ud800 end")


def test_hostile_names_and_control_characters_stay_well_formed_xml() -> None:
    h0, h1, h2, h3 = HOSTILE
    report = fixed_report()
    report["dataset"] = h0
    report["checks"][0] |= {"name": h1, "column": h2}
    report["drift"][2]["column"] = h3
    report["slices"][1] |= {"name": h0, "reason": h3}
    report["reasons"] = [h1]
    root = parse(to_junit(report))
    names = [c.attrib["name"] for c in root.iter("testcase")]
    assert f"{h2}: {h1}" in names
    assert "]]> & \ufffd\ufffd\ufffd end" in names  # XML 1.0 cannot carry NUL, ESC or a lone surrogate
    assert suites(root)[0][0] == f"{h0}.checks"
    failure = root.find(f"testsuite/testcase[@classname='dataguard.{h0}.slices']/failure")
    assert failure is not None
    assert failure.attrib["message"] == "]]> & \ufffd\ufffd\ufffd end"
