"""Command-line value parsers shared by several sub-commands."""

from __future__ import annotations

from semdict.errors import UsageError


def parse_speed(value: str) -> float | None:
    """``--speed``: 1.0 = real time, N = N times faster, ``max`` (None) = as fast as possible."""
    if value == "max":
        return None
    try:
        speed = float(value)
    except ValueError as exc:
        raise UsageError(f"--speed must be a number or 'max', not {value!r}") from exc
    if speed <= 0:
        raise UsageError("--speed must be positive")
    return speed
