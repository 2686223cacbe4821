"""A closed object with thousands of undefined members: one SCH006 run, listed as if every
finding were made (issue 14: a million such members lint in seconds, not half a minute)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_large import _contacts_manifest

from tapecheck.reports.model import Finding
from tapecheck.suite.lint import _reported, _schema_pass, engine, schema
from tapecheck.suite.lint._schema_issues import IssueRun
from tapecheck.suite.lint._schema_walk import SchemaWalker
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.registry import Rule, Violation, Violations

#: Never reached: every undefined member is its own issue, as before runs.
_NEVER = 10**9


def _target(manifest: dict[str, Any], *, as_yaml: bool = False) -> engine.Target:
    if as_yaml:
        content = yaml.safe_dump(manifest, sort_keys=False).encode()
        return engine.Target(Path("m.request.yaml"), "m.request.yaml", "manifest", content)
    content = json.dumps(manifest).encode()
    return engine.Target(Path("m.request.json"), "m.request.json", "manifest", content)


def _lint(target: engine.Target, run_from: int, bound: int) -> list[Finding]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_schema_pass, "_RUN_FROM", run_from)
        patch.setattr(_reported, "MAX_PER_CODE", bound)
        return engine.lint_file(target, vendor=None, config=LintConfig())


def _flooded(count: int, *, identified: bool) -> dict[str, Any]:
    """Contacts around one with ``count`` undefined members, two defined ones among them."""
    flood: dict[str, Any] = {f"k{i}": "v" for i in range(count)}
    if identified:  # defined members split the undefined ones into three stretches
        flood = {"emial": 1, **dict(list(flood.items())[: count // 3]), "email": "a@x.io"}
        flood |= {f"k{i}": "v" for i in range(count // 3, count)}
        flood["phone_number"] = "+14155552671"
        flood |= {"tail/~x": 1, "x": 2}
    contacts: list[Any] = [{"email": f"p{i}@example.com"} for i in range(30)]
    contacts.insert(5, {"emali": "p@example.com", "email": "q@example.com"})
    contacts.insert(10, flood)
    return _contacts_manifest(contacts)


@pytest.mark.parametrize("bound", [0, 7, 1000])
@pytest.mark.parametrize("identified", [True, False])
@pytest.mark.parametrize("as_yaml", [False, True])
def test_a_flood_of_undefined_members_lists_what_every_finding_lists(
    bound: int, identified: bool, as_yaml: bool
) -> None:
    """Without an identifier the contact draws ALR001 (a non-SCH finding: replacement runs)."""
    target = _target(_flooded(5_000, identified=identified), as_yaml=as_yaml)
    listed = _lint(target, 1_000, bound)  # stretches of 5,000, or 1,666, 3,334 and 2
    assert listed == _lint(target, _NEVER, bound)
    codes = [finding.code for finding in listed]
    assert ("ALR001" in codes) is not identified
    unknown = [finding for finding in listed if finding.code == "SCH006"]
    expected = 5_000 + 3 if identified else 5_000
    if bound:
        assert len(unknown) == min(bound, expected + 1) + 1
        assert unknown[-1].message.startswith(f"{expected + 1 - bound:,} more SCH006 findings")
    else:
        assert len(unknown) == expected + 1  # and the misspelt `emali`
    assert unknown[0].pointer == "/body/contacts/5/emali"


def test_a_run_is_made_only_where_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    original = IssueRun.issue

    def counted(self: IssueRun, index: int) -> Any:
        made.append(self.names[index])
        return original(self, index)

    monkeypatch.setattr(IssueRun, "issue", counted)
    monkeypatch.setattr(_reported, "MAX_PER_CODE", 10)
    monkeypatch.setattr(engine, "MAX_PER_CODE", 10)  # what the engine reads ahead
    found = engine.lint_file(
        _target(_flooded(20_000, identified=True)), vendor=None, config=LintConfig()
    )
    unknown = [finding for finding in found if finding.code == "SCH006"]
    assert len(unknown) == 11
    assert unknown[-1].message.startswith("19,994 more SCH006 findings")
    assert "to `/body/contacts/10/x`" in unknown[-1].message
    assert 0 < len(made) <= 2 * 11  # the listed ones' messages and fixes, not 20,000
    assert set(made) <= {"emial", *(f"k{i}" for i in range(10))}


@functools.cache
def _sch006() -> tuple[Violations, list[Violation]]:
    """The SCH006 violations of the flood with three stretches, one rule's call, and each."""
    target = _target(_flooded(5_000, identified=True))
    ctx = engine._context_for(target, vendor=None, config=LintConfig())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_schema_pass, "_RUN_FROM", 1_000)
        found = schema.undefined_property(ctx)
    assert isinstance(found, Violations)
    return found, list(found)


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, 5_100), max_size=12),
    strange=st.lists(st.sampled_from(["/body/contacts/10", "/body/contacts/10/k~2", "", "/x"])),
    bound=st.integers(0, 5),
)
def test_a_specific_rule_replaces_members_of_a_run(
    picks: list[int], strange: list[str], bound: int
) -> None:
    """Replacement finds a run's members by name: as if every pointer were compared."""
    lazy, every = _sch006()
    pointers = [every[pick % len(every)].pointer for pick in picks] + strange
    generic = Rule("SCH006", "generic", "warning", lambda ctx: (), "")
    specific = Rule("ZZZ001", "specific", "error", lambda ctx: (), "", supersedes=("SCH",))

    def make(rule: Rule) -> Any:
        return lambda v: Finding("f", rule.code, rule.severity, v.message, v.pointer, 1, 1, v.fix)

    def listed(violations: Any) -> list[Finding]:
        groups = [
            _reported.Reported(generic, generic.code, violations, make(generic)),
            _reported.Reported(
                specific,
                specific.code,
                [Violation(p, "specific") for p in pointers],
                make(specific),
            ),
        ]
        return _reported.listed(groups, lambda code: True, bound)

    assert listed(lazy) == listed(every)
    assert lazy.indexes_at(pointers) == {i for i, v in enumerate(every) if v.pointer in pointers}


# -- small random objects -------------------------------------------------------------------

_NAMES = st.sampled_from(["email", "emial", "phone_number", "ext_id", "a/b", "~0", "audio", "k"])
_VALUES = st.none() | st.text(max_size=3) | st.integers(0, 3)
_OBJECTS = st.dictionaries(_NAMES | st.text(max_size=4), _VALUES, max_size=8)


@settings(max_examples=120, deadline=None)
@given(
    contacts=st.lists(_OBJECTS, max_size=4),
    extra=st.dictionaries(_NAMES, _VALUES, max_size=3),
    files=st.dictionaries(_NAMES, st.just("call.wav"), max_size=2),
    run_from=st.integers(1, 3),
    bound=st.integers(0, 4),
)
def test_small_objects_list_what_every_finding_lists(
    contacts: list[dict[str, Any]],
    extra: dict[str, Any],
    files: dict[str, str],
    run_from: int,
    bound: int,
) -> None:
    """Runs from one member on (at the body's root too, beside file parts)."""
    manifest = _contacts_manifest(list(contacts))
    manifest["body"] |= extra
    manifest["files"] |= files
    target = _target(manifest)
    assert _lint(target, run_from, bound) == _lint(target, _NEVER, bound)


@settings(max_examples=150, deadline=None)
@given(contacts=st.lists(_OBJECTS, max_size=5), extra=_OBJECTS, batch_from=st.integers(0, 4))
def test_the_walk_in_runs_finds_what_the_walk_by_member_finds(
    contacts: list[dict[str, Any]], extra: dict[str, Any], batch_from: int
) -> None:
    from tapecheck.suite.lint._validation import body_schema
    from tapecheck.suite.specs import load_spec

    spec = load_spec("alpharun")
    found = body_schema(spec, spec.operation("upload"), "multipart/form-data")
    assert found is not None
    walker = SchemaWalker(found.root)
    instance = {"contacts": contacts, "teammate_email": "a@b.io", **extra}
    runs = list(walker.undefined_runs(found.root, instance, batch_from=batch_from))
    flat = [((*run.tokens, name), run.known) for run in runs for name in run.names]
    assert flat == list(walker.undefined(found.root, instance))
    assert all(run.names for run in runs)
