"""semdict: real-time Russian radiology dictation that ends as a СЭМД document."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("semdict")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
