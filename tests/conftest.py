"""Test-wide settings: property tests judge behaviour, not the speed of a busy machine."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "cockpit",
    deadline=None,  # CI machines are small and shared: a slow example is not a failure
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("cockpit")
