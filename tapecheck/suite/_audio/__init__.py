"""Private per-format parsers behind :mod:`tapecheck.suite.audio`.

Each module reads one container from a :class:`~tapecheck.suite._audio.source.Source`
with seeks and small reads and fills a :class:`~tapecheck.suite._audio.source.Found`.
Nothing here is public API; import :mod:`tapecheck.suite.audio` instead.
"""

__all__: list[str] = []
