"""Named random streams keyed by mechanism and step (common random numbers).

Rule: every random number in a replication comes from
``Streams.at(mechanism, step)``, a generator keyed by the replication's
``SeedSequence`` and the mechanism's id, positioned at the step number. Two
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
    "campaign", "recognition", "mesa", "seams", "drones", "drone_hunts", "posterior",
)
_IDS = {name: i for i, name in enumerate(MECHANISMS)}


class Streams:
    """Random generators for one replication, one per (mechanism, step).

    Each mechanism's key is drawn once from the replication's ``SeedSequence``
    extended with the mechanism's id; the generator of step k is the
    counter-based Philox bit generator with that key and its counter set to
    k x 2^192, so steps never overlap. Each mechanism has one generator that
    :meth:`at` repositions (about 2 us, against 10 us to build one): use a
    step's generator before asking for the same mechanism again.
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        key = tuple(seed.spawn_key)
        self._keys = [np.random.SeedSequence(seed.entropy, spawn_key=(*key, i))
                      .generate_state(2, dtype=np.uint64) for i in range(len(MECHANISMS))]
        self._bits = [np.random.Philox(key=k) for k in self._keys]
        self._generators = [np.random.Generator(b) for b in self._bits]

    def at(self, mechanism: str, step: int) -> np.random.Generator:
        """The generator for ``mechanism`` positioned at the start of ``step`` (0 = set-up)."""
        i = _IDS[mechanism]
        self._bits[i].state = {
            "bit_generator": "Philox",
            "state": {"counter": np.array([0, 0, 0, int(step)], dtype=np.uint64),
                      "key": self._keys[i]},
            "buffer": np.zeros(4, dtype=np.uint64), "buffer_pos": 4, "has_uint32": 0,
            "uinteger": 0}
        return self._generators[i]


def stream_seed(seed: np.random.SeedSequence, mechanism: str) -> np.random.SeedSequence:
    """The seed of ``mechanism``'s own sub-stream of a replication's ``seed`` (what
    :class:`Streams` keys that mechanism's generator with), for draws made once per
    replication outside the model, such as its posterior particle."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, _IDS[mechanism]))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent replication seeds spawned from the master ``seed``."""
    return np.random.SeedSequence(seed).spawn(replications)


def seed_label(seq: np.random.SeedSequence) -> int:
    """A stable integer naming a replication seed (for tables): its first 63 state bits."""
    return int(seq.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))
