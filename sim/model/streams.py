"""Named random streams keyed by mechanism and step (common random numbers).

Rule: every random number in a replication comes from
``Streams.at(mechanism, step)``, a generator seeded by the replication's
``SeedSequence`` extended with the mechanism's id and the step number. Two
runs on the same seed that differ in one lever (say, interpreters) draw the
same numbers for movement, sensing and combat at every step, and fall back
in step at the next step even where one mechanism drew a different amount.
The global ``random`` and ``np.random`` states are never used.
"""

from __future__ import annotations

import numpy as np

#: Mechanisms with their own stream. Append only: ids are part of the results.
MECHANISMS: tuple[str, ...] = (
    "movement", "communication", "sensing", "identification", "combat", "indirect_fire",
    "campaign", "recognition", "mesa",
)
_IDS = {name: i for i, name in enumerate(MECHANISMS)}


class Streams:
    """Random generators for one replication, one per (mechanism, step)."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self._entropy = seed.entropy
        self._key = tuple(seed.spawn_key)

    def at(self, mechanism: str, step: int) -> np.random.Generator:
        """The generator for ``mechanism`` at ``step`` (0 = set-up)."""
        seq = np.random.SeedSequence(self._entropy,
                                     spawn_key=(*self._key, _IDS[mechanism], int(step)))
        return np.random.Generator(np.random.PCG64(seq))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent replication seeds spawned from the master ``seed``."""
    return np.random.SeedSequence(seed).spawn(replications)


def seed_label(seq: np.random.SeedSequence) -> int:
    """A stable integer naming a replication seed (for tables): its first 63 state bits."""
    return int(seq.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))
