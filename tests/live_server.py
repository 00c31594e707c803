"""Re-export: the live-server helper now lives in ``semdict.bench`` (the benchmark uses it)."""

from semdict.bench.live_server import free_port, serve

__all__ = ["free_port", "serve"]
