"""Past 1,000 findings of one code in one file, one finding counts the rest (and SCH007).

The count is exact, below the bound nothing changes, the exit status never
changes, and every output format shows the same findings.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_large import _contacts_manifest, needs_rs

from tapecheck.reports.model import Finding
from tapecheck.suite.cli import main
from tapecheck.suite.lint import _reported, engine
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.overflow import MAX_PER_CODE, overflow_summary
from tapecheck.suite.lint.registry import Rule, Violation, Violations, rules_for


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


def summarise_overflow(findings: Sequence[Finding], bound: int = MAX_PER_CODE) -> list[Finding]:
    """The model the engine's listing is held to: every finding made, then each code's past
    the first ``bound`` summed up in one (the first reported first)."""
    counts = Counter(finding.code for finding in findings)
    if bound <= 0 or all(count <= bound for count in counts.values()):
        return list(findings)
    kept: list[Finding] = []
    rest: dict[str, list[Finding]] = {}
    seen: Counter[str] = Counter()
    for finding in findings:
        seen[finding.code] += 1
        if seen[finding.code] <= bound:
            kept.append(finding)
        else:
            rest.setdefault(finding.code, []).append(finding)
    for more in rest.values():
        kept.append(overflow_summary(more[0], len(more), more[-1].pointer, bound))
    return kept


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


# -- a flood of vendor findings: listed as if every finding were made ----------------------


def _target(contacts: list[Any]) -> engine.Target:
    content = json.dumps(_contacts_manifest(contacts)).encode()
    return engine.Target(Path("flood.request.json"), "flood.request.json", "manifest", content)


def _every_finding_made(target: engine.Target, bound: int) -> list[Finding]:
    """The ALR findings as first computed: each violation a placed finding, repeats
    dropped, then :func:`summarise_overflow` (ALR findings replace, and are replaced by, none)."""
    ctx = engine._context_for(target, vendor=None, config=LintConfig())
    found: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for rule in rules_for(ctx.vendor):
        if not rule.code.startswith("ALR"):
            continue
        for violation in list(rule.check(ctx)):  # a Violations read item by item
            finding = engine._finding(rule, violation, ctx)
            if (finding.code, finding.pointer, finding.message) not in seen:
                seen.add((finding.code, finding.pointer, finding.message))
                found.append(finding)
    return summarise_overflow(found, bound)


def _listed(target: engine.Target) -> list[Finding]:
    found = engine.lint_file(target, vendor=None, config=LintConfig())
    return [finding for finding in found if finding.code.startswith("ALR")]


_CODES = {
    "no identifier": {"ALR001"},
    "one e-mail": {"ALR002"},
    "pairs": {"ALR002"},
    "invalid phones": {"ALR005"},
    "mixed": {"ALR001", "ALR002", "ALR005"},
    "repeated custom fields": {"ALR006"},
}
_FLOODS = {
    "no identifier": lambda i: {"first_name": "x"} if i % 2 else {"email": None},
    "one e-mail": lambda i: {"email": "same@example.com" if i % 3 else "SAME@example.com "},
    "pairs": lambda i: {"email": f"p{i // 2}@example.com", "phone_number": f"+1415555{i // 2:04d}"},
    "invalid phones": lambda i: {"phone_number": f"555-{i:07d}"},
    "mixed": lambda i: [
        {"phone_number": i},
        {"email": "a@example.com", "phone_number": "14155552671"},
        {"ext_id": " "},
        {"phone_number": "+1 415 555 2671", "email": "A@example.com"},
    ][i % 4],
    "repeated custom fields": lambda i: {
        "ext_id": f"c{i}",
        "custom_fields": [{"key": "plan", "value": 1}, {"key": "plan", "value": 2}] * (i % 3),
    },
}


@pytest.mark.parametrize("bound", [0, 1, 7, 40])
@pytest.mark.parametrize("flood", sorted(_FLOODS))
def test_a_flood_lists_what_making_every_finding_lists(
    flood: str, bound: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reported, "MAX_PER_CODE", bound)
    target = _target([_FLOODS[flood](i) for i in range(3_000)])
    listed = _listed(target)
    assert listed == _every_finding_made(target, bound)
    assert {finding.code for finding in listed} == _CODES[flood]
    if bound:
        assert len(listed) <= 6 * (bound + 1)  # at most bound + 1 of each ALR code


_VALUE = st.sampled_from(
    [None, "", " ", "a@x.io", "A@x.io ", "b@x.io", "+14155552671", "14155552671", "555-2671"]
) | st.integers(0, 3)
_CONTACT = st.dictionaries(
    st.sampled_from(["email", "phone_number", "ext_id", "first_name"]), _VALUE, max_size=3
)


@settings(max_examples=60, deadline=None)
@given(contacts=st.lists(_CONTACT | st.just("not a contact"), max_size=12), bound=st.integers(0, 4))
def test_small_contact_lists_list_what_making_every_finding_lists(
    contacts: list[Any], bound: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_reported, "MAX_PER_CODE", bound)
        target = _target(contacts)
        assert _listed(target) == _every_finding_made(target, bound)


def test_a_flood_formats_only_the_messages_it_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    kinds: list[str] = []
    original = Violations.__init__

    def counting(self: Violations, count: int, pointer: Any, message: Any, **options: Any) -> None:
        def counted(index: int) -> str:
            made.append(index)
            return str(message(index))

        kinds.append("lazy")
        original(self, count, pointer, counted, **options)

    monkeypatch.setattr(Violations, "__init__", counting)
    count = MAX_PER_CODE * 3
    found = _listed(_target([{"phone_number": f"555-{i:07d}"} for i in range(count)]))
    assert kinds  # ALR005 reported through Violations
    assert sorted(made) == list(range(MAX_PER_CODE + 1))  # the listed ones and the summary's
    assert len(found) == MAX_PER_CODE + 1
    assert found[-1].message.startswith(f"{count - MAX_PER_CODE:,} more ALR005 findings")
    assert f"to `/body/contacts/{count - 1}/phone_number`" in found[-1].message


def test_violations_read_as_a_sequence_of_violations() -> None:
    pointers = [f"/items/{i}" for i in range(5)]
    lazy = Violations(5, pointers.__getitem__, lambda n: f"item {n}", fix="fix it")
    eager = [Violation(f"/items/{i}", f"item {i}", "fix it") for i in range(5)]
    assert list(lazy) == eager
    assert (len(lazy), lazy[-1], list(lazy[1:3])) == (5, eager[-1], eager[1:3])
    assert list(lazy.pointers) == pointers
    assert lazy.message(2) == "item 2"
    with pytest.raises(IndexError):
        lazy[5]


@settings(max_examples=80, deadline=None)
@given(
    generic=st.lists(st.integers(0, 9), max_size=12),
    specific=st.lists(st.integers(0, 9), max_size=12),
    distinct=st.booleans(),
    bound=st.integers(0, 3),
)
def test_replacement_and_repeats_work_on_lazy_violations(
    generic: list[int], specific: list[int], distinct: bool, bound: int
) -> None:
    """A specific rule's lazy violations replace the generic findings at their pointers;
    a repeated (pointer, message) is listed once: as if every finding were made."""
    if distinct:
        specific = list(dict.fromkeys(specific))
    loose = Rule("SCH004", "loose", "error", lambda ctx: (), "")
    strict = Rule("ZZZ001", "strict", "warning", lambda ctx: (), "", supersedes=("SCH",))
    made = {
        loose: [Violation(f"/v/{i}", f"value {i}") for i in generic],
        strict: [Violation(f"/v/{i}", f"item {i % 4}") for i in specific],
    }

    def make(rule: Rule) -> Any:
        return lambda v: Finding("f", rule.code, rule.severity, v.message, v.pointer, 1, 1)

    lazy = Violations(
        len(specific),
        lambda n: f"/v/{specific[n]}",
        lambda n: f"item {specific[n] % 4}",
        distinct=distinct,
    )
    reported = [
        _reported.Reported(loose, loose.code, made[loose], make(loose)),
        _reported.Reported(strict, strict.code, lazy, make(strict)),
    ]
    listed = _reported.listed(reported, lambda code: True, bound)
    # As first written: every finding made, replaced, de-duplicated, then summarised.
    everything = [(rule, make(rule)(v)) for rule in made for v in made[rule]]
    replacing = {f.pointer for rule, f in everything if rule is strict}
    kept: list[Finding] = []
    for rule, finding in everything:
        if rule is loose and finding.pointer in replacing:
            continue
        if all(
            (f.code, f.pointer, f.message) != (finding.code, finding.pointer, finding.message)
            for f in kept
        ):
            kept.append(finding)
    assert listed == summarise_overflow(kept, bound)
