"""The coalition-friction model: Mesa agents over numpy arrays of unit state."""

from sim.model import kernel_cache  # noqa: F401  (numba's cache directory, before any kernel)
from sim.model.model import CoalitionModel
from sim.model.records import Cause, Incident

__all__ = ["CoalitionModel", "Cause", "Incident"]
