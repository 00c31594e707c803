"""semdict: real-time Russian radiology dictation that ends as a СЭМД document."""

from server.version import __version__

__all__ = ["__version__"]
