"""The installed version of trustsim ("0.0.0+unknown" in a source tree not installed)."""

from importlib import metadata

try:
    __version__ = metadata.version("trustsim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
