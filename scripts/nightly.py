"""Nightly regression: every vendor whose sandbox is named in the environment.

For each vendor V (upper-case), the environment gives:

    TAPECHECK_<V>_BASE_URL      the sandbox's base URL (required; the vendor is skipped without it)
    TAPECHECK_<V>_TOKEN         the credential
    TAPECHECK_<V>_TENANT        Corti's Tenant-Name, Crescendo's tenantId
    TAPECHECK_<V>_DEVICE_TOKEN  Bota's device token
    TAPECHECK_<V>_PARAMS        extra --param values, comma-separated NAME=VALUE pairs

Reports go to ``$TAPECHECK_REPORT_DIR/<vendor>/`` (default ``reports-out``).
Exit 0 when every configured vendor conforms, 1 when one does not, 2 when a
run could not be made or no vendor is configured.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tapecheck.suite.specs import vendors


def main(argv: list[str]) -> int:
    """``argv`` is passed on to every ``tapecheck conform`` (``--quick``, ``--examples 200``)."""
    report_root = Path(os.environ.get("TAPECHECK_REPORT_DIR", "reports-out"))
    worst = 0
    configured = 0
    for vendor in vendors():
        prefix = f"TAPECHECK_{vendor.upper()}_"
        base_url = os.environ.get(prefix + "BASE_URL")
        if not base_url:
            print(f"{vendor}: skipped ({prefix}BASE_URL is not set)")
            continue
        configured += 1
        command = [
            sys.executable,
            "-m",
            "tapecheck",
            "conform",
            vendor,
            "--base-url",
            base_url,
            "--report-dir",
            str(report_root / vendor),
        ]
        env = dict(os.environ)
        for option, suffix in (
            ("TAPECHECK_TOKEN", "TOKEN"),
            ("TAPECHECK_TENANT", "TENANT"),
            ("TAPECHECK_DEVICE_TOKEN", "DEVICE_TOKEN"),
        ):
            value = os.environ.get(prefix + suffix)
            if value:
                env[option] = (
                    value  # credentials travel in the environment, never on a command line
                )
        for pair in filter(
            None, (p.strip() for p in os.environ.get(prefix + "PARAMS", "").split(","))
        ):
            command += ["--param", pair]
        command += argv
        print(f"{vendor}: {base_url}", flush=True)
        code = subprocess.call(command, env=env)
        worst = max(worst, code)
    if not configured:
        print("no sandbox is configured: set TAPECHECK_<VENDOR>_BASE_URL", file=sys.stderr)
        return 2
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
