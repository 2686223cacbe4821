"""Run the rules over manifests and audio files and collect findings.

The engine finds the files, builds one :class:`LintContext` per file, runs the
rules that apply, lets a specific rule replace the generic findings it
supersedes on the same value, applies the selection, and makes and positions
the findings it lists (past a bound per code, one counts the rest: see
:mod:`~tapecheck.suite.lint._reported`). It never writes output: it returns a
:class:`~tapecheck.reports.model.LintResult`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tapecheck import __version__
from tapecheck.reports.model import Finding, LintResult
from tapecheck.suite.lint._reported import Reported, listed
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.discovery import (
    WALK_SUFFIXES,
    exclude_patterns,
    manifests_naming,
    walk_manifests,
)
from tapecheck.suite.lint.internal import INTERNAL_ERROR, internal_error_message
from tapecheck.suite.lint.overflow import MAX_PER_CODE
from tapecheck.suite.lint.registry import RULES, Rule, Violation, Violations, rules_for
from tapecheck.suite.manifest import Manifest, load_manifest, load_manifest_bytes

__all__ = [
    "INTERNAL_ERROR",
    "MANIFEST_SUFFIXES",
    "InternalRuleError",
    "LintRequest",
    "Target",
    "UsageError",
    "collect_targets",
    "lint_file",
    "lint_manifest",
    "lint_paths",
]

MANIFEST_SUFFIXES = (".json", ".yaml", ".yml")
#: Names a folder walk picks up.
_WALK_SUFFIXES = WALK_SUFFIXES
#: Files per worker process, at least: a fork costs a few ms, a manifest about 0.2 ms
#: (measured with benchmarks/lint_bench.py).
_PARALLEL_THRESHOLD = 100
#: Files per chunk a worker takes at a time (small: a worker on a busy core takes fewer).
_MIN_CHUNK, _MAX_CHUNK = 4, 32
#: Folders whose first file warms this process up before a fork (see lint_paths).
_WARM_FOLDERS = 16
#: What a pipe surely holds before anyone reads it (Linux: 64 KiB, 4 KiB for a user short of pages).
_PIPE_BYTES = 4096


class UsageError(Exception):
    """The command cannot do its job as asked (exit 2)."""


class InternalRuleError(RuntimeError):
    """A rule raised: a bug in tapecheck (kept for callers; lint reports TCK001 instead)."""


@dataclass(frozen=True)
class Target:
    """One file to lint: a manifest, an audio file, or a path that does not exist."""

    path: Path
    display: str
    kind: str  # "manifest", "audio" or "missing"
    #: The manifest's bytes when it came on stdin (``-``); ``path`` then only places it.
    content: bytes | None = None


@dataclass
class LintRequest:
    """What to lint and how."""

    paths: Sequence[str]
    vendor: str | None = None
    config: LintConfig = field(default_factory=LintConfig)
    jobs: int | None = None  # None: automatic
    #: A manifest read from stdin (``tapecheck lint -``), and the name that places it.
    stdin: bytes | None = None
    stdin_filename: str | None = None
    #: An audio PATH is linted through the manifests under the project root naming it.
    find_manifests: bool = False
    #: Filled by :func:`lint_paths`: notes for the user (an audio file no manifest names).
    notes: list[str] = field(default_factory=list)


def collect_targets(
    paths: Iterable[str],
    *,
    vendor: str | None,
    find_manifests: bool = False,
    config: LintConfig | None = None,
    notes: list[str] | None = None,
) -> list[Target]:
    """Expand the command-line paths; an audio file without a vendor is a usage error.

    With ``find_manifests``, an audio file is replaced by the manifests under the
    configuration's root that name it; one no manifest names is checked alone
    with ``vendor``, or skipped with a note without one.
    """
    targets: list[Target] = []
    finder: _Finder | None = _Finder(config or LintConfig()) if find_manifests else None
    for given in paths:
        path = Path(given)
        if config is not None and config.force_exclude and config.is_excluded(path):
            continue
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except (OSError, ValueError):  # a name too long for the system: MAN003 says why
            is_dir = exists = False
        if is_dir:
            found = _in_path_order(_walk(path, config))
            targets += [
                Target(p, _shown(p.as_posix() if given != "." else str(p)), "manifest")
                for p in found
            ]
        elif not exists:
            targets.append(Target(path, _shown(given), "missing"))
        elif given.lower().endswith(MANIFEST_SUFFIXES):
            targets.append(Target(path, _shown(given), "manifest"))
        elif finder is not None and (found := finder.naming(path)):
            targets += [Target(p, _shown(finder.display(p)), "manifest") for p in found]
        elif finder is not None and vendor is None:
            if notes is not None:
                notes.append(
                    f"{_shown(given)}: no manifest under {finder.root} names this audio file; "
                    "skipped (pass --vendor to check it alone against a vendor's limits)"
                )
        else:
            if vendor is None:
                raise UsageError(
                    f"{_shown(given)}: an audio file is checked against a vendor's upload limits; "
                    "pass --vendor (one of the vendors in `tapecheck specs`)"
                )
            targets.append(Target(path, _shown(given), "audio"))
    if finder is not None:  # a manifest named by two audio files, or given too: once
        unique: dict[tuple[str, str], Target] = {}
        for target in targets:
            same = target.display if target.kind == "missing" else str(target.path.resolve())
            unique.setdefault((target.kind, same), target)
        targets = list(unique.values())
    return targets


def _walk(folder: Path, config: LintConfig | None) -> Iterator[Path]:
    """Every manifest (a regular file, or a link to one) under ``folder``, never
    entering an excluded folder or a linked one (as :func:`os.walk` walks)."""
    if config is None:
        for found in folder.rglob("*"):
            if found.name.lower().endswith(_WALK_SUFFIXES) and found.is_file():
                yield found
        return
    pending = [folder]
    while pending:
        here = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError:  # unreadable: os.walk skips it too
            continue
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                path = here / name
                if not config.is_excluded(path, ancestors=False) and not _is_link(entry):
                    pending.append(path)
            elif name.lower().endswith(_WALK_SUFFIXES):
                path = here / name
                if _is_file(entry, path) and not config.is_excluded(path, ancestors=False):
                    yield path


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str], path: Path) -> bool:
    """``path.is_file()``, from the listing where it can tell (no system call for most)."""
    try:
        return entry.is_file()
    except OSError:
        return path.is_file()  # the errors Path.is_file() lets through still go through


def _in_path_order(paths: Iterable[Path]) -> list[Path]:
    """``sorted(paths)``: by their parts, without comparing Path objects (1,000 cost ms)."""
    if os.sep != "/" or os.altsep:  # a case-insensitive system: its own comparison
        return sorted(paths)
    return sorted(paths, key=lambda path: str(path).split("/"))


class _Finder:
    """The manifests under the project root, walked once per run, and which name a file."""

    def __init__(self, config: LintConfig) -> None:
        self.root = config.root
        self._patterns = exclude_patterns(config)
        self._manifests: list[Path] | None = None

    def naming(self, audio: Path) -> list[Path]:
        if self._manifests is None:
            self._manifests = walk_manifests(self.root, self._patterns)
        return manifests_naming(audio, self._manifests)

    @staticmethod
    def display(path: Path) -> str:
        """A found manifest as a folder walk shows it: relative to the working directory."""
        try:
            return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            return path.as_posix()


def _shown(name: str) -> str:
    """A path as text every report can hold: bytes that are not UTF-8 as ``\\xNN``."""
    if name.isprintable():
        return name
    raw = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in raw)


def lint_paths(request: LintRequest) -> LintResult:
    """Lint every path of ``request``; the result holds findings sorted by position."""
    targets = collect_targets(
        request.paths,
        vendor=request.vendor,
        find_manifests=request.find_manifests,
        config=request.config,
        notes=request.notes,
    )
    if request.stdin is not None:
        targets.append(
            Target(
                Path(request.stdin_filename or "-"),
                _shown(request.stdin_filename or "-"),
                "manifest",
                request.stdin,
            )
        )
    jobs = request.jobs if request.jobs is not None else _auto_jobs(len(targets))
    findings: list[Finding] = []
    if jobs > 1 and len(targets) >= 2:
        # The first file of each kind (JSON, YAML) and of each folder (a vendor's, often)
        # in this process first: the workers (forked where the system forks) start with
        # the rules and the readers imported and the validators compiled, instead of
        # each paying for them.
        first = _first_of_each_kind(targets)
        for index in first:
            findings += lint_file(targets[index], vendor=request.vendor, config=request.config)
        rest = [target for index, target in enumerate(targets) if index not in first]
        if _can_fork():
            findings += _lint_forked(rest, jobs, request.vendor, request.config)
        else:
            findings += _lint_pooled(rest, jobs, request.vendor, request.config)
    else:
        for target in targets:
            findings += lint_file(target, vendor=request.vendor, config=request.config)
    findings.sort(key=Finding.sort_key)
    return LintResult(
        findings=findings,
        files=len(targets),
        tool_version=__version__,
        paths=[target.display for target in targets],
    )


def _first_of_each_kind(targets: Sequence[Target]) -> set[int]:
    """The indexes of the first target, of the first YAML or JSON manifest after it,
    and of the first target of each folder (at most :data:`_WARM_FOLDERS` of them)."""
    first = {0}
    kinds = {_kind(targets[0])}
    folders = {targets[0].path.parent}
    for index, target in enumerate(targets):
        if len(kinds) == 2 and len(folders) == _WARM_FOLDERS:
            break
        if (kind := _kind(target)) not in kinds:
            kinds.add(kind)
            first.add(index)
        if len(folders) < _WARM_FOLDERS and (folder := target.path.parent) not in folders:
            folders.add(folder)
            first.add(index)
    return first


def _kind(target: Target) -> bool:
    """Whether the manifest is read as JSON (else YAML, or not a manifest)."""
    return target.kind == "manifest" and target.display.lower().endswith(".json")


def _auto_jobs(count: int) -> int:
    """One process per idle CPU this process may use, and per 100 files (at most 8).

    The CPUs are the process's share (a container's or CI runner's), not the machine's;
    those kept busy by other processes are left out, as ``make -l`` does: a worker on a
    core that is not free costs a fork and its warm-up, and saves nothing. Busy is the
    lesser of the last minute's load average and the processes running right now
    besides this one: an average still high from a step that has just ended (or from
    this very command, run a moment ago) leaves the cores idle that are idle now.
    """
    if count < _PARALLEL_THRESHOLD:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    idle = usable or 1
    with contextlib.suppress(OSError, AttributeError):  # no load average on this system
        busy = os.getloadavg()[0]
        running = _running_elsewhere()
        if running is not None:
            busy = min(busy, running)
        idle = round((usable or 1) - busy + 0.5)
    return max(1, min(idle, 8, count // _PARALLEL_THRESHOLD))


def _running_elsewhere() -> int | None:
    """The processes running on the system now, this one left out (Linux's
    ``/proc/loadavg``: ``running/total``); ``None`` where it cannot tell."""
    try:
        with open("/proc/loadavg", "rb") as stream:
            running = int(stream.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0, running - 1)


def _can_fork() -> bool:
    """Linux, and this process runs no other thread (a fork copies only the caller's)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False  # macOS forks unsafely under its system frameworks: a pool spawns
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _lint_pooled(
    targets: Sequence[Target], jobs: int, vendor: str | None, config: LintConfig
) -> list[Finding]:
    from concurrent.futures import ProcessPoolExecutor

    findings: list[Finding] = []
    chunk = max(1, len(targets) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for batch in pool.map(
            _lint_target_job,
            targets,
            [vendor] * len(targets),
            [config] * len(targets),
            chunksize=chunk,
        ):
            findings += batch
    return findings


def _lint_forked(
    targets: Sequence[Target], jobs: int, vendor: str | None, config: LintConfig
) -> list[Finding]:
    """Lint ``targets`` in this process and ``jobs - 1`` forked copies of it.

    The chunks of files wait in a pipe as 4-byte numbers; every process reads
    one (a pipe read of 4 bytes is atomic), lints it, and reads the next, so a
    process on a busy core simply takes fewer. A worker sends back, pickled,
    the findings of each chunk it finished; a chunk that no worker reports (a
    worker that died, or raised) is linted here, so a failure costs time, never
    a finding. Nothing is imported for it: a fork inherits the rules, the
    compiled validators and the probes of this process.
    """
    import gc
    import pickle

    size = max(_MIN_CHUNK, min(_MAX_CHUNK, len(targets) // (jobs * 8) or 1))
    chunks = [(start, min(start + size, len(targets))) for start in range(0, len(targets), size)]
    if len(chunks) * 4 > _PIPE_BYTES:  # every number must fit in the pipe before anyone reads
        size = -(-len(targets) * 4 // _PIPE_BYTES)
        chunks = [(s, min(s + size, len(targets))) for s in range(0, len(targets), size)]
    queue_read, queue_write = os.pipe()
    try:
        os.write(queue_write, b"".join(i.to_bytes(4, "little") for i in range(len(chunks))))
    finally:
        os.close(queue_write)

    def work() -> Iterator[tuple[int, list[Finding]]]:
        while len(claim := os.read(queue_read, 4)) == 4:
            index = int.from_bytes(claim, "little")
            start, end = chunks[index]
            found: list[Finding] = []
            for target in targets[start:end]:
                found += lint_file(target, vendor=vendor, config=config)
            yield index, found

    workers: list[tuple[int, int]] = []  # (pid, the read end of its results)
    gc.freeze()  # the inherited objects stay shared: a collection in a worker never copies them
    try:
        for _ in range(jobs - 1):
            try:
                results_read, results_write = os.pipe()
            except OSError:  # out of file descriptors: fewer workers
                break
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: this process does the rest
                os.close(results_read)
                os.close(results_write)
                break
            if pid == 0:  # the worker: never returns
                status = 1
                try:
                    os.close(results_read)
                    for _pid, other in workers:
                        os.close(other)
                    data = pickle.dumps(dict(work()), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(results_write, "wb") as out:
                        out.write(data)
                    status = 0
                finally:
                    os._exit(status)
            os.close(results_write)
            workers.append((pid, results_read))
    finally:
        gc.unfreeze()
    done: dict[int, list[Finding]] = {}
    try:
        done.update(work())
    finally:
        os.close(queue_read)
        for pid, results_read in workers:
            with os.fdopen(results_read, "rb") as stream:
                data = stream.read()
            _, status = os.waitpid(pid, 0)
            if status == 0:
                with contextlib.suppress(Exception):
                    done.update(pickle.loads(data))
    findings: list[Finding] = []
    for index, (start, end) in enumerate(chunks):
        if index in done:
            findings += done[index]
        else:  # its worker failed: linted here (a bug then raises here, where it is reported)
            for target in targets[start:end]:
                findings += lint_file(target, vendor=vendor, config=config)
    return findings


def _lint_target_job(target: Target, vendor: str | None, config: LintConfig) -> list[Finding]:
    return lint_file(target, vendor=vendor, config=config)


def lint_file(target: Target, *, vendor: str | None, config: LintConfig) -> list[Finding]:
    """All findings of one file, selection and per-file ignores applied.

    A rule that raises (a bug in tapecheck) costs no other finding: it becomes
    one TCK001 finding on this file, shown while the rule that failed is
    selected for the file (so ``--ignore`` of that rule is the workaround).
    """
    try:
        ctx = _context_for(target, vendor=vendor, config=config)
    except UsageError:
        raise
    except Exception as exc:  # reading the file failed: the file still gets its finding
        return [_internal_finding(target.display, "reading the file", exc)]
    extra_ignore = config.ignored_for(target.display)
    # A TCK001 finding is paired with the rule that failed: it follows that rule's selection.
    return listed(
        list(_run_rules(ctx, target)),
        lambda code: config.selection.enabled(code, extra_ignore),
    )


def _internal_finding(path: str, failed: str, exc: BaseException) -> Finding:
    internal = RULES[INTERNAL_ERROR]
    return Finding(
        path=path,
        code=INTERNAL_ERROR,
        severity=internal.severity,
        message=internal_error_message(failed, exc),
        pointer="",
        line=1,
        column=1,
        fix=internal.fix_title,
    )


def lint_manifest(loaded: Manifest, *, config: LintConfig) -> list[Finding]:
    """All findings of a manifest already in memory (``tapecheck proxy``'s live requests).

    The same rules, replacement and selection as :func:`lint_file`; ``loaded.path``
    names it, and its files are relative to that path's folder.
    """
    target = Target(Path(loaded.path), loaded.path, "manifest")
    ctx = LintContext.for_manifest(loaded, default_vendor=None, limit_overrides=config.limits)
    extra_ignore = config.ignored_for(target.display)
    return listed(
        list(_run_rules(ctx, target)),
        lambda code: config.selection.enabled(code, extra_ignore),
    )


def _context_for(target: Target, *, vendor: str | None, config: LintConfig) -> LintContext:
    if target.kind == "audio":
        if vendor is None:  # collect_targets refuses this before any file is read
            raise UsageError(f"{target.display}: an audio file needs --vendor")
        return LintContext.for_audio(
            target.path, display=target.display, vendor=vendor, limit_overrides=config.limits
        )
    if target.kind == "missing":
        return LintContext(path=target.display, audio_alone=target.path)
    if target.content is not None:
        loaded = load_manifest_bytes(target.content, display=target.display)
    else:
        loaded = load_manifest(target.path, display=target.display)
    return LintContext.for_manifest(loaded, default_vendor=vendor, limit_overrides=config.limits)


def _run_rules(ctx: LintContext, target: Target) -> Iterator[Reported]:
    rules = list(rules_for(ctx.vendor))
    if target.kind == "missing" or ctx.fatal:
        rules = [r for r in rules if r.family == "MAN"]
    elif target.kind == "audio":
        # An audio file alone is no request: only the file rules apply to it.
        rules = [r for r in rules if r.family in ("MAN", "AUD")]
    for rule in rules:
        if rule.code == INTERNAL_ERROR:
            continue  # reported by the engine, below, never by a check
        try:
            found = rule.check(ctx)
            # Most rules find nothing: no more to do. A Violations makes its messages
            # when listed: those most likely listed are made here, where a failure is the rule's.
            violations = found if isinstance(found, Violations) else list(found)
            if not violations:
                continue
            reported = Reported(rule, rule.code, violations, _maker(rule, ctx))
            reported.read_ahead(MAX_PER_CODE + 1)
        except Exception as exc:  # a rule bug names itself and the file, and costs nothing else
            failed = f"rule {rule.code} ({rule.name})"
            yield _failure(rule, _internal_finding(ctx.path, failed, exc))
            continue
        yield reported


def _maker(rule: Rule, ctx: LintContext) -> Callable[[Violation], Finding]:
    return lambda violation: _finding(rule, violation, ctx)


def _failure(rule: Rule, internal: Finding) -> Reported:
    """The TCK001 finding of a rule that raised, paired with that rule (its selection)."""
    return Reported(rule, INTERNAL_ERROR, [Violation("", internal.message)], lambda _: internal)


def _finding(rule: Rule, violation: Violation, ctx: LintContext) -> Finding:
    line: int | None
    column: int | None
    if ctx.load_error is not None and not violation.pointer:
        line, column = ctx.load_error.line or 1, ctx.load_error.column or 1
    elif ctx.manifest is None:
        line, column = 1, 1
    else:
        line, column = ctx.locate(violation.pointer)
    return Finding(
        path=ctx.path,
        code=rule.code,
        severity=rule.severity,
        message=violation.message,
        pointer=violation.pointer,
        line=line,
        column=column,
        fix=violation.fix or rule.fix_title,
    )
