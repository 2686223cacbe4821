"""``report.html`` as a reviewer sees it: rendered by headless Chromium.

Skipped when no Chromium is installed (Debian: ``apt-get install chromium``).
The screenshot must come out at the window's size, and the verdict colour must
be the strip at the top of the page: red for a run that does not conform,
green for one that does. The PNG is read with the stdlib only.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from tapecheck.reports import RUN_WRITERS
from tapecheck.reports.model import Run

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_WIDTH, _HEIGHT = 1280, 1600
_FAIL_RGB = (0xCF, 0x22, 0x2E)  # --fail in html.py
_PASS_RGB = (0x1A, 0x7F, 0x37)  # --pass in html.py
_SOFT_RGB = (0xF6, 0xF8, 0xFA)  # --soft in html.py: the masthead's background


def _browser() -> str:
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium)")


def _screenshot(run: Run, folder: Path) -> bytes:
    page = folder / "report.html"
    stream = io.StringIO()
    RUN_WRITERS["html"]().write(run, stream)
    page.write_text(stream.getvalue(), encoding="utf-8")
    shot = folder / "report.png"
    profile = folder / "profile"
    profile.mkdir()
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        f"--window-size={_WIDTH},{_HEIGHT}",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert shot.is_file(), f"no screenshot (exit {done.returncode}):\n{done.stderr[-2000:]}"
    return shot.read_bytes()


def _png_rows(data: bytes, rows: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first ``rows`` unfiltered rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) in {(8, 2, 0), (8, 6, 0)}, "unexpected PNG layout"
    pixel = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * pixel
    previous = bytearray(stride)
    out: list[bytes] = []
    for y in range(min(rows, height)):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - pixel] if x >= pixel else 0
            up = previous[x]
            corner = previous[x - pixel] if x >= pixel else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + best) & 0xFF
        out.append(bytes(line[i] for i in range(stride) if i % pixel < 3))
        previous = line
    return width, height, out


def _pixel(row: bytes, x: int) -> tuple[int, int, int]:
    return row[3 * x], row[3 * x + 1], row[3 * x + 2]


def _close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(p - q) <= 8 for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize("conforms", [False, True], ids=["does-not-conform", "conforms"])
def test_html_report_renders_in_chromium(conforms: bool, run: Run, tmp_path: Path) -> None:
    if conforms:
        run = replace(run, requirements=[r for r in run.requirements if r.status != "failed"])
    data = _screenshot(run, tmp_path)
    width, height, rows = _png_rows(data, 12)
    assert (width, height) == (_WIDTH, _HEIGHT)
    strip = _pixel(rows[2], width // 2)
    assert _close(strip, _PASS_RGB if conforms else _FAIL_RGB), strip
    below = {_pixel(rows[10], x) for x in range(0, width, 16)}
    assert all(not _close(p, _FAIL_RGB) and not _close(p, _PASS_RGB) for p in below)
    assert _close(_pixel(rows[10], 4), _SOFT_RGB), "the masthead is not drawn"
