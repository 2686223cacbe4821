"""``tapecheck lint`` and ``tapecheck rule`` end to end, through the real command line.

Everything CONTRACT.md section 1 promises a user or a script: exit codes,
every ``--format``, ``--output``, ``--select``/``--ignore`` with ruff's
semantics, ``--exit-zero``, ``[tool.tapecheck]`` (found from the working
directory or given with ``--config``), the folder walk, positions in the JSON
output, ``--jobs``, the rule pages, and a lint path that imports nothing heavy.
Most tests run the CLI in-process with click's ``CliRunner``; a few run a real
``tapecheck`` process.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result
from test_cases import CASE_AUDIO, CASE_AUDIO_SECONDS, NEGATIVE

from tapecheck.reports.model import Finding, LintResult
from tapecheck.reports.text import LintTextWriter
from tapecheck.suite.cli import main
from tapecheck.suite.lint.registry import DOC_HEADINGS, all_rules

if TYPE_CHECKING:
    from conftest import AudioSamples

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RULES = {rule.code: rule for rule in all_rules()}

_AUTH = 'headers: {Authorization: "Bearer ${CRESCENDO_API_KEY}"}\n'
#: A clean Crescendo upload; the tests break one thing at a time.
CLEAN = (
    "vendor: crescendo\npath: {tenantId: tenant-a}\n"
    + _AUTH
    + "body: {metadata: {id: call-1}}\nfiles: {audio: call.wav}\n"
)


def lint(*args: str | Path) -> Result:
    """``tapecheck lint ARGS`` in-process; a traceback fails the test, whatever the exit."""
    result = CliRunner().invoke(main, ["lint", *(str(a) for a in args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def lint_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = lint("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def codes(report: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((d["code"], d["pointer"]) for d in report["diagnostics"])


def code_set(report: dict[str, Any]) -> set[str]:
    return {d["code"] for d in report["diagnostics"]}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def calls(tmp_path: Path, audio: AudioSamples, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a 0.25 s ``call.wav`` (4,044 bytes); no configuration above it."""
    (tmp_path / "call.wav").write_bytes(audio.wav(0.25))
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- exit codes ------------------------------------------------------------------------


def test_clean_manifest_exits_0(calls: Path) -> None:
    write(calls, "a.request.yaml", CLEAN)
    result = lint("a.request.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed (1 file).\n"


def test_an_error_exits_1(calls: Path) -> None:
    write(calls, "a.request.yaml", CLEAN.replace("call-1", "call 1"))
    assert lint("a.request.yaml").exit_code == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda text: text + "extra: 1\n", "MAN005"),  # warning
        (lambda text: text.replace("call-1}", "call-1}, note: x"), "SCH006"),  # warning
    ],
)
def test_warnings_alone_exit_0(calls: Path, change: Any, code: str) -> None:
    write(calls, "a.request.yaml", change(CLEAN))
    status, report = lint_json("a.request.yaml")
    assert status == 0
    assert code_set(report) == {code}
    assert report["summary"] == {"files": 1, "errors": 0, "warnings": 1, "info": 0}


def test_infos_alone_exit_0() -> None:
    status, report = lint_json(EXAMPLES / "siro" / "customer-fields-with-crm-objects.request.yaml")
    assert status == 0
    assert [d["severity"] for d in report["diagnostics"]] == ["info", "info"]
    assert report["summary"]["errors"] == report["summary"]["warnings"] == 0


def test_a_missing_path_is_man003_on_that_path_and_exits_1(calls: Path) -> None:
    status, report = lint_json("nowhere/x.request.yaml", "gone.wav")
    assert status == 1
    assert [(d["path"], d["code"], d["pointer"]) for d in report["diagnostics"]] == [
        ("gone.wav", "MAN003", ""),
        ("nowhere/x.request.yaml", "MAN003", ""),
    ]
    assert report["summary"]["files"] == 2


USAGE_ERRORS = [
    (["--format", "yaml"], "yaml"),
    (["--jobs", "0"], "--jobs"),
    (["--no-such-option"], "no-such-option"),
    (["--vendor", "acme"], "unknown vendor 'acme'"),
    (["--vendor", "Crescendo"], "unknown vendor"),
    (["--select", "XYZ"], "unknown rule selector 'XYZ'"),
    (["--ignore", "CRS9"], "unknown rule selector 'CRS9'"),
    (["--config", "missing.toml"], "no such file"),
    (["--output", "no/such/folder/out.json"], "--output"),
]


@pytest.mark.parametrize(("args", "says"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_exit_2(calls: Path, args: list[str], says: str) -> None:
    write(calls, "a.request.yaml", CLEAN)
    result = lint(*args, "a.request.yaml")
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert result.stdout == ""


def test_audio_without_vendor_exits_2(calls: Path) -> None:
    result = lint("call.wav")
    assert result.exit_code == 2
    assert "--vendor" in result.stderr
    assert lint("--vendor", "crescendo", "call.wav").exit_code == 0


BAD_CONFIGS = {
    "not TOML": "[tool.tapecheck\n",
    "select not a list": "[tool.tapecheck]\nselect = 5\n",
    "per-file-ignores not a table": '[tool.tapecheck]\nper-file-ignores = "x"\n',
    "unknown vendor": "[tool.tapecheck.limits.acme]\nmax-bytes = 1\n",
    "unknown limit": "[tool.tapecheck.limits.corti]\nmax-size = 1\n",
    "negative limit": "[tool.tapecheck.limits.corti]\nmax-bytes = -1\n",
    "wrong type": '[tool.tapecheck.limits.corti]\nmax-duration-s = "1h"\n',
    "unknown format": '[tool.tapecheck.limits.corti]\nformats = ["wma"]\n',
    "unknown selector": '[tool.tapecheck]\nignore = ["NOPE1"]\n',
}


@pytest.mark.parametrize("problem", sorted(BAD_CONFIGS))
def test_an_invalid_config_exits_2(calls: Path, problem: str) -> None:
    write(calls, "a.request.yaml", CLEAN)
    write(calls, "tapecheck.toml", BAD_CONFIGS[problem])
    given = lint("--config", "tapecheck.toml", "a.request.yaml")
    assert given.exit_code == 2, given.output
    assert given.stderr.startswith("tapecheck: error:")
    write(calls, "pyproject.toml", BAD_CONFIGS[problem])  # found, not given: the same
    found = lint("a.request.yaml")
    assert found.exit_code == 2, found.output


def test_an_unreadable_config_exits_2(calls: Path) -> None:
    write(calls, "a.request.yaml", CLEAN)
    (calls / "folder.toml").mkdir()
    assert lint("--config", "folder.toml", "a.request.yaml").exit_code == 2
    if Path("/proc/self/mem").exists():  # a file even root cannot read (EIO)
        (calls / "mem.toml").symlink_to("/proc/self/mem")
        result = lint("--config", "mem.toml", "a.request.yaml")
        assert result.exit_code == 2
        assert "cannot read" in result.stderr


# -- formats and --output ----------------------------------------------------------------

#: One clean manifest, one error, one warning and one info, for every writer.
MIXED = [
    EXAMPLES / "crescendo" / "upload.request.yaml",
    EXAMPLES / "crescendo" / "metadata-id-with-space.request.yaml",
    EXAMPLES / "crescendo" / "audio-and-file-parts.request.yaml",
    EXAMPLES / "siro" / "customer-fields-with-crm-objects.request.yaml",
]


def parse_output(fmt: str, text: str) -> list[tuple[str, str]]:
    """(path, code) of every finding an output names, parsed the way its consumer would."""
    if fmt == "json":
        return [(d["path"], d["code"]) for d in json.loads(text)["diagnostics"]]
    if fmt == "sarif":
        sarif = json.loads(text)
        assert sarif["version"] == "2.1.0"
        (run,) = sarif["runs"]
        known = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
        assert known == set(RULES)
        return [
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].removeprefix(
                    "file://"
                ),
                r["ruleId"],
            )
            for r in run["results"]
        ]
    if fmt == "github":
        found = []
        for line in text.splitlines():
            match = re.fullmatch(r"::(error|warning|notice) file=([^,]*),.*title=(\w+)::.*", line)
            assert match, line
            found.append((match[2], match[3]))
        return found
    if fmt == "junit":
        root = ET.fromstring(text)
        cases = list(root.iter("testcase"))
        assert len(cases) == len(MIXED)
        return [
            (case.get("name") or "", failure.get("type") or "")
            for case in cases
            for failure in case.iter("failure")
        ]
    found = []
    for line in text.splitlines():
        match = re.match(r"(\S+):(\d+):(\d+): ([A-Z]{3}\d{3})( \[\w+\])? \S", line)
        if match:
            found.append((match[1], match[4]))
        else:
            assert line.startswith(("  help: ", "Found ")), line
    return found


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_format_parses(fmt: str, tmp_path: Path) -> None:
    result = lint("--format", fmt, *MIXED)
    assert result.exit_code == 1
    _, report = lint_json(*MIXED)
    expected = [(d["path"], d["code"]) for d in report["diagnostics"]]
    if fmt == "junit":  # JUnit lists failures (errors) only; the rest is in system-out
        expected = [(p, c) for p, c in expected if RULES[c].severity == "error"]
    assert sorted(parse_output(fmt, result.stdout)) == sorted(expected)
    out = tmp_path / f"out.{fmt}"
    written = lint("--format", fmt, "--output", out, *MIXED)
    assert written.exit_code == 1
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == result.stdout


def test_output_is_never_coloured(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    lint("--color", "--output", out, *MIXED)
    assert "\x1b[" not in out.read_text(encoding="utf-8")
    assert "\x1b[" in lint("--color", *MIXED).stdout


# -- --select, --ignore, --exit-zero ---------------------------------------------------------

CRS_BROKEN = (
    "vendor: crescendo\npath: {tenantId: tenant-a}\n"
    "body: {metadata: {id: call 1}, note: x}\nfiles: {audio: call.wav, file: call.wav}\n"
)  # CRS003 /body/metadata/id, CRS005 /files/file, SCH006 /body/note, SEC004


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], {"CRS003", "CRS005", "SCH006", "SEC004"}),
        (["--select", "CRS"], {"CRS003", "CRS005"}),
        (["--select", "crs003,sec"], {"CRS003", "SEC004"}),
        (["--select", "ALL", "--ignore", "CRS"], {"SCH006", "SEC004"}),
        (["--ignore", "CRS003,SCH"], {"CRS005", "SEC004"}),
        (["--ignore", "ALL"], set()),
        (["--ignore", "ALL", "--select", "CRS"], {"CRS003", "CRS005"}),  # CRS is more specific
        (["--select", "CRS003", "--ignore", "CRS"], {"CRS003"}),  # the most specific wins
        (["--select", "CRS", "--ignore", "CRS003"], {"CRS005"}),
        (["--select", "CRS00", "--ignore", "CRS"], {"CRS003", "CRS005"}),
        (["--select", "CRS", "--ignore", "CRS"], set()),  # a tie: ignore wins
        (["--select", "SCH", "--extend-select", "SEC"], {"SCH006", "SEC004"}),
    ],
)
def test_select_and_ignore(calls: Path, options: list[str], expected: set[str]) -> None:
    write(calls, "a.request.yaml", CRS_BROKEN)
    _, report = lint_json(*options, "a.request.yaml")
    assert code_set(report) == expected


COR_NOT_UUID = EXAMPLES / "corti" / "interaction-id-not-uuid.request.yaml"


@pytest.mark.parametrize(
    "options", [["--ignore", "COR001"], ["--ignore", "COR"], ["--select", "SCH,SEC,AUD,MAN"]]
)
def test_ignoring_a_specific_rule_never_brings_back_the_generic_one(options: list[str]) -> None:
    _, everything = lint_json(COR_NOT_UUID)
    assert codes(everything) == Counter({("COR001", "/path/id"): 1})
    status, report = lint_json(*options, COR_NOT_UUID)
    assert report["diagnostics"] == []  # neither COR001 nor SCH004
    assert status == 0


def test_exit_zero_reports_errors_and_exits_0(calls: Path) -> None:
    write(calls, "a.request.yaml", CRS_BROKEN)
    result = lint("--exit-zero", "a.request.yaml")
    assert result.exit_code == 0
    assert "CRS003" in result.stdout
    assert "Found 2 errors, 2 warnings" in result.stdout


def test_exit_zero_does_not_hide_usage_errors(calls: Path) -> None:
    assert lint("--exit-zero", "--vendor", "acme", "x.request.yaml").exit_code == 2


# -- [tool.tapecheck] ------------------------------------------------------------------------


def test_pyproject_select_and_ignore(calls: Path) -> None:
    write(calls, "a.request.yaml", CRS_BROKEN)
    write(
        calls, "pyproject.toml", '[tool.tapecheck]\nselect = ["CRS", "SCH"]\nignore = ["CRS005"]\n'
    )
    _, report = lint_json("a.request.yaml")
    assert code_set(report) == {"CRS003", "SCH006"}
    _, report = lint_json("--select", "SEC", "a.request.yaml")  # the command line wins
    assert code_set(report) == {"SEC004"}
    _, report = lint_json("--ignore", "SCH", "a.request.yaml")  # ...and adds to the ignores
    assert code_set(report) == {"CRS003"}


def test_the_nearest_pyproject_at_or_above_the_working_directory(
    calls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(calls, "sub/deeper/a.request.yaml", CRS_BROKEN)
    shutil.copyfile(calls / "call.wav", calls / "sub" / "deeper" / "call.wav")
    write(calls, "pyproject.toml", '[tool.tapecheck]\nselect = ["SEC"]\n')
    write(calls, "sub/pyproject.toml", '[project]\nname = "no-tapecheck-table"\n')
    monkeypatch.chdir(calls / "sub" / "deeper")
    _, report = lint_json("a.request.yaml")
    assert code_set(report) == {"SEC004"}


def test_per_file_ignores(calls: Path) -> None:
    for name in ("legacy/old.request.yaml", "new/fresh.request.yaml"):
        write(calls, name, CRS_BROKEN)
        shutil.copyfile(calls / "call.wav", calls / Path(name).parent / "call.wav")
    write(
        calls,
        "pyproject.toml",
        """\
        [tool.tapecheck.per-file-ignores]
        "legacy/*.request.yaml" = ["CRS", "SEC004"]
        "*/fresh.request.yaml" = ["SCH006"]
        "nothing/*" = ["ALL"]
        """,
    )
    _, report = lint_json(".")
    by_file: dict[str, set[str]] = {}
    for d in report["diagnostics"]:
        by_file.setdefault(d["path"], set()).add(d["code"])
    assert by_file == {
        "legacy/old.request.yaml": {"SCH006"},
        "new/fresh.request.yaml": {"CRS003", "CRS005", "SEC004"},
    }
    _, report = lint_json(calls / "legacy")  # an absolute path matches from the root
    assert code_set(report) == {"SCH006"}


def test_per_file_ignores_never_bring_back_the_generic_rule(calls: Path) -> None:
    shutil.copyfile(COR_NOT_UUID, calls / "c.request.yaml")
    shutil.copyfile(EXAMPLES / "corti" / "visit.wav", calls / "visit.wav")
    write(calls, "pyproject.toml", '[tool.tapecheck.per-file-ignores]\n"c.*" = ["COR001"]\n')
    status, report = lint_json("c.request.yaml")
    assert (status, report["diagnostics"]) == (0, [])


LIMITS = [
    ("crescendo", "max-bytes = 1000", "AUD001"),
    ("crescendo", 'formats = ["mp3"]', "AUD003"),
    ("corti", "max-duration-s = 0.1", "AUD002"),
    ("corti", 'formats = ["flac", "mp3"]', "AUD003"),
]
CORTI_UPLOAD = (
    "vendor: corti\npath: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}\n"
    'headers: {Authorization: "Bearer ${CORTI_TOKEN}", Tenant-Name: "${CORTI_TENANT}",'
    " Content-Type: application/octet-stream}\ncontent: call.wav\n"
)


@pytest.mark.parametrize(("vendor", "setting", "code"), LIMITS)
def test_per_vendor_limits(calls: Path, vendor: str, setting: str, code: str) -> None:
    write(calls, "a.request.yaml", CLEAN if vendor == "crescendo" else CORTI_UPLOAD)
    assert lint_json("a.request.yaml")[1]["diagnostics"] == []
    write(calls, "pyproject.toml", f"[tool.tapecheck.limits.{vendor}]\n{setting}\n")
    status, report = lint_json("a.request.yaml")
    assert status == 1
    assert codes(report) == Counter(
        {(code, "/files/audio" if vendor == "crescendo" else "/content"): 1}
    )
    alone = lint_json("--vendor", vendor, "call.wav")[1]  # an audio file alone, same limits
    assert codes(alone) == Counter({(code, ""): 1})
    other = "corti" if vendor == "crescendo" else "crescendo"  # another vendor is untouched
    assert lint_json("--vendor", other, "call.wav")[1]["diagnostics"] == []


def test_higher_limits_silence_the_defaults(calls: Path, audio: AudioSamples) -> None:
    (calls / "call.wav").write_bytes(audio.wav(2.0))
    write(calls, "a.request.yaml", CORTI_UPLOAD)
    write(calls, "low.toml", "[tool.tapecheck.limits.corti]\nmax-duration-s = 1\n")
    write(calls, "pyproject.toml", "[tool.tapecheck.limits.corti]\nmax-duration-s = 7200\n")
    assert code_set(lint_json("--config", "low.toml", "a.request.yaml")[1]) == {"AUD002"}
    assert lint_json("a.request.yaml")[1]["diagnostics"] == []


def test_config_file_given_with_a_bare_table(calls: Path) -> None:
    """``--config`` takes a pyproject.toml or a .toml whose root is the tapecheck table."""
    write(calls, "a.request.yaml", CRS_BROKEN)
    write(calls, "pyproject.toml", '[tool.tapecheck]\nselect = ["CRS"]\n')
    write(calls, "strict.toml", 'select = ["SEC"]\n')
    write(calls, "other/pyproject.toml", '[tool.tapecheck]\nselect = ["SCH"]\n')
    assert code_set(lint_json("--config", "strict.toml", "a.request.yaml")[1]) == {"SEC004"}
    assert code_set(lint_json("--config", "other/pyproject.toml", "a.request.yaml")[1]) == {
        "SCH006"
    }


# -- the folder walk ----------------------------------------------------------------------------


def test_a_folder_is_walked_for_request_manifests_only(calls: Path) -> None:
    names = [
        "a.request.yaml",
        "b.request.yml",
        "c.request.json",
        "deep/er/d.request.yaml",
        "E.REQUEST.YAML",
    ]
    for name in names:
        write(calls, name, "vendor: nope\n" if not name.endswith("json") else '{"vendor": "nope"}')
    for name in ("plain.yaml", "plain.json", "x.request.txt", "request.yaml", "x.request.yaml.bak"):
        write(calls, name, "vendor: [\n")
    (calls / "dir.request.yaml").mkdir()
    status, report = lint_json(".")
    assert status == 1
    assert report["summary"]["files"] == len(names)
    assert sorted(d["path"] for d in report["diagnostics"]) == sorted(names)
    assert code_set(report) == {"MAN002"}
    _, nested = lint_json("deep")
    assert [d["path"] for d in nested["diagnostics"]] == ["deep/er/d.request.yaml"]


def test_a_file_given_by_name_is_linted_whatever_its_name(calls: Path) -> None:
    write(calls, "plain.yaml", "vendor: [\n")
    _, report = lint_json("plain.yaml")
    assert codes(report) == Counter({("MAN001", ""): 1})


def test_empty_folder_is_clean(calls: Path) -> None:
    (calls / "empty").mkdir()
    result = lint("empty")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed (0 files).\n"


# -- positions in --format json -------------------------------------------------------------

POSITIONS = """\
# A Crescendo upload with one thing wrong.
vendor: crescendo
path: {}
headers:
  Authorization: "Bearer ${CRESCENDO_API_KEY}"
body:
  metadata:
    id: "call 123"
files:
  audio: call.wav
"""


def _where(text: str, needle: str, line: int) -> tuple[int, int]:
    return line, text.splitlines()[line - 1].index(needle) + 1


def test_positions_point_at_the_value(calls: Path) -> None:
    write(calls, "a.request.yaml", POSITIONS)
    _, report = lint_json("a.request.yaml")
    found = {(d["code"], d["pointer"]): (d["line"], d["column"]) for d in report["diagnostics"]}
    assert found == {
        ("CRS003", "/body/metadata/id"): _where(POSITIONS, '"call 123"', 8),
        ("SCH001", "/path/tenantId"): _where(POSITIONS, "{}", 3),  # missing: its parent's
    }


def test_a_missing_parent_falls_back_to_the_nearest_present_one(calls: Path) -> None:
    text = "# no path at all\n\nvendor: crescendo\n" + _AUTH + "body: {metadata: {id: a}}\n"
    write(calls, "a.request.yaml", text + "files: {audio: call.wav}\n")
    _, report = lint_json("a.request.yaml")
    (entry,) = report["diagnostics"]
    assert (entry["code"], entry["pointer"]) == ("SCH001", "/path/tenantId")
    assert (entry["line"], entry["column"]) == (3, 1)  # the document's own position


def test_positions_inside_a_json_string_form_field_are_the_strings(calls: Path) -> None:
    text = (
        "vendor: crescendo\npath: {tenantId: t}\n" + _AUTH + "body:\n"
        '  metadata: \'{"kind": "call", "id": "call 1"}\'\n'
        "files: {audio: call.wav}\n"
    )
    write(calls, "a.request.yaml", text)
    _, report = lint_json("a.request.yaml")
    (entry,) = report["diagnostics"]
    assert (entry["code"], entry["pointer"]) == ("CRS003", "/body/metadata/id")
    assert (entry["line"], entry["column"]) == _where(text, "'{", 5)
    write(calls, "b.request.yaml", text.replace(', "id": "call 1"', ""))
    _, report = lint_json("b.request.yaml")
    (entry,) = report["diagnostics"]
    assert (entry["code"], entry["pointer"]) == ("CRS002", "/body/metadata/id")
    assert (entry["line"], entry["column"]) == _where(text, "'{", 5)


def test_positions_in_a_json_manifest(calls: Path) -> None:
    text = (
        "{\n"
        '  "vendor": "crescendo",\n'
        '  "path": {"tenantId": "t"},\n'
        '  "headers": {"Authorization": "Bearer ${K}"},\n'
        '  "body": {"metadata": {"id": "call 1"}, "extra": "x"},\n'
        '  "files": {"audio": "call.wav"}\n'
        "}\n"
    )
    write(calls, "a.request.json", text)
    _, report = lint_json("a.request.json")
    found = {(d["code"], d["pointer"]): (d["line"], d["column"]) for d in report["diagnostics"]}
    assert found == {
        ("CRS003", "/body/metadata/id"): _where(text, '"call 1"', 5),
        ("SCH006", "/body/extra"): _where(text, '"x"', 5),
    }


def test_a_syntax_error_is_positioned_where_the_parser_stopped(calls: Path) -> None:
    write(calls, "a.request.yaml", "vendor: crescendo\nbody:\n  metadata: {id: a\n")
    write(calls, "b.request.json", '{\n  "vendor": "crescendo",\n}\n')
    _, report = lint_json("a.request.yaml", "b.request.json")
    found = [(d["path"], d["code"], d["pointer"], d["line"]) for d in report["diagnostics"]]
    assert found == [
        ("a.request.yaml", "MAN001", "", 4),
        ("b.request.json", "MAN001", "", 3),
    ]


def test_audio_alone_has_no_position_beyond_the_start(calls: Path) -> None:
    (calls / "empty.wav").write_bytes(b"")
    _, report = lint_json("--vendor", "crescendo", "empty.wav")
    (entry,) = report["diagnostics"]
    assert (entry["path"], entry["code"], entry["pointer"]) == ("empty.wav", "AUD006", "")
    assert (entry.get("line", 1), entry.get("column", 1)) == (1, 1)


# -- --jobs ------------------------------------------------------------------------------------


def _many_manifests(folder: Path, audio: AudioSamples, count: int) -> None:
    sources = sorted(EXAMPLES.glob("*/*.request.*"))
    for vendor in {p.parent.name for p in sources}:
        (folder / vendor).mkdir(parents=True)
        for sound in (EXAMPLES / vendor).iterdir():
            if sound.suffix in (".wav", ".mp3"):
                shutil.copyfile(sound, folder / vendor / sound.name)
    for index in range(count):
        source = sources[index % len(sources)]
        shutil.copyfile(source, folder / source.parent.name / f"{index:03d}-{source.name}")
    (folder / "crescendo" / "empty.wav").write_bytes(b"")
    (folder / "crescendo" / "z-broken.request.yaml").write_text(
        "vendor: crescendo\nfiles: {audio: empty.wav}\nbody: {metadata: '{'}\n", encoding="utf-8"
    )


def test_jobs_give_the_same_results(tmp_path: Path, audio: AudioSamples) -> None:
    _many_manifests(tmp_path, audio, 300)
    outputs = {}
    for jobs in ("1", "2", None):
        options = ["--jobs", jobs] if jobs else []
        result = lint("--format", "json", *options, tmp_path)
        assert result.exit_code == 1
        outputs[jobs] = json.loads(result.stdout)
    assert outputs["1"]["summary"]["files"] == 301
    assert outputs["1"] == outputs["2"] == outputs[None]


def test_jobs_in_a_real_process(tmp_path: Path, audio: AudioSamples) -> None:
    _many_manifests(tmp_path, audio, 240)
    runs = [
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tapecheck",
                "lint",
                "--format",
                "json",
                *options,
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for options in (["--jobs", "1"], ["--jobs", "2"])
    ]
    assert [run.returncode for run in runs] == [1, 1], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout


# -- tapecheck rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_page_for_every_code(code: str) -> None:
    result = CliRunner().invoke(main, ["rule", code])
    assert result.exit_code == 0, result.output
    rule = RULES[code]
    assert result.stdout.startswith(f"# {rule.name} ({code})\n")
    positions = [result.stdout.index(f"## {heading}\n") for heading in DOC_HEADINGS]
    assert positions == sorted(positions)
    assert f"Default severity: {rule.severity}." in result.stdout
    by_name = CliRunner().invoke(main, ["rule", rule.name])
    assert by_name.stdout == result.stdout
    lower = CliRunner().invoke(main, ["rule", code.lower()])
    assert lower.stdout == result.stdout


def test_rule_all_lists_every_code() -> None:
    result = CliRunner().invoke(main, ["rule", "--all"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == sorted(RULES)
    as_json = json.loads(CliRunner().invoke(main, ["rule", "--all", "--format", "json"]).stdout)
    assert [entry["code"] for entry in as_json] == sorted(RULES)


@pytest.mark.parametrize("args", [["NOPE"], ["CRS999"], [], ["CRS003", "--all"]])
def test_rule_usage_errors_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["rule", *args])
    assert result.exit_code == 2
    assert result.stdout == ""


# -- every code of the catalogue, through the command line ----------------------------------

_CRS = "vendor: crescendo\npath: {tenantId: t}\n" + _AUTH
_ALR = 'vendor: alpharun\nheaders: {Authorization: "Bearer ${ALPHARUN_API_KEY}"}\n'
_SIRO = 'vendor: siro\nheaders: {x-siro-auth-token: "${SIRO_AUTH_TOKEN}"}\n'
_LIMITS = (
    "[tool.tapecheck.limits.crescendo]\nmax-bytes = 1000\nformats = ['mp3']\n"
    "[tool.tapecheck.limits.corti]\nmax-duration-s = 0.1\n"
)
#: A manifest (in a folder holding call.wav, empty.wav and junk.wav) giving each generic code.
GENERIC_TRIGGERS: dict[str, str] = {
    "MAN001": "vendor: [\n",
    "MAN002": "vendor: nope\n",
    "MAN003": _CRS + "body: {metadata: {id: a}}\nfiles: {audio: gone.wav}\n",
    "MAN004": _CRS + "body: {metadata: {id: a}}\nfiles: {audio: ../call.wav}\n",
    "MAN005": CLEAN + "header: {}\n",
    "SCH001": CLEAN.replace("path: {tenantId: tenant-a}\n", ""),
    "SCH002": CLEAN.replace("{tenantId: tenant-a}", "{tenantId: [1]}"),
    "SCH003": (
        "vendor: bota\noperation: upload-url\nauth: secret-key\npath: {id: rec_1}\n"
        'headers: {Authorization: "Bearer ${BOTA_SECRET_KEY}"}\n'
        "body: {type: sound, content_type: audio/wav, file_size_bytes: 4044}\n"
        "files: {audio: call.wav}\n"
    ),
    "SCH004": _ALR + "body: {teammate_email: nope, recorded_at: '2024-01-15T19:30:00Z',"
    " contacts: [{email: a@example.com}]}\nfiles: {audio: call.wav}\n",
    "SCH005": _ALR + "body: {teammate_email: a@example.com, recorded_at: '2024-01-15T19:30:00Z',"
    " contacts: []}\nfiles: {audio: call.wav}\n",
    "SCH006": CLEAN.replace("call-1}", "call-1}, note: x"),
    # 1,100 refused contacts: 100 read in detail, the other 1,000 counted
    "SCH007": _ALR + "body: {teammate_email: a@example.com, recorded_at: '2024-01-15T19:30:00Z',"
    " contacts: [" + ", ".join(f"{{email: p{i}}}" for i in range(1_100)) + "]}\n"
    "files: {audio: call.wav}\n",
    "AUD001": CLEAN,
    "AUD002": CORTI_UPLOAD,
    "AUD003": CLEAN,
    "AUD004": CLEAN.replace("call.wav}", "{path: call.wav, content_type: audio/mpeg}}"),
    "AUD005": CLEAN.replace("call.wav", "junk.wav"),
    "AUD006": CLEAN.replace("call.wav", "empty.wav"),
    "AUD007": _SIRO + "operation: signed-urls\nbody: {fileType: wav, fileSize: 1}\n"
    "files: {audio: call.wav}\n",
    "SEC001": CLEAN.replace(_AUTH, 'query: {bearer_token: "${CRESCENDO_API_KEY}"}\n'),
    "SEC002": CLEAN.replace("${CRESCENDO_API_KEY}", "YOUR_API_KEY"),
    "SEC003": _SIRO + "body: {fileType: wav, downloadUrl: 'http://localhost/x.wav'}\n"
    "files: {audio: call.wav}\n",
    "SEC004": CLEAN.replace(_AUTH, ""),
}


def _vendor_trigger(code: str) -> Path:
    return next(case.path for case in NEGATIVE if any(c == code for c, _ in case.expected))


#: Rules of live traffic (``tapecheck proxy``); a manifest never triggers them (tests/test_proxy*.py).
#: Nor the codes the engine reports about tapecheck itself (TCK001, a rule that raised):
#: tests/test_lint_robust.py injects a raising rule instead.
MANIFEST_CODES = sorted(
    code for code in RULES if not code.startswith("FLW") and not code.startswith("TCK")
)


def test_every_code_has_a_trigger() -> None:
    vendor_codes = {code for code, rule in RULES.items() if rule.vendor}
    assert set(GENERIC_TRIGGERS) == set(MANIFEST_CODES) - vendor_codes
    for code in vendor_codes & set(MANIFEST_CODES):
        assert _vendor_trigger(code)


@pytest.mark.parametrize("code", MANIFEST_CODES)
def test_every_code_is_produced_through_the_cli_with_position_and_fix(
    calls: Path, audio: AudioSamples, code: str
) -> None:
    """The README's promise: file, line, column, code and a message saying how to fix it."""
    folder = calls / "case"
    folder.mkdir()
    (folder / CASE_AUDIO).write_bytes(audio.wav(CASE_AUDIO_SECONDS))
    (folder / "empty.wav").write_bytes(b"")
    (folder / "junk.wav").write_bytes(b"\x13\x37" * 300)
    if code in GENERIC_TRIGGERS:
        manifest = write(folder, "x.request.yaml", GENERIC_TRIGGERS[code])
    else:
        source = _vendor_trigger(code)
        manifest = folder / source.name
        shutil.copyfile(source, manifest)
    write(calls, "pyproject.toml", _LIMITS)
    status, report = lint_json("--select", code, manifest.relative_to(calls))
    assert code_set(report) == {code}, report
    assert status == (1 if RULES[code].severity == "error" else 0)
    for entry in report["diagnostics"]:
        assert entry["path"] == f"case/{manifest.name}"
        assert entry["line"] >= 1
        assert entry["column"] >= 1
        assert entry["fix"]
    text = lint("--select", code, manifest.relative_to(calls)).stdout
    first, help_line = text.splitlines()[:2]
    assert re.match(rf"case/{re.escape(manifest.name)}:\d+:\d+: {code}( \[\w+\])? \S", first)
    assert help_line.startswith("  help: ")


# -- the README's lint example ------------------------------------------------------------------


def _readme_lint_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.strip() for line in readme.splitlines()]
    return [line.split()[2:] for line in lines if line.startswith("$ tapecheck lint ")]


def test_the_readme_lint_example_shows_positions_codes_and_fixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _readme_lint_commands()
    assert commands, "README.md shows no `tapecheck lint` command"
    for args in commands:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        lines = result.stdout.splitlines()
        first = re.match(r"(\S+):(\d+):(\d+): ([A-Z]{3}\d{3}) (.+)", lines[0])
        assert first, lines[0]
        assert Path(first[1]).is_file()
        assert lines[1].startswith("  help: ")
        shown = "\n".join("    " + line for line in lines)
        assert shown in readme, f"README.md's output of `tapecheck lint` is stale:\n{shown}"


# -- the text writer never passes a terminal escape through --------------------------------------


def test_text_writer_escapes_control_characters() -> None:
    import io

    finding = Finding(
        path="calls/\x1b[2Jx.request.yaml",
        code="CRS003",
        severity="error",
        message="`metadata.id` 'a\x1b]0;title\x07b\nc\x9bd\u2028' is wrong",
        pointer="/body/metadata/id",
        line=3,
        column=7,
        fix="First line\nsecond line\x1b[31m",
    )
    out = io.StringIO()
    LintTextWriter().write(LintResult(findings=[finding], files=1), out)
    assert out.getvalue().splitlines() == [
        "calls/\\x1b[2Jx.request.yaml:3:7: CRS003 `metadata.id` "
        "'a\\x1b]0;title\\x07b\\nc\\x9bd\\u2028' is wrong",
        "  help: First line",
        "        second line\\x1b[31m",
        "Found 1 error, 0 warnings in 1 file.",
    ]


# -- the lint path imports nothing heavy ---------------------------------------------------------

HEAVY = ("schemathesis", "hypothesis", "starlette", "pydub", "uvicorn", "av", "rich")


@pytest.mark.parametrize("options", [["--jobs", "1"], ["--format", "sarif"], ["--jobs", "2"]])
def test_lint_path_imports_nothing_heavy(options: list[str]) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from click.testing import CliRunner
        import tapecheck.suite.cli, tapecheck.suite.lint.engine
        result = CliRunner().invoke(tapecheck.suite.cli.main, ["lint", *{options!r}, {str(EXAMPLES)!r}])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("launcher", ["module", "script"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_real_lint_process_flushes_everything_before_it_ends(
    launcher: str, jobs: str, tmp_path: Path
) -> None:
    """The command skips the interpreter's teardown: its output still arrives whole,
    through a pipe and through ``--output``, with the exit code of its findings."""
    command = (
        [sys.executable, "-m", "tapecheck"]
        if launcher == "module"
        else [str(Path(sys.executable).parent / "tapecheck")]
    )
    if not Path(command[0]).exists():
        pytest.skip("no console script beside this interpreter")
    written = tmp_path / "report.json"
    lint = [*command, "lint", "--jobs", jobs, "--format", "json", str(EXAMPLES)]
    piped = subprocess.run(lint, capture_output=True, text=True, timeout=120, check=False)
    to_file = subprocess.run(
        [*lint, "--output", str(written)], capture_output=True, text=True, timeout=120, check=False
    )
    clean = subprocess.run(
        [*command, "lint", str(EXAMPLES / "corti" / "upload.request.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (piped.returncode, to_file.returncode, clean.returncode) == (1, 1, 0)
    report = json.loads(piped.stdout)
    assert report == json.loads(written.read_text(encoding="utf-8"))
    assert report["summary"]["errors"] > 0
    assert report["summary"]["files"] == len(list(EXAMPLES.rglob("*.request.*")))
    assert clean.stdout.startswith("All checks passed")


@pytest.mark.parametrize(
    ("load", "running", "jobs"),
    [
        (1.2, 0, 2),  # an average still high from the last step; the cores are idle now
        (0.2, 3, 2),  # a burst now; the minute was quiet
        (1.2, 3, 1),  # busy by both measures
        (1.2, None, 1),  # no /proc/loadavg: the average decides
        (0.0, None, 2),
    ],
)
def test_automatic_jobs_count_the_cores_idle_now(
    monkeypatch: pytest.MonkeyPatch, load: float, running: int | None, jobs: int
) -> None:
    from tapecheck.suite.lint import engine

    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(engine, "_running_elsewhere", lambda: running)
    assert engine._auto_jobs(1000) == jobs
    assert engine._auto_jobs(99) == 1  # too few files to pay for a fork


def test_running_elsewhere_reads_the_system_or_says_it_cannot() -> None:
    from tapecheck.suite.lint import engine

    running = engine._running_elsewhere()
    if Path("/proc/loadavg").exists():
        assert isinstance(running, int)
        assert running >= 0
    else:
        assert running is None
