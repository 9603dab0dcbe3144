"""The coalition-friction model: Mesa agents over numpy arrays of unit state."""

from sim.model.model import CoalitionModel
from sim.model.records import Cause, Incident

__all__ = ["CoalitionModel", "Cause", "Incident"]
