"""Where `visible` used to live: it is `cockpit.safe_text` now, for every layer."""

from __future__ import annotations

from cockpit.safe_text import visible

__all__ = ["visible"]
