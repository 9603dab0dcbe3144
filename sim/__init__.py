"""coalition-friction: how miscommunication between allies causes friendly fire.

An agent-based model (Mesa) of allied units of several nations against a
common enemy; messages can be lost, late or misunderstood, and the resulting
gaps in each HQ's picture produce friendly-fire incidents whose cause is
recorded. See README.md and the ``sim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coalition-friction")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
