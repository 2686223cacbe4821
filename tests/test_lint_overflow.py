"""Past 1,000 findings of one code in one file, one finding counts the rest (and SCH007).

The count is exact, below the bound nothing changes, the exit status never
changes, and every output format shows the same findings.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_lint_large import _contacts_manifest, needs_rs

from tapecheck.reports.model import Finding
from tapecheck.suite.cli import main
from tapecheck.suite.lint.overflow import MAX_PER_CODE, summarise_overflow


def _write(tmp_path: Path, contacts: list[Any]) -> Path:
    (tmp_path / "call.wav").write_bytes(b"RIFF")
    path = tmp_path / "many.request.json"
    path.write_text(json.dumps(_contacts_manifest(contacts)), encoding="utf-8")
    return path


def _lint(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", "--select", "SCH,ALR", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    code, out = _lint("--format", "json", *args)
    return code, json.loads(out)


def _finding(index: int, code: str = "SCH004", severity: str = "error") -> Finding:
    return Finding(
        path="m.json",
        code=code,
        severity=severity,  # type: ignore[arg-type]
        message=f"value {index} is wrong",
        pointer=f"/body/contacts/{index}/email",
        line=1,
        column=10 + index,
    )


# -- the summary -------------------------------------------------------------------------


def test_below_the_bound_nothing_changes() -> None:
    findings = [_finding(i) for i in range(MAX_PER_CODE)] + [_finding(0, "ALR002")]
    assert summarise_overflow(findings) == findings


def test_past_the_bound_one_finding_counts_the_rest_exactly() -> None:
    findings = [_finding(i) for i in range(MAX_PER_CODE + 250)]
    findings += [_finding(i, "ALR005", "warning") for i in range(MAX_PER_CODE + 1)]
    kept = summarise_overflow(findings)
    assert kept[:MAX_PER_CODE] == findings[:MAX_PER_CODE]
    sch = [f for f in kept if f.code == "SCH004"]
    alr = [f for f in kept if f.code == "ALR005"]
    assert len(sch) == len(alr) == MAX_PER_CODE + 1
    summary = sch[-1]
    assert summary.message.startswith("250 more SCH004 findings in this file")
    assert f"`/body/contacts/{MAX_PER_CODE}/email`" in summary.message
    assert f"`/body/contacts/{MAX_PER_CODE + 249}/email`" in summary.message
    assert summary.message.endswith(f"value {MAX_PER_CODE} is wrong")
    assert (summary.pointer, summary.column) == (
        f"/body/contacts/{MAX_PER_CODE}/email",
        10 + MAX_PER_CODE,
    )
    assert summary.severity == "error"
    assert alr[-1].message.startswith("1 more ALR005 finding in this file")
    assert alr[-1].severity == "warning"


def test_a_bound_of_zero_lists_everything() -> None:
    findings = [_finding(i) for i in range(MAX_PER_CODE * 2)]
    assert summarise_overflow(findings, 0) == findings


# -- end to end --------------------------------------------------------------------------


@needs_rs
def test_every_contact_refused_is_bounded_and_counted(tmp_path: Path) -> None:
    count = 2_500
    path = _write(tmp_path, [{"email": f"p{i}.example.com"} for i in range(count)])
    status, report = _json(path)
    assert status == 1
    codes = [d["code"] for d in report["diagnostics"]]
    assert codes.count("SCH004") == MAX_PER_CODE
    (unread,) = [d for d in report["diagnostics"] if d["code"] == "SCH007"]
    assert unread["severity"] == "error"
    assert unread["pointer"] == f"/body/contacts/{MAX_PER_CODE}"
    assert f"{count - MAX_PER_CODE:,} more items" in unread["message"]
    assert f"(items {MAX_PER_CODE} to {count - 1})" in unread["message"]
    assert report["summary"]["errors"] == MAX_PER_CODE + 1


@needs_rs
def test_references_are_not_counted_as_refused(tmp_path: Path) -> None:
    """``${...}`` satisfies every constraint: only the truly refused items are counted."""
    contacts: list[Any] = [{"email": f"p{i}.example.com"} for i in range(MAX_PER_CODE + 30)]
    contacts += [{"email": f"${{EMAIL_{i}}}"} for i in range(1_500)]
    contacts += [{"email": "last.example.com"}]
    status, report = _json(_write(tmp_path, contacts))
    assert status == 1
    (unread,) = [d for d in report["diagnostics"] if d["code"] == "SCH007"]
    assert "31 more items" in unread["message"]
    assert f"to {len(contacts) - 1})" in unread["message"]


@needs_rs
def test_a_few_refused_items_are_all_read(tmp_path: Path) -> None:
    contacts: list[Any] = [{"email": f"p{i}@example.com"} for i in range(2_000)]
    for index in range(0, 2_000, 40):  # 50 refused items
        contacts[index] = {"email": f"p{index}.example.com"}
    status, report = _json(_write(tmp_path, contacts))
    assert status == 1
    codes = [d["code"] for d in report["diagnostics"]]
    assert codes == ["SCH004"] * 50


def test_a_flood_of_warnings_keeps_exit_status_zero(tmp_path: Path) -> None:
    contacts = [{"phone_number": f"+1555{i:07d}"} for i in range(MAX_PER_CODE + 40)]
    status, report = _json(_write(tmp_path, contacts))
    assert status == 0
    found = [d for d in report["diagnostics"] if d["code"] == "ALR005"]
    assert len(found) == MAX_PER_CODE + 1
    assert found[-1]["severity"] == "warning"
    assert found[-1]["message"].startswith("40 more ALR005 findings in this file")
    assert (found[-1]["line"], found[-1]["column"]) != (None, None)


@pytest.mark.parametrize("kind", ["text", "sarif", "junit"])
def test_every_format_shows_the_same_summary(tmp_path: Path, kind: str) -> None:
    contacts = [{"first_name": "no identifier"} for _ in range(MAX_PER_CODE + 7)]
    path = _write(tmp_path, contacts)
    _, report = _json(path)
    expected = [d["message"] for d in report["diagnostics"] if d["code"] == "ALR001"]
    assert len(expected) == MAX_PER_CODE + 1
    assert expected[-1].startswith("7 more ALR001 findings")
    status, out = _lint("--format", kind, path)
    assert status == 1
    if kind == "text":
        shown = [line for line in out.splitlines() if " ALR001 " in line]
        assert len(shown) == MAX_PER_CODE + 1
        assert expected[-1] in shown[-1]
    elif kind == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        messages = [r["message"]["text"] for r in results if r["ruleId"] == "ALR001"]
        assert len(messages) == MAX_PER_CODE + 1
        assert expected[-1] in messages[-1]
    else:
        failures = [
            f.get("message", "") + (f.text or "") for f in ET.fromstring(out).iter("failure")
        ]
        hits = [text for text in failures if "ALR001" in text]
        assert len(hits) == MAX_PER_CODE + 1
        assert any(expected[-1].replace("`", "") in text.replace("`", "") for text in hits)


@needs_rs
@pytest.mark.parametrize("slice_size", [7, 64, 4096])
def test_the_screen_counts_the_same_in_any_slices(slice_size: int) -> None:
    """Past the bound, items are judged one by one: the same items as in one slice."""
    from tapecheck.suite.lint import _validation
    from tapecheck.suite.lint._validation import READ_REFUSED, _ItemScreen
    from tapecheck.suite.specs import load_spec

    spec = load_spec("alpharun")
    schema = _validation.body_schema(spec, spec.operation("upload"), "multipart/form-data")
    assert schema is not None
    items = schema.root["allOf"][0]["properties"]["contacts"]["items"]
    count = 11 * (READ_REFUSED + 200)  # every 11th refused: 200 past the bound
    contacts: list[Any] = [{"email": f"p{i}@example.com"} for i in range(count)]
    wrong = list(range(3, count, 11))
    for index in wrong:
        contacts[index] = {"email": f"p{index}.example.com"}
    contacts[count - 10] = {"email": "${EMAIL}"}  # refused by the screen, fine for the rules
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_validation, "_SCREEN_SLICE", slice_size)
        screened = _ItemScreen(schema.root).refused(items, contacts, 0)
    assert screened == (wrong[:READ_REFUSED], wrong[READ_REFUSED:])
