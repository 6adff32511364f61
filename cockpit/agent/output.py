"""A command's output on its way to the log: collected, cut, never cutting a secret in two.

A secret split by a cut is no longer one the redactor can find: its first half would end
the head and its second half start the tail. So the whole output is redacted before it is
capped, and where the middle of a huge output is dropped before it could be, each cut is
made with the bytes on both sides in view (`Redactor.safe_cut`) and moved to the edge of
any secret it would split.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cockpit.session.redact import Redactor

OUTPUT_CAP = 16_000  # characters of output the model and the log event get
KEEP_IN_MEMORY = 8_000_000  # bytes of a command's output held; the middle of more is dropped
MARGIN = 64 * 1024
STREAM_CAP = 2 * 1024**2
"""Bytes of one command's output streamed to its pane: a flood would only slow the screen."""
"""Bytes held past each cut of a huge output: a secret (or its encoding) cut there is seen
whole, and the cut moved to its edge."""

OutputSink = Callable[[str], None]


def cap_output(text: str, artifact: dict[str, Any] | None = None) -> tuple[str, bool]:
    """Head and tail of ``text`` when it is longer than the cap. Redact ``text`` first:
    what a cut leaves of a redaction label gives nothing away, half a secret would."""
    if len(text) <= OUTPUT_CAP:
        return text, False
    half = OUTPUT_CAP // 2
    where = f"; the full output is in {artifact['path']}" if artifact else ""
    omitted = len(text) - 2 * half
    return f"{text[:half]}\n… [{omitted} characters omitted{where}] …\n{text[-half:]}", True


class OutputCollector:
    """Reads a command's output as it comes, keeping head and tail when it is huge."""

    def __init__(self, sink: OutputSink | None) -> None:
        self._sink = sink
        self._head = bytearray()
        self._after_head = bytearray()  # the first MARGIN bytes past the head
        self._tail = bytearray()  # the last KEEP_IN_MEMORY/2 + MARGIN bytes past the head
        self._total = 0

    def feed(self, chunk: bytes) -> None:
        """One chunk of output, as the command printed it."""
        half = KEEP_IN_MEMORY // 2
        if self._sink is not None and self._total < STREAM_CAP:
            self._sink(chunk.decode("utf-8", "replace"))
            if self._total + len(chunk) >= STREAM_CAP:
                self._sink(
                    f"\n… [more than {STREAM_CAP // 1024**2} MB: the pane shows no more of "
                    "this output; the log keeps its head and tail] …\n"
                )
        self._total += len(chunk)
        if len(self._head) < half:
            self._head += chunk
            return
        if len(self._after_head) < MARGIN:
            self._after_head += chunk[: MARGIN - len(self._after_head)]
        self._tail += chunk
        if len(self._tail) > half + MARGIN:
            del self._tail[: len(self._tail) - half - MARGIN]

    @property
    def _dropped(self) -> bool:
        return self._total > len(self._head) + len(self._tail)

    def text(self, redactor: Redactor) -> str:
        """The output (its middle left out when it was huge), not yet redacted, with no
        secret cut in two where the middle was left out."""
        if not self._dropped:
            return bytes(self._head + self._tail).decode("utf-8", "replace")
        # Cut at character boundaries, with the bytes beyond each cut in view.
        ahead = bytes(self._head + self._after_head)
        end = _char_start(ahead, len(self._head))
        whole = ahead.decode("utf-8", "replace")
        at = len(ahead[:end].decode("utf-8", "replace"))
        head = whole[: redactor.safe_cut(whole, at, keep="head")]
        behind = bytes(self._tail)
        start = _char_start(behind, max(0, len(behind) - KEEP_IN_MEMORY // 2))
        whole = behind.decode("utf-8", "replace")
        at = len(behind[:start].decode("utf-8", "replace"))
        tail = whole[redactor.safe_cut(whole, at, keep="tail") :]
        dropped = self._total - len(head.encode()) - len(tail.encode())
        return f"{head}\n… [{dropped} bytes dropped] …\n{tail}"


def _char_start(data: bytes, at: int) -> int:
    """``at`` moved back to the first byte of the UTF-8 character it falls in."""
    while 0 < at < len(data) and data[at] & 0xC0 == 0x80:
        at -= 1
    return at
