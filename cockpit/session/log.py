"""The append-only session log: durable, hash-chained, group-committed.

One ``os.write`` per line on an ``O_APPEND`` descriptor; ``append`` returns only after the
line is on disk. Threads appending at once share fsyncs (leader/follower group commit).
The head file is refreshed off the hot path by a small thread after each commit, and
synchronously on close.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cockpit.errors import LogCorruptError, LogError
from cockpit.session.chain import (
    Head,
    check_chain,
    fsync_dir,
    head_bad_line,
    head_path,
    head_status,
    read_head,
    write_head,
)
from cockpit.session.events import (
    KEYED_VERSION,
    SCHEMA_VERSION,
    Event,
    digest,
    utc_timestamp,
)
from cockpit.session.keys import Anchor, LogKey, keyed_line, load_key, write_anchor
from cockpit.session.kinds import LogRecovered
from cockpit.session.redact import Redactor
from cockpit.session.verify import open_problem

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str).encode


class SessionLog:
    """An open session log, for appending. Use `create` for a new one, `open` to continue."""

    def __init__(
        self,
        path: Path,
        fd: int,
        session: str,
        next_seq: int,
        last_digest: str,
        redactor: Redactor,
        key: LogKey | None = None,
    ) -> None:
        self.path = path
        self.key = key
        """The user's log key when the log is keyed (v2 lines); None for an older log."""
        self.session = session
        self._fd = fd
        self._redactor = redactor
        self._session_json = _dumps(session)
        self._write_lock = threading.Lock()
        self._next_seq = next_seq
        self._last_digest = last_digest
        self._last_ts = ""
        self._written = next_seq - 1  # highest seq handed to the OS
        self._sync = threading.Condition()
        self._synced = next_seq - 1  # highest seq known durable
        self._syncing = False
        self._failure: OSError | None = None
        self._closed = False
        self._head = _HeadKeeper(head_path(path), session, key, path)

    # -- opening -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        session: str,
        *,
        env: Mapping[str, str] | None = None,
        keyed: bool = True,
    ) -> SessionLog:
        """Start a new, empty log at ``path`` (which must not exist).

        Keyed (the default): every line carries its ``mac`` under the user's log key,
        created on first use, and the head is anchored outside the workspace.
        """
        if not isinstance(session, str) or not session:
            raise ValueError(f"session id must be a non-empty string, not {session!r}")
        key = load_key(create=True) if keyed else None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise LogError(f"{path}: a log already exists there") from exc
        except OSError as exc:
            raise LogError(f"{path}: cannot create log: {exc.strerror}") from exc
        os.fchmod(fd, 0o600)
        fsync_dir(path.parent)
        log = cls(path, fd, session, 0, hashlib.sha256(b"").hexdigest(), Redactor(env), key)
        log._head.publish(-1, log._last_digest, utc_timestamp(), durable=True)
        return log

    @classmethod
    def open(
        cls, path: Path, *, session: str | None = None, env: Mapping[str, str] | None = None
    ) -> SessionLog:
        """Open an existing log to append to it.

        The whole chain is verified first, keyed lines with the user's key. A torn last
        line (a crash mid-write) is cut and recorded as ``log.recovered``; anything
        `cockpit audit` refuses raises `LogCorruptError` naming the line. An older,
        unkeyed log goes on unkeyed.
        """
        key = load_key(create=False)
        head = _quiet_head(path)
        check = check_chain(path, head=head, key=key)
        if check.problem is not None:
            raise LogCorruptError(str(path), check.problem.line, check.problem.reason)
        if check.keyed and key is None:
            raise LogError(
                f"{path}: the log is keyed and this user has no log key, so it cannot be "
                "verified and is not continued"
            )
        # Checked with a torn tail too: a torn line was never acknowledged, so the head can
        # never be ahead of the complete lines; if it is, whole events were cut, and cutting
        # the torn bytes and rewriting the head would erase the evidence.
        head = read_head(head_path(path))
        status, why = head_status(check, head)
        if status in ("ahead", "mismatch"):
            line = head_bad_line(check, head, status) or check.events + 1
            raise LogCorruptError(str(path), line, why)
        problem = open_problem(path, check, head, key)
        if problem is not None:
            raise LogCorruptError(str(path), problem.line, problem.reason)
        session = check.session or (head.session if head else None) or session or path.stem
        if not check.keyed and check.events:
            key = None  # an older log stays unkeyed: one kind of line from first to last
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise LogError(f"{path}: cannot open for append: {exc.strerror}") from exc
        log = cls(path, fd, session, check.events, check.last_digest, Redactor(env), key)
        if check.torn is not None:
            os.ftruncate(fd, check.good_bytes)
            os.fsync(fd)
            recovered = LogRecovered(
                bytes_dropped=check.torn.size,
                line=check.torn.line,
                reason="torn last line (a crash mid-write) was cut",
            )
            log.append(recovered.kind, recovered.data())
        else:
            log._head.publish(log._next_seq - 1, log._last_digest, utc_timestamp(), durable=True)
        return log

    # -- appending -----------------------------------------------------------------

    def append(
        self,
        kind: str,
        data: Mapping[str, Any] | None = None,
        *,
        agent: str | None = None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event:
        """Write one event and return it once it is durable."""
        _check_fields(kind, agent, call)
        clean = self._redactor.data(dict(data or {}))
        data_json = _dumps(clean)
        agent_json = _dumps(agent)
        call_json = _dumps(call)
        kind_json = _dumps(kind)
        with self._write_lock:
            if self._closed:
                raise LogError(f"{self.path}: log is closed")
            self._raise_if_failed()
            seq = self._next_seq
            ts = utc_timestamp()
            if ts < self._last_ts:  # the wall clock stepped back: keep the log ordered
                ts = self._last_ts
            prev = self._last_digest
            line = (
                f'{{"v":{self._version},"seq":{seq},"ts":"{ts}","session":{self._session_json},'
                f'"agent":{agent_json},"iteration":{int(iteration)},"kind":{kind_json},'
                f'"call":{call_json},"data":{data_json},"prev":"{prev}"}}'
            ).encode("ascii")
            mac: str | None = None
            if self.key is not None:
                line = keyed_line(self.key, line)
                mac = line[-66:-2].decode("ascii")
            try:
                _write_all(self._fd, line + b"\n")
            except OSError as exc:
                self._failure = exc
                raise LogError(f"{self.path}: cannot append: {exc.strerror}") from exc
            self._next_seq = seq + 1
            self._last_digest = digest(line)
            self._last_ts = ts
            self._written = seq
        self._wait_durable(seq)
        return Event(
            seq=seq,
            ts=ts,
            session=self.session,
            kind=kind,
            agent=agent,
            iteration=int(iteration),
            call=call,
            data=clean,
            prev=prev,
            v=self._version,
            mac=mac,
        )

    @property
    def _version(self) -> int:
        return KEYED_VERSION if self.key is not None else SCHEMA_VERSION

    async def append_async(
        self,
        kind: str,
        data: Mapping[str, Any] | None = None,
        *,
        agent: str | None = None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event:
        """`append` off the event loop, so concurrent agents share fsyncs."""
        return await asyncio.to_thread(
            self.append, kind, data, agent=agent, iteration=iteration, call=call
        )

    def _wait_durable(self, seq: int) -> None:
        with self._sync:
            while self._synced < seq:
                if self._failure is not None:
                    break
                if self._syncing:
                    self._sync.wait()
                    continue
                # Become the leader: one fsync covers everything written so far.
                self._syncing = True
                with self._write_lock:
                    target, target_digest, target_ts = (
                        self._written,
                        self._last_digest,
                        self._last_ts,
                    )
                self._sync.release()
                try:
                    os.fdatasync(self._fd)
                except OSError as exc:
                    self._failure = exc
                finally:
                    self._sync.acquire()
                    self._syncing = False
                    if self._failure is None:
                        self._synced = max(self._synced, target)
                        self._head.publish(target, target_digest, target_ts)
                    self._sync.notify_all()
            self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise LogError(f"{self.path}: log write failed: {self._failure.strerror}")

    # -- artifacts -----------------------------------------------------------------

    @property
    def artifacts_dir(self) -> Path:
        """``<session>/`` beside the log."""
        return self.path.with_suffix("") if self.path.suffix == ".jsonl" else Path(f"{self.path}.d")

    @property
    def redactor(self) -> Redactor:
        """What this log redacts, for text cut before it is logged (see `agent.output`)."""
        return self._redactor

    def write_artifact(
        self, name: str, content: bytes | str, *, redacted: bool = False
    ) -> dict[str, Any]:
        """Store a large output beside the log (redacted, mode 0600, durable).

        ``redacted``: the caller already ran ``content`` through `redactor`, whole.
        Returns ``{"path", "sha256", "bytes"}``, with the path relative to the log's folder,
        for the event that refers to it.
        """
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        body = (text if redacted else self._redactor.text(text)).encode("utf-8")
        folder = self.artifacts_dir
        folder.mkdir(mode=0o700, exist_ok=True)
        safe = (
            "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "artifact"
        )
        target = folder / safe
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(folder)
        return {
            "path": str(target.relative_to(self.path.parent)),
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
        }

    # -- state ---------------------------------------------------------------------

    @property
    def next_seq(self) -> int:
        return self._next_seq

    def close(self) -> None:
        """Flush, write the head file durably, and close. Safe to call twice."""
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            last, last_digest, last_ts = self._next_seq - 1, self._last_digest, self._last_ts
        try:
            with self._sync:
                # Let an fsync in flight finish, then sync the rest ourselves and release
                # anyone still waiting, so no thread fsyncs a closed (or reused) descriptor.
                while self._syncing:
                    self._sync.wait()
                if self._failure is None:
                    os.fsync(self._fd)
                    self._synced = max(self._synced, last)
                self._sync.notify_all()
            # Stop the head thread before the final write so the two never race on the file.
            self._head.stop()
            if self._failure is None:
                self._head.publish(last, last_digest, last_ts or utc_timestamp(), durable=True)
        finally:
            self._head.stop()
            os.close(self._fd)

    def __enter__(self) -> SessionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


HEAD_REFRESH_S = 0.05
"""Least time between two background head refreshes. Each refresh creates and renames a
file, and the next fsync of the log must write that out too: refreshed on every commit,
the head cost a fast disk half its appends. A burst of commits now costs one refresh; the
first commit after a quiet spell is still refreshed at once, and close writes it exactly."""


class _HeadKeeper:
    """Keeps ``<session>.head`` current without putting a rename on every append."""

    def __init__(self, path: Path, session: str, key: LogKey | None, log_path: Path) -> None:
        self._path = path
        self._session = session
        self._key = key
        self._log_path = str(log_path.resolve())
        self._cond = threading.Condition()
        self._pending: Head | None = None
        self._written_seq = -2
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._io = threading.Lock()  # one head (and anchor) write at a time, newest wins
        self._on_disk = -2

    def publish(self, seq: int, line_digest: str, ts: str, *, durable: bool = False) -> None:
        head = Head(self._session, seq, line_digest, ts)
        if durable:
            with self._cond:
                self._pending = None
                self._written_seq = max(self._written_seq, seq)
            self._write(head, durable=True)
            return
        with self._cond:
            if seq <= self._written_seq:
                return
            idle = self._pending is None  # else the thread is waiting out the interval
            self._pending = head
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cockpit-log-head", daemon=True
                )
                self._thread.start()
            if idle:
                self._cond.notify()

    def _run(self) -> None:
        last_refresh = -HEAD_REFRESH_S
        while True:
            with self._cond:
                while self._pending is None and not self._stopped:
                    self._cond.wait()
                # Let a burst of commits coalesce: the newest head wins.
                wait = last_refresh + HEAD_REFRESH_S - time.monotonic()
                while wait > 0 and not self._stopped:
                    self._cond.wait(wait)
                    wait = last_refresh + HEAD_REFRESH_S - time.monotonic()
                if self._pending is None:
                    return
                head, self._pending = self._pending, None
                if head.seq <= self._written_seq:
                    continue
                self._written_seq = head.seq
            last_refresh = time.monotonic()
            try:
                self._write(head)
            except OSError:
                # The head is an extra check, not the record: a failed refresh is caught
                # again at close (written durably) and by audit ("behind").
                continue

    def _write(self, head: Head, *, durable: bool = False) -> None:
        """Write the head file and its anchor, unless a newer head is already there: the
        refresh thread may have taken an older head just before a durable write of a newer
        one (at close), and writing it after would roll the head file back."""
        with self._io:
            if head.seq < self._on_disk:
                return
            write_head(self._path, head, durable=durable)
            self._anchor(head, durable=durable)
            self._on_disk = head.seq

    def _anchor(self, head: Head, *, durable: bool = False) -> None:
        """The same head, kept where the workspace's writers cannot reach (after the head
        file, so it is never ahead of it)."""
        if self._key is not None:
            anchor = Anchor(head.session, head.seq, head.digest, head.ts, self._log_path)
            write_anchor(self._key, anchor, durable=durable)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._pending = None
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()


def _quiet_head(path: Path) -> Head | None:
    """The head file, or None when missing or unreadable (reported by the status check)."""
    try:
        return read_head(head_path(path))
    except LogError:
        return None


def _check_fields(kind: object, agent: object, call: object) -> None:
    """Refuse what the reader would reject: one bad line would make the whole log unopenable."""
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"event kind must be a non-empty string, not {kind!r}")
    if agent is not None and not isinstance(agent, str):
        raise ValueError(f"event agent must be a string or None, not {agent!r}")
    if call is not None and not isinstance(call, str):
        raise ValueError(f"event call must be a string or None, not {call!r}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
