"""The ``tapecheck`` command line: parse options, call the engine, pick a writer.

Every import of the engine happens inside the command that needs it, so
``tapecheck lint`` starts without schemathesis, hypothesis, starlette or pydub.
Exit codes follow ruff: 0 clean, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tapecheck import __version__

__all__ = ["main"]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _Group(click.Group):
    """Lists commands in the order they are defined, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tapecheck")
def main() -> None:
    """Conformance suite and pre-flight linter for recording-upload APIs."""


# -- tapecheck specs ----------------------------------------------------------


@main.group("specs", cls=_Group, invoke_without_command=True)
@click.pass_context
def specs_group(ctx: click.Context) -> None:
    """List the vendors and their operations (`specs check` validates the specs)."""
    if ctx.invoked_subcommand is not None:
        return
    from tapecheck.suite import specs

    for vendor in specs.vendors():
        spec = specs.load_spec(vendor)
        click.echo(f"{vendor}  {spec.title}  {spec.base_url}")
        for op in spec.operations.values():
            marker = "*" if op.is_default else " "
            click.echo(f"  {marker} {op.operation_id:<20} {op.method.upper():<6} {op.path}")
    click.echo("(* the default operation of a manifest that names none)")


@specs_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def specs_check(paths: tuple[Path, ...]) -> None:
    """Validate the bundled specs, or the given files, as OpenAPI and x-tapecheck."""
    from tapecheck.suite import specs

    problems: list[specs.SpecProblem] = []
    checked: list[str] = []
    if paths:
        for path in paths:
            checked.append(str(path))
            problems += specs.check_spec_file(path)
    else:
        for vendor in specs.vendors():
            source = f"specs/{vendor}.yaml"
            checked.append(source)
            problems += specs.check_spec(specs.spec_text(vendor), source=source)
    for problem in problems:
        click.echo(str(problem))
    bad = {p.source for p in problems}
    click.echo(f"{len(checked) - len(bad)} of {len(checked)} specs valid, {len(problems)} problems")
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)
