"""The installed package's version (``/healthz``, the OpenAPI description, ``--version``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("semdict")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
