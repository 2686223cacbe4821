"""The ``tapecheck`` command line: parse options, call the engine, pick a writer.

Every import of the engine happens inside the command that needs it, so
``tapecheck lint`` starts without schemathesis, hypothesis, starlette or pydub.
Exit codes follow ruff: 0 clean, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from tapecheck import __version__
from tapecheck.suite.cli_spec import spec_option, vendor_or_spec

__all__ = ["CONFORM_EXTRA_MODULES", "main"]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


#: The top-level modules of the `conform` extra (pyproject.toml): `lint`, `rule`,
#: `probe` and `specs` need none of them; `conform`, `mock`, `selftest` and `proxy` do.
CONFORM_EXTRA_MODULES = frozenset(
    {
        "httpx",
        "hypothesis",
        "imageio_ffmpeg",
        "multipart",
        "python_multipart",
        "pydub",
        "rich",
        "schemathesis",
        "starlette",
        "uvicorn",
    }
)


class _Group(click.Group):
    """Lists commands in the order they are defined; names the extra a command misses."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if isinstance(found, _LazyCommand):  # loaded when named: `lint` never imports `conform`
            ctx.invoked_subcommand = cmd_name  # named by the missing-extra message if loading fails
            found = self.commands[cmd_name] = found.load()
        return found

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if missing not in CONFORM_EXTRA_MODULES:
                raise
            command = ctx.invoked_subcommand or "this command"
            _fail(
                f"`tapecheck {command}` needs the `conform` extra ({missing} is not installed); "
                "install it with: pip install 'tapecheck[conform]' (or 'tapecheck[all]')"
            )


class _LazyCommand(click.Command):
    """A command held by name until it is run or listed; its module is imported then."""

    def __init__(self, name: str, loader: Callable[[], click.Command]) -> None:
        super().__init__(name)
        self._loader = loader

    def load(self) -> click.Command:
        return self._loader()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tapecheck")
def main() -> None:
    """Conformance suite and pre-flight linter for recording-upload APIs."""


# -- tapecheck specs ----------------------------------------------------------


@main.group("specs", cls=_Group, invoke_without_command=True)
@click.option("--names", is_flag=True, help="Print only the vendors' names, one a line.")
@click.pass_context
def specs_group(ctx: click.Context, names: bool) -> None:
    """List the vendors and their operations (`specs check` validates the specs)."""
    if ctx.invoked_subcommand is not None:
        return
    from tapecheck.suite import specs

    # Installed third-party vendors too (their packages' entry points); a refused one is named.
    from tapecheck.suite.catalogue import scan_vendor_packages

    refused = scan_vendor_packages()
    for problem in refused:
        click.echo(f"tapecheck: a third-party vendor is refused: {problem}", err=True)
    listed, broken = specs.vendors(), len(refused)
    if names:  # for scripts: `for v in $(tapecheck specs --names); do ...; done`
        for vendor in listed:
            click.echo(vendor)
        sys.exit(EXIT_FINDINGS if broken else EXIT_CLEAN)
    for vendor in listed:
        try:
            spec = specs.load_spec(vendor)
            operations = list(spec.operations.values())
        except Exception as exc:  # a broken bundled spec is named, the others still listed
            broken += 1
            reason = " ".join(str(exc).split())[:200]
            click.echo(f"{vendor}  (cannot be read: {reason}; `tapecheck specs check` says why)")
            continue
        click.echo(f"{vendor}  {spec.title}  {spec.base_url}")
        for op in operations:
            marker = "*" if op.is_default else " "
            click.echo(f"  {marker} {op.operation_id:<20} {op.method.upper():<6} {op.path}")
    click.echo("(* the default operation of a manifest that names none)")
    sys.exit(EXIT_FINDINGS if broken else EXIT_CLEAN)


@specs_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--spec",
    "spec_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A spec that is not bundled (repeatable); its vendor name must not be a bundled one.",
)
def specs_check(paths: tuple[Path, ...], spec_files: tuple[Path, ...]) -> None:
    """Validate the bundled specs, or the given files, as OpenAPI and x-tapecheck."""
    from tapecheck.suite import spec_check, specs

    problems: list[spec_check.SpecProblem] = []
    checked: list[str] = []
    for path in spec_files:  # as a path, and as a vendor that may join the catalogue
        checked.append(str(path))
        found = spec_check.check_spec_file(path)
        vendor = _spec_vendor(path) if not found else None
        if vendor is not None and vendor in specs.bundled_vendors():
            found.append(
                spec_check.SpecProblem(
                    str(path),
                    "/x-tapecheck/vendor",
                    f"vendor {vendor!r} is bundled with tapecheck; give your API a name of its own",
                )
            )
        problems += found
    if paths:
        for path in paths:
            checked.append(str(path))
            problems += spec_check.check_spec_file(path)
    elif not spec_files:
        for vendor in specs.bundled_vendors():
            source = f"specs/{vendor}.yaml"
            checked.append(source)
            problems += spec_check.check_spec(specs.spec_text(vendor), source=source)
    for problem in problems:
        click.echo(str(problem))
    bad = {p.source for p in problems}
    click.echo(f"{len(checked) - len(bad)} of {len(checked)} specs valid, {len(problems)} problems")
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def _spec_vendor(path: Path) -> str | None:
    """The ``x-tapecheck.vendor`` of a spec file that has passed the check."""
    from tapecheck.suite.specs import load_spec_text

    return load_spec_text(path.read_text(encoding="utf-8"), source=str(path)).vendor


# -- tapecheck lint -----------------------------------------------------------


class _LintFormat(click.Choice[str]):
    """The lint writers' names, read from the registry only when needed.

    Converting a name imports that writer's module alone (``text`` is
    ``tapecheck.reports.text``); the full list, for ``--help`` or an unknown
    name, imports every writer. A cold ``tapecheck lint`` saves about 25 ms.
    """

    def __init__(self) -> None:
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from tapecheck.reports import LINT_WRITERS

        return sorted(LINT_WRITERS)

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # the registry is the list

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.isidentifier():
            import importlib

            from tapecheck.reports.base import LINT_WRITERS

            with contextlib.suppress(ImportError):
                importlib.import_module(f"tapecheck.reports.{value}")
            if value in LINT_WRITERS:
                return value
        return super().convert(value, param, ctx)


def _fail(message: str) -> NoReturn:
    click.echo(f"tapecheck: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@main.command("lint")
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "--vendor", help="Vendor of manifests that name none, and of audio files given alone."
)
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=_LintFormat(),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@click.option("--select", help="Comma-separated codes or prefixes to enable (CRS, AUD00, ALL).")
@click.option(
    "--extend-select", help="Codes or prefixes to enable on top of the configured selection."
)
@click.option("--ignore", help="Comma-separated codes or prefixes to disable.")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A pyproject.toml (or .toml) with [tool.tapecheck].",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes (default: automatic for large folders).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: on a terminal)."
)
@click.option(
    "--force-exclude",
    is_flag=True,
    default=None,
    help="Apply exclude/extend-exclude to paths given by name too (as pre-commit passes them).",
)
@click.option(
    "--statistics", is_flag=True, help="Print the number of findings per rule instead of them."
)
@click.option(
    "--stdin-filename",
    help="The name of the manifest read from stdin (`-`): its files are relative to its folder.",
)
@click.option(
    "--find-manifests",
    is_flag=True,
    help="Lint an audio PATH through every manifest under the project root that names it "
    "(the pre-commit hooks pass it).",
)
@spec_option
def lint_command(
    paths: tuple[str, ...],
    vendor: str | None,
    output_format: str,
    output: Path | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    config: Path | None,
    exit_zero: bool,
    jobs: int | None,
    color: bool | None,
    force_exclude: bool | None,
    statistics: bool,
    stdin_filename: str | None,
    find_manifests: bool,
    spec_file: Path | None,
) -> None:
    """Check request manifests and audio files before they are sent.

    A PATH is a manifest (.json, .yaml, .yml), an audio file (needs --vendor)
    or a folder, walked for *.request.json, *.request.yaml and *.request.yml
    (skipping what exclude/extend-exclude name). `-` reads a manifest from stdin.
    """
    from dataclasses import replace

    from tapecheck.reports.base import LINT_WRITERS
    from tapecheck.suite.catalogue import is_vendor
    from tapecheck.suite.lint.config import (
        ConfigError,
        Selection,
        find_config,
        load_config,
        parse_codes,
    )
    from tapecheck.suite.lint.engine import (
        INTERNAL_ERROR,
        InternalRuleError,
        LintRequest,
        UsageError,
        lint_paths,
    )
    from tapecheck.suite.specs import vendors

    if spec_file is not None:  # its vendor is the default of manifests that name none
        vendor = vendor_or_spec(vendor, spec_file, what="--vendor")
    if vendor is not None and not is_vendor(vendor):
        _fail(f"unknown vendor {vendor!r} in --vendor; use one of {', '.join(vendors())}")
    known = vendors()
    if config is not None and not config.is_file():
        _fail(f"--config {config}: no such file")
    try:
        settings = load_config(config if config is not None else find_config(), known_vendors=known)
    except ConfigError as exc:
        _fail(str(exc))
    selection = settings.selection
    if select is not None:
        selection = replace(selection, select=parse_codes(select) or ("ALL",))
    if extend_select is not None:
        selection = replace(selection, select=selection.select + parse_codes(extend_select))
    if ignore is not None:
        selection = replace(selection, ignore=selection.ignore + parse_codes(ignore))
    _check_selectors((*selection.select, *selection.ignore))
    settings.selection = Selection(select=selection.select, ignore=selection.ignore)
    if force_exclude is not None:
        settings.force_exclude = force_exclude
    if statistics and output_format not in ("text", "json"):
        _fail(f"--statistics prints text or json, not {output_format}")
    stdin = _read_stdin(paths, stdin_filename, settings)
    try:
        request = LintRequest(
            paths=[p for p in paths if p != "-"] if "-" in paths else (paths or (".",)),
            vendor=vendor,
            config=settings,
            jobs=jobs,
            stdin=stdin,
            stdin_filename=stdin_filename,
            find_manifests=find_manifests,
        )
        result = lint_paths(request)
    except UsageError as exc:
        _fail(str(exc))
    except InternalRuleError as exc:
        click.echo(f"tapecheck: internal error: {exc}\nPlease report this bug.", err=True)
        sys.exit(EXIT_USAGE)
    for note in request.notes:
        click.echo(f"tapecheck: note: {note}", err=True)
    if statistics:
        _write_statistics(result, output_format, output)
        _exit_now(EXIT_FINDINGS if result.errors and not exit_zero else EXIT_CLEAN)
    writer = LINT_WRITERS[output_format]()
    if output_format == "sarif":
        from tapecheck.suite.lint.registry import all_rules

        result.rules = [rule.to_doc() for rule in all_rules()]
    # A JSON manifest can hold lone surrogates ("\ud800"): escape them, never crash on them.
    if output is not None:
        try:
            with output.open("w", encoding="utf-8", errors="backslashreplace") as stream:
                writer.write(result, stream, color=False)
        except OSError as exc:
            _fail(f"--output {output}: {exc.strerror or exc}")
    else:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(errors="backslashreplace")
        use_color = sys.stdout.isatty() if color is None else color
        writer.write(result, sys.stdout, color=use_color)
    if any(finding.code == INTERNAL_ERROR for finding in result.findings):
        # A rule failed (a bug in tapecheck): its verdict is unknown, so never exit 0 or 1.
        _exit_now(EXIT_USAGE)
    _exit_now(EXIT_FINDINGS if result.errors and not exit_zero else EXIT_CLEAN)


def _exit_now(status: int) -> NoReturn:
    """End ``tapecheck lint`` with ``status``, its output flushed, skipping Python's teardown.

    The interpreter's shutdown frees every object a bulk run left behind (a
    thousand manifests' trees and findings, the compiled validators, the
    modules): 12-36 ms of CPU that nobody waits for. Only when this process is
    the command itself (the console script, ``python -m tapecheck``), with no
    other thread and no coverage measurement running; a command run in-process
    (click's CliRunner, a test) exits as usual, through ``SystemExit``.
    """
    if _is_own_process():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: the usual exit reports it as before
            sys.exit(status)
        os._exit(status)
    sys.exit(status)


def _is_own_process() -> bool:
    """Whether this process runs the command line and nothing else that needs a clean exit."""
    if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        return False  # output captured in-process (CliRunner, pytest)
    if "coverage" in sys.modules:
        return False  # its atexit handler writes the data file
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    launcher = sys.modules.get("__main__")
    spec = getattr(launcher, "__spec__", None)
    if spec is not None and spec.name == "tapecheck.__main__":
        return True
    script = Path(str(getattr(launcher, "__file__", "") or "")).name.lower()
    return script in ("tapecheck", "tapecheck.exe", "tapecheck-script.py")


def _read_stdin(paths: tuple[str, ...], stdin_filename: str | None, settings: Any) -> bytes | None:
    """The manifest on stdin when ``-`` is a PATH (bounded: never more than a manifest may hold)."""
    from tapecheck.suite.manifest import MAX_MANIFEST_BYTES

    if "-" not in paths:
        if stdin_filename is not None:
            _fail("--stdin-filename names the manifest read from stdin: pass `-` as the PATH")
        return None
    if paths.count("-") > 1:
        _fail("`-` (stdin) can be given once")
    if (
        stdin_filename is not None
        and settings.force_exclude
        and settings.is_excluded(stdin_filename)
    ):
        return None
    # One byte over the limit is enough for the manifest loader to report it as too large.
    return sys.stdin.buffer.read(MAX_MANIFEST_BYTES + 1)


def _write_statistics(result: Any, output_format: str, output: Path | None) -> None:
    """``--statistics``: how many findings each rule has, most first (as ruff prints them)."""
    import json
    from collections import Counter

    from tapecheck.suite.lint.registry import all_rules

    counts = Counter(f.code for f in result.findings)
    rules = {rule.code: rule for rule in all_rules()}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    entries = [
        {
            "code": code,
            "name": rules[code].name if code in rules else "",
            "severity": rules[code].severity if code in rules else "",
            "count": count,
        }
        for code, count in ordered
    ]
    if output_format == "json":
        text = json.dumps(entries, indent=2) + "\n"
    else:
        width = max((len(str(entry["count"])) for entry in entries), default=1)
        text = "".join(
            f"{entry['count']:>{width}}\t{entry['code']}\t{entry['name']}\t{entry['severity']}\n"
            for entry in entries
        )
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"--output {output}: {exc.strerror or exc}")


def _check_selectors(selectors: tuple[str, ...]) -> None:
    """A selector must be ALL or the prefix of at least one rule code."""
    if all(selector == "ALL" for selector in selectors):
        return  # the common case: no need to import every vendor's rules
    from tapecheck.suite.lint.registry import all_rules

    codes = [rule.code for rule in all_rules()]
    for selector in selectors:
        if selector != "ALL" and not any(code.startswith(selector) for code in codes):
            _fail(f"unknown rule selector {selector!r}; see `tapecheck rule --all`")


# -- tapecheck rule -----------------------------------------------------------


@main.command("rule")
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: the rule pages as docs/rules.md holds them.",
)
def rule_command(code: str | None, show_all: bool, output_format: str) -> None:
    """Explain a rule (`tapecheck rule CRS003`), or list them all (`--all`)."""
    import json

    from tapecheck.suite.lint.registry import all_rules

    rules = all_rules()
    if show_all == (code is not None):
        _fail("give a rule CODE or --all")
    if output_format == "markdown":
        from tapecheck.reports.rulebook import rule_section, rulebook

        if show_all:
            click.echo(rulebook([r.to_doc() for r in rules]), nl=False)
            return
        chosen = next((r for r in rules if r.code == (code or "").upper() or r.name == code), None)
        if chosen is None:
            _fail(f"unknown rule {code!r}; see `tapecheck rule --all`")
        click.echo(rule_section(chosen.to_doc()), nl=False)
        return
    if show_all:
        if output_format == "json":
            entries = [
                {
                    "code": r.code,
                    "name": r.name,
                    "severity": r.severity,
                    "vendor": r.vendor,
                    "summary": r.summary,
                }
                for r in rules
            ]
            click.echo(json.dumps(entries, indent=2))
        else:
            for r in rules:
                click.echo(f"{r.code}  {r.name:<34} {r.severity:<8} {r.summary}")
        return
    wanted = (code or "").upper()
    found = next((r for r in rules if r.code == wanted or r.name == code), None)
    if found is None:
        _fail(f"unknown rule {code!r}; see `tapecheck rule --all`")
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "code": found.code,
                    "name": found.name,
                    "severity": found.severity,
                    "vendor": found.vendor,
                    "summary": found.summary,
                    "fix_title": found.fix_title,
                    "explanation": found.doc,
                },
                indent=2,
            )
        )
    else:
        click.echo(found.explain(), nl=False)


# -- tapecheck mock -----------------------------------------------------------

#: The credential a mock accepts when --token is not given (CONTRACT.md, `tapecheck mock`).
_MOCK_TOKEN = "test-token"


@main.command("mock")
@click.argument("vendor", required=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: a free one).",
)
@click.option(
    "--token",
    default=None,
    help=f"The credential the mock accepts  [default: {_MOCK_TOKEN}]",
)
@click.option(
    "--tenant",
    default="tenant-a",
    show_default=True,
    help="The tenant the mock knows (in the header or path parameter of the spec's tenant).",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@spec_option
def mock_command(
    vendor: str | None,
    host: str,
    port: int,
    token: str | None,
    tenant: str,
    quiet: bool,
    spec_file: Path | None,
) -> None:
    """Serve VENDOR's reference mock over HTTP under the vendor's base path (Ctrl-C stops it).

    It prints the base URL, the tenant it knows and, unless --token was given,
    the token it accepts; then one line per request (method, path, status,
    time) unless --quiet. With --spec FILE, the generic mock of that spec
    (VENDOR may then be left out).
    """
    from tapecheck.suite import specs
    from tapecheck.suite.vendors import mock_factory

    vendor = vendor_or_spec(vendor, spec_file)
    from tapecheck.suite.mocks.server import base_path, serve

    spec = specs.load_spec(vendor)
    app = mock_factory(vendor)(token=token or _MOCK_TOKEN, tenant=tenant)
    prefix = base_path(spec)
    if not quiet:
        from tapecheck.suite.mocks.access_log import AccessLog

        app = AccessLog(app, click.echo)

    def ready(origin: str) -> None:
        click.echo(f"tapecheck mock {vendor}: base URL {origin}{prefix}")
        for line in _mock_credentials(spec, token=token, tenant=tenant):
            click.echo(f"  {line}")
        click.echo("Press Ctrl-C to stop.")

    try:
        serve(app, host=host, port=port, on_ready=ready)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        pass


def _mock_credentials(spec: Any, *, token: str | None, tenant: str) -> list[str]:
    """What a client must send to the mock; a token given on the command line is never echoed."""
    from collections.abc import Mapping

    lines: list[str] = []
    where = spec.ext.get("tenant")
    if isinstance(where, Mapping) and where.get("name"):
        place = "header" if where.get("in") == "header" else f"{where.get('in')} parameter"
        lines.append(f"tenant: {tenant} (the {where['name']} {place})")
    kinds = [c for c in spec.credentials if isinstance(c, Mapping)]
    kind = f" ({kinds[0]['kind']})" if kinds and kinds[0].get("kind") else ""
    if token is None:
        lines.append(f"token{kind}: {_MOCK_TOKEN} (the default; --token sets another)")
    else:
        lines.append(f"token{kind}: the one given with --token")
    for credential in kinds[1:]:
        if credential.get("kind") == "device-token" and credential.get("prefixes"):
            prefix = credential["prefixes"][0]
            lines.append(f"device token: any {prefix}<x> (one device and end user per token)")
    return lines


# -- tapecheck conform / selftest ---------------------------------------------


def _nightly_command() -> click.Command:
    from tapecheck.suite.cli_nightly import nightly_command

    return nightly_command


def _conform_command() -> click.Command:
    from tapecheck.suite.cli_conform import conform_command

    return conform_command


def _selftest_command() -> click.Command:
    from tapecheck.suite.cli_conform import selftest_command

    return selftest_command


def _proxy_command() -> click.Command:
    from tapecheck.suite.cli_proxy import proxy_command

    return proxy_command


# Imported when run or listed (about 37 ms that a cold `tapecheck lint` does not pay).
main.add_command(_LazyCommand("conform", _conform_command))
main.add_command(_LazyCommand("selftest", _selftest_command))
main.add_command(_LazyCommand("nightly", _nightly_command))
main.add_command(_LazyCommand("proxy", _proxy_command))


# -- tapecheck probe ----------------------------------------------------------


@main.command("probe")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per file; json: {files: [...]} for scripts.",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also decode the whole stream with PyAV to catch corrupt audio data (slow).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def probe_command(output_format: str, deep: bool, files: tuple[str, ...]) -> None:
    """Show what each audio FILE really is: format, MIME type, size, duration, problems.

    The format comes from the content, never the name. Exit 0 when no file
    has a problem, 1 otherwise (a missing file is a problem).
    """
    import importlib.util
    import json

    from tapecheck.suite import audio

    if deep and importlib.util.find_spec("av") is None:
        raise click.UsageError("--deep decodes with PyAV: pip install 'tapecheck[deep]'")

    def record(info: audio.AudioInfo) -> dict[str, object]:
        return {
            "path": info.path,
            "format": info.format,
            "mime": info.mime,
            "size": info.size,
            "duration_s": info.duration_s,
            "problems": [problem.message for problem in info.problems],
        }

    def line(info: audio.AudioInfo) -> str:
        verdict = "; ".join(f"{p.kind}: {p.message}" for p in info.problems) or "ok"
        if any(problem.kind == "missing" for problem in info.problems):
            return f"{info.path}: {verdict}"
        parts = [info.format if info.mime is None else f"{info.format} ({info.mime})"]
        parts.append(f"{info.size:,} bytes")
        if info.duration_s is not None:
            parts.append(f"{info.duration_s:,.3f} s")
        layout = {1: "mono", 2: "stereo"}.get(info.channels or 0)
        if layout is None and info.channels:
            layout = f"{info.channels} channels"
        rate = f"{info.sample_rate:,} Hz" if info.sample_rate else None
        stream = " ".join(value for value in (info.codec, rate, layout) if value)
        if stream:
            parts.append(stream)
        return f"{info.path}: {', '.join(parts)}: {verdict}"

    infos = [audio.probe(path, deep=deep) for path in files]
    if output_format == "json":
        click.echo(json.dumps({"files": [record(info) for info in infos]}, indent=2))
    else:
        for info in infos:
            click.echo(line(info))
        bad = sum(1 for info in infos if info.problems)
        noun = "file" if len(infos) == 1 else "files"
        click.echo(f"{len(infos)} {noun} probed, {bad} with problems")
    sys.exit(EXIT_FINDINGS if any(info.problems for info in infos) else EXIT_CLEAN)
