"""A scripted Anthropic Messages API on 127.0.0.1, for tests that drive the real SDK over HTTP.

In a test:

    with FakeAnthropicAPI([{"status": 529, "retry_after": 0.01}, {"text": "hello"}]) as api:
        backend = AnthropicBackend(Credentials(api_key="k", base_url=api.base_url))
        ...
        assert api.requests[0].body["model"] == ...

As a process (for end-to-end tests that run cockpit itself):

    python -m tests.fakeapi --script replies.yaml --port-file port.txt [--requests-log r.jsonl]

It writes its port to `--port-file` once listening, appends every request to
`--requests-log` as JSON lines, and serves until SIGTERM or SIGINT.

A script is a list of replies (or `{replies: [...]}`), one per POST /v1/messages, retries
included, in order. When a reply has `match: TEXT`, it only answers a request whose system
prompt contains TEXT (so concurrent agents can share one server); the first pending reply
that matches is used. Once the script runs out, every request gets a short `end_turn` text.
Reply fields:

    text: "..."                      a text block
    tool_use: {name, input, id?}     one tool_use block (or a list of them), after the text
    content: [...]                   content blocks as given, instead of text/tool_use
    stop_reason: end_turn            default: tool_use when there is a tool_use block
    usage: {input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens}
    model: "..."                     default: the model the request asked for
    status: 529                      an error reply (401, 403, 429, 500, 529, ...)
    error_type / error_message       default by status (overloaded_error, ...)
    retry_after: 0.01                the retry-after header, in seconds
    drop: true                       read the request, then close the socket without a reply
    hang: true                       read the request, then never answer (until the server stops)
    drop_after: 3                    send this many SSE events (or half the JSON), then close
    stream_error: overloaded_error   with drop_after: send an SSE `error` event there instead
    event_delay_s: 0.05              pause between SSE events
    chunk_chars: 8                   text_delta size; tool input JSON streams in 3 pieces

Requests whose body has `"stream": true` get the exact SSE event sequence of the real API
(message_start, content_block_start / content_block_delta / content_block_stop per block,
message_delta with usage, message_stop) over chunked transfer encoding; others get JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
EXHAUSTED_TEXT = "(fake API: script exhausted)"


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Reply:
    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    model: str | None = None
    status: int = 200
    error_type: str | None = None
    error_message: str | None = None
    retry_after: float | None = None
    drop: bool = False
    hang: bool = False
    drop_after: int | None = None
    stream_error: str | None = None
    event_delay_s: float = 0.0
    chunk_chars: int = 8
    match: str | None = None

    @classmethod
    def parse(cls, spec: Reply | dict[str, Any]) -> Reply:
        if isinstance(spec, Reply):
            return spec
        spec = dict(spec)
        content = list(spec.pop("content", []))
        text = spec.pop("text", None)
        if text is not None:
            content.append({"type": "text", "text": text})
        uses = spec.pop("tool_use", [])
        for use in [uses] if isinstance(uses, dict) else uses:
            content.append({"type": "tool_use", "input": {}, **use})
        return cls(content=content, **spec)


class FakeAnthropicAPI:
    """The server; a context manager that starts and stops it."""

    def __init__(
        self, replies: Iterable[Reply | dict[str, Any]] = (), *, requests_log: Path | None = None
    ) -> None:
        self._replies = [Reply.parse(r) for r in replies]
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._requests_log = requests_log
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.api = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()
        """Set when the server stops: what a hanging reply waits for."""

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    def add(self, *replies: Reply | dict[str, Any]) -> None:
        with self._lock:
            self._replies.extend(Reply.parse(r) for r in replies)

    def start(self) -> FakeAnthropicAPI:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeAnthropicAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def next_id(self, prefix: str) -> str:
        return f"{prefix}_fake_{next(self._ids):04d}"

    def take(self, request: RecordedRequest) -> Reply | None:
        """Record `request` and hand out the reply for it."""
        system = json.dumps(request.body.get("system", ""))
        with self._lock:
            self._requests.append(request)
            if self._requests_log is not None:
                with self._requests_log.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(request.__dict__) + "\n")
            for i, reply in enumerate(self._replies):
                if reply.match is None or reply.match in system:
                    return self._replies.pop(i)
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `api.requests` instead."""

    @property
    def api(self) -> FakeAnthropicAPI:
        return self.server.api  # type: ignore[attr-defined, no-any-return]

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.split("?", 1)[0] != "/v1/messages":
            self._json(404, _error_body("not_found_error", f"no route {self.path}"))
            return
        reply = self.api.take(RecordedRequest(self.path, headers, body))
        if reply is None:
            reply = Reply(content=[{"type": "text", "text": EXHAUSTED_TEXT}])
        if reply.hang:
            self.api.stopping.wait()
            self._drop()
        elif reply.drop:
            self._drop()
        elif reply.status != 200:
            message = reply.error_message or f"scripted {reply.status}"
            error_type = reply.error_type or _ERROR_TYPES.get(reply.status, "api_error")
            extra = {} if reply.retry_after is None else {"retry-after": str(reply.retry_after)}
            self._json(reply.status, _error_body(error_type, message), extra)
        elif body.get("stream"):
            self._stream(reply, self._message(reply, body))
        else:
            data = json.dumps(self._message(reply, body)).encode()
            if reply.drop_after is not None:
                self._send_head(200, "application/json", {"content-length": str(len(data))})
                self.wfile.write(data[: len(data) // 2])
                self._drop()
                return
            self._json(200, self._message(reply, body))

    def _message(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        content = []
        for block in reply.content:
            if block.get("type") == "tool_use" and "id" not in block:
                block = {**block, "id": self.api.next_id("toolu")}
            content.append(block)
        usage = {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            **reply.usage,
        }
        has_tool = any(b.get("type") == "tool_use" for b in content)
        return {
            "id": self.api.next_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": reply.model or body.get("model", "fake-model"),
            "content": content,
            "stop_reason": reply.stop_reason or ("tool_use" if has_tool else "end_turn"),
            "stop_sequence": None,
            "usage": usage,
        }

    def _stream(self, reply: Reply, message: dict[str, Any]) -> None:
        self._send_head(200, "text/event-stream", {"transfer-encoding": "chunked"})
        for sent, event in enumerate(_sse_events(message, reply.chunk_chars)):
            if reply.drop_after is not None and sent >= reply.drop_after:
                if reply.stream_error is None:
                    self._drop()
                    return
                event = _error_body(reply.stream_error, "scripted mid-stream error")
            if sent and reply.event_delay_s:
                time.sleep(reply.event_delay_s)
            data = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            except OSError:  # the client went away (a cancelled turn)
                self.close_connection = True
                return
            if event["type"] == "error":
                break
        self.wfile.write(b"0\r\n\r\n")

    def _send_head(self, status: int, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("request-id", self.api.next_id("req"))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()

    def _json(
        self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self._send_head(
            status, "application/json", {"content-length": str(len(data)), **(extra or {})}
        )
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _sse_events(message: dict[str, Any], chunk_chars: int) -> Iterator[dict[str, Any]]:
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    yield {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            }
            text, size = block["text"], max(chunk_chars, 1)
            for i in range(0, len(text), size):
                delta = {"type": "text_delta", "text": text[i : i + size]}
                yield {"type": "content_block_delta", "index": index, "delta": delta}
        elif block["type"] == "tool_use":
            head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            yield {"type": "content_block_start", "index": index, "content_block": head}
            data = json.dumps(block["input"])
            third = max(len(data) // 3, 1)
            for piece in (data[:third], data[third : 2 * third], data[2 * third :]):
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield {"type": "content_block_delta", "index": index, "delta": delta}
        else:
            yield {"type": "content_block_start", "index": index, "content_block": block}
        yield {"type": "content_block_stop", "index": index}
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    yield {"type": "message_delta", "delta": delta, "usage": usage}
    yield {"type": "message_stop"}


def load_replies(path: Path) -> list[Reply]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        data = data.get("replies", [])
    return [Reply.parse(item) for item in data]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeapi", description=__doc__)
    parser.add_argument("--script", type=Path, help="YAML or JSON list of replies")
    parser.add_argument("--port-file", type=Path, required=True, help="where to write the port")
    parser.add_argument("--requests-log", type=Path, help="append each request here as JSONL")
    args = parser.parse_args(argv)
    replies = load_replies(args.script) if args.script else []
    api = FakeAnthropicAPI(replies, requests_log=args.requests_log).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tmp = args.port_file.with_name(args.port_file.name + ".tmp")
    tmp.write_text(f"{api.port}\n", encoding="utf-8")
    os.replace(tmp, args.port_file)
    stop.wait()
    api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
