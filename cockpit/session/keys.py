"""The user's log key and the anchors kept with it, outside every workspace.

The hash chain alone (``prev``) catches accidents: anyone who can write the log can
recompute it. Each keyed line (``v`` 2) also carries ``mac``, an HMAC-SHA256 under a
per-user secret, so changing, adding, removing or reordering lines needs that secret. A
cut-off tail leaves every remaining line valid, so the last head is also *anchored*
outside the workspace, HMAC'd, per session: a log that ends before its anchor was cut.

Layout (``$XDG_CONFIG_HOME/cockpit/``, else ``~/.config/cockpit/``; directory 0700)::

    log.key                  32 random bytes, hex; 0600; created on first use
    anchors/<session>.json   {"session","seq","digest","ts","log","mac"}; 0600

The key is never printed, logged or put in an agent's environment, and reading the
directory is a credential read for the policy (tier 3). A process running as the user
outside the policy can read it and forge: see README ("What the log proves").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cockpit.config.user import config_dir
from cockpit.errors import LogError

KEY_FILE = "log.key"
ANCHORS = "anchors"
MAC_SUFFIX_LEN = len(',"mac":""}') + 64
"""A keyed line ends with ``,"mac":"<64 hex>"}``: this many bytes."""
_SAFE_SESSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


class LogKey:
    """The user's secret for keyed log lines and anchors.

    HMAC-SHA256 (RFC 2104) with the padded key's two hash states computed once and copied
    per line: the same digest as ``hmac.digest``, at less than half its cost per call,
    which is most of what verifying a keyed line adds to audit, resume and replay.
    """

    __slots__ = ("_inner", "_outer", "folder")

    def __init__(self, secret: bytes, folder: Path) -> None:
        self.folder = folder
        padded = secret.ljust(64, b"\0") if len(secret) <= 64 else hashlib.sha256(secret).digest()
        padded = padded.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"LogKey(folder={str(self.folder)!r})"

    def _digest(self, *parts: bytes | memoryview) -> str:
        inner = self._inner.copy()
        for part in parts:
            inner.update(part)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def mac(self, body: bytes) -> str:
        """The keyed digest of a line's body (the line without its ``mac`` field)."""
        return self._digest(body)

    def line_ok(self, line: bytes) -> bool:
        """Whether a keyed line's ``mac`` is right for its body."""
        cut = len(line) - MAC_SUFFIX_LEN
        if cut < 1 or line[cut : cut + 8] != b',"mac":"':
            return False
        mac = self._digest(memoryview(line)[:cut], b"}")
        return hmac.compare_digest(mac.encode("ascii"), line[cut + 8 : -2])


def keyed_line(key: LogKey, body: bytes) -> bytes:
    """A v2 line: ``body`` (which ends with ``}``) with its ``mac`` field added."""
    return body[:-1] + b',"mac":"' + key.mac(body).encode("ascii") + b'"}'


def load_key(*, create: bool, env: Mapping[str, str] | None = None) -> LogKey | None:
    """The user's log key; created (with its directory) when ``create`` and missing.

    None when it is missing and not to be created. LogError when it cannot be read or made.
    """
    folder = config_dir(env)
    path = folder / KEY_FILE
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        return LogKey(_create_key(folder, path), folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise LogError(f"{path}: cannot read the log key: {exc}") from exc
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < 32:
        raise LogError(f"{path}: the log key is not 64 hex digits; move it away to make a new one")
    return LogKey(secret, folder)


def _create_key(folder: Path, path: Path) -> bytes:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        secret = secrets.token_bytes(32)
        tmp = folder / f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secret.hex().encode("ascii") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # never replaces a key another process made first
        except FileExistsError:
            os.unlink(tmp)
            return bytes.fromhex(path.read_text("ascii").strip())
        os.unlink(tmp)
        return secret
    except OSError as exc:
        raise LogError(f"{folder}: cannot create the log key: {exc.strerror}") from exc


@dataclass(frozen=True)
class Anchor:
    """The last head of a session as its writer recorded it outside the workspace."""

    session: str
    seq: int
    digest: str
    ts: str
    log: str


def anchor_path(key: LogKey, session: str) -> Path:
    name = session if _SAFE_SESSION.match(session) else hashlib.sha256(session.encode()).hexdigest()
    return key.folder / ANCHORS / f"{name}.json"


def _anchor_body(a: Anchor) -> bytes:
    return json.dumps(
        {"session": a.session, "seq": a.seq, "digest": a.digest, "ts": a.ts, "log": a.log},
        separators=(",", ":"),
    ).encode()


def write_anchor(key: LogKey, anchor: Anchor, *, durable: bool = False) -> None:
    """Atomically replace the session's anchor."""
    path = anchor_path(key, anchor.session)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = _anchor_body(anchor)
    doc = body[:-1] + b',"mac":"' + key.mac(body).encode("ascii") + b'"}\n'
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, doc)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_anchor(key: LogKey, session: str) -> Anchor | None:
    """The session's anchor; None when there is none. LogError when it was altered."""
    path = anchor_path(key, session)
    try:
        raw = path.read_bytes().rstrip(b"\n")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LogError(f"{path}: cannot read the anchor: {exc.strerror}") from exc
    try:
        obj = json.loads(raw)
        mac = obj.pop("mac")
        anchor = Anchor(
            str(obj["session"]),
            int(obj["seq"]),
            str(obj["digest"]),
            str(obj["ts"]),
            str(obj["log"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LogError(f"{path}: the anchor is not valid: it was altered") from exc
    if not isinstance(mac, str) or not hmac.compare_digest(key.mac(_anchor_body(anchor)), mac):
        raise LogError(f"{path}: the anchor's keyed digest does not match: it was altered")
    if anchor.session != session:
        raise LogError(f"{path}: the anchor is for session {anchor.session}, not {session}")
    return anchor
