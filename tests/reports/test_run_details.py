"""Details of the run reports a reader trips on.

JUnit test names are the stable requirement ids (the title is a property), HTML
titles render Markdown code spans instead of showing backticks, and a
``--quick`` run records no generated examples, because none were generated.
"""

from __future__ import annotations

import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from tapecheck.reports.html import run_to_html
from tapecheck.reports.junit import RunJunitWriter
from tapecheck.reports.model import Run
from tapecheck.suite.cli import main


def test_junit_names_are_stable_ids_with_the_title_as_a_property(run: Run) -> None:
    stream = io.StringIO()
    RunJunitWriter().write(run, stream)
    cases = ET.fromstring(stream.getvalue()).findall(".//testcase")
    assert [case.get("name") for case in cases] == [r.id for r in run.requirements]
    for case, requirement in zip(cases, run.requirements, strict=True):
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert properties["title"] == requirement.title


def test_html_titles_render_code_spans(run: Run) -> None:
    first = dataclasses.replace(
        run.requirements[0], title="A `metadata.id` with `<b>` is refused", status="failed"
    )
    html = run_to_html(dataclasses.replace(run, requirements=[first, *run.requirements[1:]]))
    assert "A <code>metadata.id</code> with <code>&lt;b&gt;</code> is refused" in html
    assert "`metadata.id`" not in html


def test_a_quick_run_records_no_examples(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["conform", "crescendo", "--quick", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["mode"] == "quick"
    assert report["examples"] == 0
    assert "25 examples" not in result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "25 per requirement" not in html
    assert "none (deterministic only)" in html
