"""Project rules: the repository's own `AGENTS.md` and `CLAUDE.md`, given to every agent.

Repositories already say how work is done in them, for Codex and friends in `AGENTS.md` and
for Claude Code in `CLAUDE.md`. cockpit reads both from the workspace root and puts them in
every agent's system prompt after the shared base rules, each under a heading naming its
file. One copy when one stands for the other: a symlink, the same text, or a short file that
only points at the other (`@AGENTS.md`, "See AGENTS.md"). Together they are cut at
`MAX_RULES_BYTES`, and the prompt says where.

A rules file that resolves outside the workspace is not read: a cloned repository could
point `AGENTS.md` at `~/.ssh/id_ed25519`, and whatever is read here is sent to the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RULE_FILES: tuple[str, ...] = ("AGENTS.md", "CLAUDE.md")
MAX_RULES_BYTES = 32 * 1024
_POINTER_MAX_CHARS = 300
_POINTER_MAX_LINES = 3


@dataclass(frozen=True)
class RulesFile:
    """One of the rules files at the workspace root, and what became of it."""

    name: str
    path: Path
    size: int
    text: str = ""
    """What the agents get ("" when it is not given to them)."""
    cut: bool = False
    note: str = ""
    """Why it is not given, or how it was shortened; "" when given whole."""
    problem: bool = False
    """The note is worth telling at the start of a session (unreadable, outside, cut)."""

    @property
    def included(self) -> bool:
        return bool(self.text)


def read_project_rules(root: Path) -> list[RulesFile]:
    """The rules files present at `root`, in the order agents read them."""
    root = root.resolve()
    found: list[RulesFile] = []
    budget = MAX_RULES_BYTES
    for name in RULE_FILES:
        path = root / name
        if not path.is_file() and not path.is_symlink():
            continue
        other = next(n for n in RULE_FILES if n != name)
        rules = _read(root, path, other, budget, [r for r in found if r.included])
        budget = 0 if rules.cut else budget - len(rules.text.encode("utf-8"))
        found.append(rules)
    return found


def project_rules_sections(root: Path) -> list[str]:
    """The prompt sections for the rules files at `root`, each under a heading naming it."""
    sections = []
    for rules in read_project_rules(root):
        if not rules.included:
            continue
        section = f"# Project rules from {rules.name}\n\n{rules.text.strip()}"
        if rules.cut:
            section += (
                f"\n\n({rules.name} is cut here: cockpit gives agents the first "
                f"{len(rules.text.encode('utf-8')):,} of its {rules.size:,} bytes.)"
            )
        sections.append(section)
    return sections


def project_rules_notices(root: Path) -> list[str]:
    """One line per rules file a user should hear about: not read, or cut."""
    return [f"{r.name}:1: {r.note}" for r in read_project_rules(root) if r.problem]


def _read(root: Path, path: Path, other: str, budget: int, given: list[RulesFile]) -> RulesFile:
    name = path.name
    try:
        resolved = path.resolve(strict=True)
        size = resolved.stat().st_size
    except OSError as exc:
        return RulesFile(name, path, 0, note=f"cannot be read ({exc.strerror})", problem=True)
    if not resolved.is_relative_to(root):
        note = f"links outside the workspace ({resolved}): not read"
        return RulesFile(name, path, size, note=note, problem=True)
    other_path = root / other
    if path.is_symlink() and other_path.exists() and resolved == other_path.resolve():
        return RulesFile(name, path, size, note=f"links to {other}: one copy")
    try:
        text = resolved.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        note = f"is not UTF-8 text: not read ({exc.reason})"
        return RulesFile(name, path, size, note=note, problem=True)
    except OSError as exc:
        return RulesFile(name, path, size, note=f"cannot be read ({exc.strerror})", problem=True)
    if other_path.is_file() and _points_to(text, other):
        return RulesFile(name, path, size, note=f"points to {other}: one copy")
    if any(r.text.strip() == text.strip() for r in given):
        return RulesFile(name, path, size, note=f"same text as {other}: one copy")
    if not text.strip():
        return RulesFile(name, path, size, note="is empty")
    data = text.encode("utf-8")
    if len(data) <= budget:
        return RulesFile(name, path, size, text=text)
    if budget <= 0:
        note = f"not given: the rules before it fill the {MAX_RULES_BYTES:,}-byte cap"
        return RulesFile(name, path, size, note=note, problem=True)
    kept = _cut(data, budget)
    note = f"is {size:,} bytes; agents get the first {len(kept.encode('utf-8')):,}"
    return RulesFile(name, path, size, text=kept, cut=True, note=note, problem=True)


def _points_to(text: str, other: str) -> bool:
    """A short file that names the other one and says nothing else of substance."""
    stripped = text.strip()
    lines = [line for line in stripped.splitlines() if line.strip()]
    return (
        len(stripped) <= _POINTER_MAX_CHARS
        and len(lines) <= _POINTER_MAX_LINES
        and other.lower() in stripped.lower()
    )


def _cut(data: bytes, budget: int) -> str:
    """The first `budget` bytes at most, ended at a line break when there is one."""
    head = data[:budget]
    newline = head.rfind(b"\n")
    if newline > 0:
        head = head[: newline + 1]
    return head.decode("utf-8", errors="ignore")
