"""A second process that saves plan.md the way a given editor does: ``_editor.py STYLE PATH``.

The new content comes on stdin. Styles: ``atomic`` (write a temporary file, rename it over
the plan), ``inplace`` (truncate and rewrite the same inode), ``recreate`` (delete, pause,
create), ``vim`` (swap file, rename the plan to a backup, write the new plan, delete the
backup and the swap file).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def save(style: str, path: Path, data: bytes) -> None:
    if style == "atomic":
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        _write(temp, data)
        os.replace(temp, path)
    elif style == "inplace":
        with open(path, "r+b") as handle:
            handle.truncate(0)
            handle.write(data)
    elif style == "recreate":
        path.unlink()
        time.sleep(0.05)
        _write(path, data)
    elif style == "vim":
        swap = path.with_name(f".{path.name}.swp")
        backup = path.with_name(f"{path.name}~")
        _write(swap, b"b0VIM 9.0 swap")
        os.rename(path, backup)
        _write(path, data)
        os.chmod(path, os.stat(backup).st_mode)
        backup.unlink()
        swap.unlink()
    else:
        raise SystemExit(f"unknown style {style}")


if __name__ == "__main__":
    save(sys.argv[1], Path(sys.argv[2]), sys.stdin.buffer.read())
