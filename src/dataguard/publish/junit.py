"""JUnit XML from report.json, so any CI system shows a version's results like unit tests.

One testsuite per section: checks, drift (one test case per column), slices,
and the verdict. A result that failed is a ``<failure>``; one that only warned
is ``<skipped>`` with the reason, so CI shows it without failing the build;
the rest pass. Test case names carry no version number, so a CI system can
follow one check's history across versions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from dataguard.spec.outcome import Outcome, Severity, worst

PASSED, WARNED, FAILED = "passed", "warned", "failed"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SEVERITY_OUTCOME = {Severity.BLOCK: FAILED, Severity.WARN: WARNED, Severity.NONE: PASSED}


def check_outcome(check: dict[str, Any]) -> str:
    """A check fails the build only when its failures block the gate; quarantined rows warn."""
    if not check.get("failed_rows"):
        return PASSED
    return FAILED if check.get("severity") == Severity.BLOCK else WARNED


def drift_severity(metrics: Iterable[dict[str, Any]]) -> Severity:
    """The worst severity among one column's drift metrics (none, warn or block)."""
    severities = (m.get("severity") or (Severity.WARN if m.get("drifted") else Severity.NONE) for m in metrics)
    return worst(severities, Severity.NONE)


def drift_outcome(metrics: Iterable[dict[str, Any]]) -> str:
    return _SEVERITY_OUTCOME[drift_severity(metrics)]


def slice_outcome(result: dict[str, Any]) -> str:
    """A slice too small to judge, or one that only warns, is skipped; a blocking miss fails."""
    if result.get("too_small"):
        return WARNED
    if result.get("passed"):
        return PASSED
    return FAILED if result.get("severity") == Severity.BLOCK else WARNED


def drift_columns(drift: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Drift metrics grouped by column, in first-seen order; dataset-wide metrics under "(dataset)"."""
    columns: dict[str, list[dict[str, Any]]] = {}
    for metric in drift:
        columns.setdefault(column_label(metric.get("column")), []).append(metric)
    return columns


def column_label(column: object) -> str:
    return "(dataset)" if column is None else str(column)


def to_junit(report: dict[str, Any]) -> str:
    """The report as a JUnit XML document (a string; write it as UTF-8)."""
    dataset = str(report.get("dataset", "dataset"))
    suites = [
        _suite(f"{dataset}.checks", report, _check_cases(dataset, report.get("checks") or [])),
        _suite(f"{dataset}.drift", report, _drift_cases(dataset, report)),
        _suite(f"{dataset}.slices", report, _slice_cases(dataset, report.get("slices") or [])),
        _suite(f"{dataset}.verdict", report, [_verdict_case(dataset, report)]),
    ]
    root = ET.Element("testsuites", {"name": _xml(f"dataguard {dataset} v{report.get('version')}")})
    _set_counts(root, suites)
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_junit_many(reports: list[dict[str, Any]]) -> str:
    """Several versions' reports in one document: their suites side by side."""
    root = ET.Element("testsuites", {"name": "dataguard"})
    for report in reports:
        for suite in ET.fromstring(to_junit(report).split("\n", 1)[1]):
            suite.set("name", f"{suite.get('name')}.v{report.get('version')}")
            root.append(suite)
    _set_counts(root, list(root))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _check_cases(dataset: str, checks: list[dict[str, Any]]) -> list[ET.Element]:
    return [
        _case(f"dataguard.{dataset}.checks", _check_name(check), check_outcome(check), _check_message(check))
        for check in checks
    ]


def _check_name(check: dict[str, Any]) -> str:
    """``column: check``, or the check alone when it names its columns itself (duplicate_key(a, b))."""
    name, column = str(check.get("name")), check.get("column")
    return name if column is None or str(column) in name else f"{column}: {name}"


def _check_message(check: dict[str, Any]) -> str:
    rows = int(check.get("failed_rows") or 0)
    return f"{rows:,} {'row' if rows == 1 else 'rows'} failed {check.get('code')} (severity {check.get('severity')})"


def _drift_cases(dataset: str, report: dict[str, Any]) -> list[ET.Element]:
    columns = drift_columns(report.get("drift") or [])
    classname = f"dataguard.{dataset}.drift"
    if not columns and report.get("reference_version") is None:
        reason = report.get("reference_reason") or "this version has no reference version"
        return [_case(classname, "(no reference)", WARNED, f"drift not computed: {reason}")]
    return [
        _case(classname, column, drift_outcome(metrics), _drift_message(metrics), _drift_details(metrics))
        for column, metrics in columns.items()
    ]


def _drift_message(metrics: list[dict[str, Any]]) -> str:
    drifted = [m for m in metrics if m.get("drifted") or m.get("severity") in (Severity.WARN, Severity.BLOCK)]
    return "; ".join(
        f"{m.get('metric')} {_fmt(m.get('statistic'))} beyond threshold {_fmt(m.get('threshold'))}"
        f" ({m.get('severity') or Severity.WARN})"
        for m in drifted
    )


def _drift_details(metrics: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{m.get('metric')}: statistic {_fmt(m.get('statistic'))}, p-value {_fmt(m.get('p_value'))}, "
        f"threshold {_fmt(m.get('threshold'))}, drifted {m.get('drifted')}, severity {m.get('severity')}"
        for m in metrics
    )


def _slice_cases(dataset: str, slices: list[dict[str, Any]]) -> list[ET.Element]:
    return [
        _case(f"dataguard.{dataset}.slices", str(s.get("name")), slice_outcome(s), _slice_message(s)) for s in slices
    ]


def _slice_message(result: dict[str, Any]) -> str:
    if result.get("reason"):
        return str(result["reason"])
    return f"{result.get('metric')} = {_fmt(result.get('value'))} on {result.get('rows')} rows"


def _verdict_case(dataset: str, report: dict[str, Any]) -> ET.Element:
    verdict = report.get("verdict")
    outcome = (
        FAILED
        if not report.get("gate_open", verdict != Outcome.FAIL)
        else WARNED
        if verdict == Outcome.WARN
        else PASSED
    )
    reasons = "; ".join(str(r) for r in report.get("reasons") or [])
    return _case(f"dataguard.{dataset}.verdict", "gate", outcome, f"{verdict}: {reasons}" if reasons else str(verdict))


def _case(classname: str, name: str, outcome: str, message: str, details: str = "") -> ET.Element:
    case = ET.Element("testcase", {"classname": _xml(classname), "name": _xml(name), "time": "0"})
    if outcome == FAILED:
        failure = ET.SubElement(case, "failure", {"message": _xml(message), "type": "dataguard"})
        failure.text = _xml(details or message)
    elif outcome == WARNED:
        ET.SubElement(case, "skipped", {"message": _xml(message)})
    return case


def _suite(name: str, report: dict[str, Any], cases: list[ET.Element]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": _xml(name)})
    _set_counts(suite, cases)
    properties = ET.SubElement(suite, "properties")
    for key in ("dataset", "version", "verdict", "fingerprint", "reference_version", "run_id"):
        value = report.get(key)
        ET.SubElement(properties, "property", {"name": key, "value": _xml("" if value is None else str(value))})
    suite.extend(cases)
    return suite


def _set_counts(element: ET.Element, children: list[ET.Element]) -> None:
    """tests/failures/errors/skipped/time: most CI parsers require them on every suite."""
    cases = [case for child in children for case in child.iter("testcase")]
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    element.set("errors", "0")
    element.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
    element.set("time", "0")


def _xml(text: str) -> str:
    """Characters XML 1.0 cannot carry (NUL, most control codes) become U+FFFD; ElementTree escapes the rest."""
    return _NOT_XML.sub("\ufffd", text)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "n/a" if value is None else str(value)
