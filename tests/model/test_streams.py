"""Named random streams (sim/model/streams.py) and what they buy: reproducible, paired runs."""

from __future__ import annotations

import random

import numpy as np

from sim.model.streams import MECHANISMS, Streams, replication_seeds, seed_label


def _draw(streams: Streams, mechanism: str, step: int) -> np.ndarray:
    return streams.at(mechanism, step).random(8)


def test_same_mechanism_and_step_give_the_same_numbers():
    s = Streams(np.random.SeedSequence(42))
    np.testing.assert_array_equal(_draw(s, "sensing", 7), _draw(s, "sensing", 7))
    # a fresh Streams on the same seed, and draws taken in another order
    t = Streams(np.random.SeedSequence(42))
    _draw(t, "combat", 3)
    np.testing.assert_array_equal(_draw(t, "sensing", 7), _draw(s, "sensing", 7))


def test_different_mechanisms_steps_and_replications_give_different_numbers():
    s = Streams(np.random.SeedSequence(42))
    draws = {(m, k): _draw(s, m, k) for m in MECHANISMS for k in (0, 1, 2)}
    flat = np.concatenate(list(draws.values()))
    assert np.unique(flat).size == flat.size
    a, b = (Streams(seq) for seq in replication_seeds(42, 2))
    assert not np.array_equal(_draw(a, "movement", 1), _draw(b, "movement", 1))


def test_replication_seeds_are_reproducible_and_labelled_distinctly():
    first = replication_seeds(9, 5)
    again = replication_seeds(9, 5)
    assert [seed_label(s) for s in first] == [seed_label(s) for s in again]
    assert len({seed_label(s) for s in first}) == 5
    assert all(0 <= seed_label(s) < 2**63 for s in first)
    # seed 0 is a seed like any other
    assert seed_label(replication_seeds(0, 1)[0]) != seed_label(replication_seeds(1, 1)[0])
    # a longer run keeps the first replications' seeds
    assert [seed_label(s) for s in replication_seeds(9, 8)[:5]] == \
        [seed_label(s) for s in first]


def test_a_run_is_reproducible_and_ignores_the_global_random_state(kit):
    world = kit.kursk(horizon_h=48, kp=3, ru=3, ua=4)
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002 - the model must not read it
    _, first = kit.run(world, seed=3)
    random.seed(2)
    np.random.seed(2)  # noqa: NPY002
    _, second = kit.run(world, seed=3)
    assert first.metrics == second.metrics
    assert first.incidents == second.incidents
    assert first.timeseries == second.timeseries
    _, other = kit.run(world, seed=4)
    assert other.timeseries != first.timeseries


def test_paired_runs_stay_in_step_where_a_lever_does_not_reach(kit):
    """Worlds that differ only in how reports travel (a common net draws fewer numbers than a
    liaison link): before anyone fights, movement draws the same numbers, so every unit is
    at the same place at every step, while the pictures differ."""
    rear = {"units.kp.front_from_h": 100.0, "units.ru.front_from_h": 100.0}
    worlds = [kit.kursk(horizon_h=24, kp=3, ru=3, ua=3, changes={**rear, **lever})
              for lever in ({}, {"nations.KP.radio": "ru_r168"},
                            {"links.RU_KP.interpreters": 40})]
    models = [kit.model(w, seed=8) for w in worlds]
    for _ in range(24):
        for m in models:
            m.step()
        for m in models[1:]:
            np.testing.assert_array_equal(m.forces.pos, models[0].forces.pos)
    assert not np.array_equal(models[0].pictures.live.pos, models[1].pictures.live.pos)


def test_mechanism_ids_are_append_only():
    """Ids are part of the results: the first nine mechanisms keep their places."""
    assert MECHANISMS[:9] == ("movement", "communication", "sensing", "identification",
                              "combat", "indirect_fire", "campaign", "recognition", "mesa")


def test_the_generator_of_a_step_is_philox_keyed_by_mechanism_at_counter_step_times_2_192():
    """The documented construction, rebuilt by hand: key from the replication's
    SeedSequence extended with the mechanism's id, counter k x 2^192."""
    seq = replication_seeds(17, 3)[2]
    s = Streams(seq)
    for mechanism in ("movement", "combat", "mesa"):
        key = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key,
                                                             MECHANISMS.index(mechanism)))
        for step in (0, 1, 5, 1000):
            bits = np.random.Philox(key=key.generate_state(2, dtype=np.uint64))
            bits.advance(step * 2**192)               # the 256-bit counter
            expected = np.random.Generator(bits).random(6)
            np.testing.assert_array_equal(s.at(mechanism, step).random(6), expected,
                                          err_msg=f"{mechanism} {step}")
