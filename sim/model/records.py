"""Events and their vocabulary: incident causes, postures, incident records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Cause(StrEnum):
    """Why a friendly-fire incident happened, judged when it starts (first that applies).

    The first four are communication failures; ``REPORT_GARBLED`` and
    ``CHALLENGE_FAILED`` are the language-caused ones (docs/contract.md).
    """

    REPORT_LOST = "report_lost"
    REPORT_STALE = "report_stale"
    REPORT_GARBLED = "report_garbled"
    CHALLENGE_FAILED = "challenge_failed"
    MISIDENTIFICATION = "misidentification"

    @property
    def is_communication(self) -> bool:
        return self is not Cause.MISIDENTIFICATION

    @property
    def is_language(self) -> bool:
        return self in (Cause.REPORT_GARBLED, Cause.CHALLENGE_FAILED)


CAUSES: tuple[Cause, ...] = tuple(Cause)


class Posture(IntEnum):
    """What a unit is doing."""

    REAR = 0        #: rear support (trench digging, logistics): out of the fight, still reporting
    FRONT = 1       #: in its front-line position, sensing and fighting
    WITHDRAWN = 2   #: pulled out after heavy losses, resting and refitting
    DESTROYED = 3   #: no personnel left
    PENDING = 4     #: not arrived yet: not in the battle, no personnel counted


class Fire(StrEnum):
    """How an incident's fire was delivered."""

    DIRECT = "direct"
    INDIRECT = "indirect"


@dataclass(slots=True)
class Incident:
    """One friendly-fire incident: coalition fire on a coalition unit.

    ``killed`` and ``wounded`` accumulate while the incident lasts.
    """

    replication: int
    time_h: float
    shooter_unit: str
    shooter_nation: str
    target_unit: str
    target_nation: str
    cause: Cause
    fire: Fire
    distance_km: float
    x_km: float
    y_km: float
    end_h: float = float("nan")
    killed: int = 0
    wounded: int = 0
    #: the shooter's weapon: "artillery", "drone", or the direct-fire system with the
    #: largest volley at the opening ("aimed" for soldiers' aimed fire)
    weapon: str = ""
    #: hours the engagement was broken off before it resumed (not part of its duration)
    paused_h: float = 0.0

    @property
    def duration_h(self) -> float:
        """Hours of fire (:func:`hours_of_fire`)."""
        return hours_of_fire(self.time_h, self.end_h, self.paused_h)


def hours_of_fire(time_h, end_h, paused_h=0.0):
    """An incident's duration: from its start to its end, less the hours broken off, h.
    Takes numbers or arrays (columns of the incident table) alike."""
    return end_h - time_h - paused_h


def incident_durations(table):
    """:func:`hours_of_fire` of each row of an incident table (a DataFrame with ``time_h``,
    ``end_h`` and ``paused_h``; a table written before ``paused_h`` existed has no pauses)."""
    return hours_of_fire(table["time_h"], table["end_h"], table.get("paused_h", 0.0))
