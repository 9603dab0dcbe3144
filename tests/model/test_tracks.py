"""Contact memory (sim/model/tracks.py, and rule 2a of sim/model/sensing.py)."""

from __future__ import annotations

import numpy as np

from sim.model import tracks
from sim.model.tracks import ENEMY, FRIEND, UNKNOWN

#: One unit per nation, A and B 0.5 km apart, no reports; B is never identified or
#: challenged from afar and A's ROE fires at once on an unidentified contact.
SOLO = {"units.a.count": 1, "units.b.count": 1, "units.e.count": 1,
        "nations.A.report_delivery": 0.0, "nations.B.report_delivery": 0.0,
        "nations.E.report_delivery": 0.0, "environment.night_hours": 0,
        "units.b.cover": 0.0, "identification.challenge_range_km": 0.0,
        "nations.A.roe.engage_unidentified": 1.0, "nations.A.roe.engage_forward": 1.0}
A, B, E = 0, 1, 2


def _model(kit, memory_h: float, markings: float):
    model = kit.model(kit.tiny({**SOLO, "identification.track_memory_h": memory_h,
                                "nations.A.training": 1.0, "nations.B.markings": markings}))
    f = model.forces
    f.anchor[:] = [(-0.5, 0.0), (-0.5, 0.5), (0.5, 5.0)]
    f.front_place[:] = f.anchor
    f.offset[:] = 0.0
    return model


def _look(model, t: float, k: int):
    c = model.sensing.look(t, np.random.default_rng([1, k]), np.random.default_rng([2, k]))
    model.sensing.remember(t, c)
    rows = np.flatnonzero((c.observer == A) & (c.target == B))
    return c, (rows[0] if rows.size else None)


def test_remember_keeps_identified_contacts_newest_first_and_forgets_old_ones():
    t0 = tracks.remember(tracks.empty(), np.array([0, 0, 1]), np.array([1, 2, 0]),
                         np.array([FRIEND, UNKNOWN, ENEMY]), 10, 1.0, 6.0)
    assert t0.key.tolist() == [1, 10] and t0.friend.tolist() == [True, False]
    t1 = tracks.remember(t0, np.array([0]), np.array([1]), np.array([ENEMY]), 10, 3.0, 6.0)
    assert t1.key.tolist() == [1, 10] and t1.friend.tolist() == [False, False]
    assert t1.seen_h.tolist() == [3.0, 1.0]
    t2 = tracks.remember(t1, np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.zeros(0, np.int64), 10, 7.0, 6.0)
    assert t2.key.tolist() == [1]                        # (1, 0) last seen at 1 h: forgotten
    none = tracks.remember(tracks.empty(), np.array([0]), np.array([1]), np.array([FRIEND]),
                           10, 1.0, 0.0)
    assert none.key.size == 0                            # no memory: no tracks


def _remember_plainly(table, observer, target, identity, n, t, memory_h):
    """The rule of :func:`tracks.remember` written with numpy sorts (the reference)."""
    known = identity != UNKNOWN
    key = np.concatenate([table.key, observer[known] * n + target[known]])
    friend = np.concatenate([table.friend, identity[known] == FRIEND])
    seen = np.concatenate([table.seen_h, np.full(int(known.sum()), t)])
    order = np.lexsort((np.arange(key.size), key))      # newest entry of a key last
    key, friend, seen = key[order], friend[order], seen[order]
    last = np.append(key[1:] != key[:-1], True) if key.size else np.zeros(0, bool)
    keep = last & (t - seen < memory_h)
    return key[keep], friend[keep], seen[keep]


def test_remember_merges_as_the_plain_rule_says():
    """Random tables and looks, pairs repeated within a look and against old tracks."""
    rng = np.random.default_rng(5)
    n, table = 6, tracks.empty()
    for step in range(300):
        t = float(step)
        m = int(rng.integers(0, 12))
        obs, tgt = rng.integers(0, n, m), rng.integers(0, n, m)
        ident = rng.choice([UNKNOWN, FRIEND, ENEMY], m)
        want = _remember_plainly(table, obs, tgt, ident, n, t, 3.0)
        table = tracks.remember(table, obs, tgt, ident, n, t, 3.0)
        for got, expected in zip(table, want, strict=True):
            assert np.array_equal(got, expected), step


def test_side_by_side_adds_the_hours_as_the_plain_rule_says():
    """Random pairs, new and old, against np.unique and a weighted count."""
    rng = np.random.default_rng(6)
    n, table = 7, tracks.no_familiarity()
    for step in range(200):
        key = rng.choice(n * n, int(rng.integers(0, 10)), replace=False)
        obs, tgt = key // n, key % n
        dt = float(rng.choice([0.25, 1.0]))
        all_keys = np.concatenate([table.key, key])
        uniq, inverse = np.unique(all_keys, return_inverse=True)
        hours = np.bincount(inverse, weights=np.concatenate([table.hours, np.full(key.size, dt)]),
                            minlength=uniq.size)
        table = tracks.side_by_side(table, obs, tgt, n, dt)
        assert np.array_equal(table.key, uniq) and np.array_equal(table.hours, hours), step


def test_an_identified_friend_is_not_fired_on_while_remembered(kit):
    """A identifies B once (markings 1); then B becomes unrecognisable (markings 0). With
    memory A keeps B as a friend while it sees it; without, A's ROE fires at once."""
    for memory_h, fired in ((6.0, False), (0.0, True)):
        model = _model(kit, memory_h, markings=1.0)
        c, r = _look(model, 1.0, 0)
        assert r is not None and not c.hostile[r] and c.identity[r] == FRIEND
        model.forces.markings[B] = 0.0
        for k in range(1, 5):
            c, r = _look(model, 1.0 + k, k)
            assert r is not None and bool(c.hostile[r]) is fired, (memory_h, k)


def test_a_track_not_renewed_for_the_memory_time_is_forgotten(kit):
    model = _model(kit, 2.0, markings=1.0)
    _look(model, 1.0, 0)
    model.forces.markings[B] = 0.0
    model.forces.sensor_range[A] = 0.1                  # A loses sight of B
    for k, t in enumerate((2.0, 3.0), start=1):
        c, r = _look(model, t, k)
        assert r is None
    model.forces.sensor_range[A] = 3.0                  # seen again 2 h after the last sight
    c, r = _look(model, 3.0, 3)
    assert r is not None and c.hostile[r] and c.identity[r] == UNKNOWN


def _seam(kit, exchange: float, signal: float, apart_km: float = 0.5):
    model = kit.model(kit.tiny({**SOLO, "identification.track_memory_h": 6.0,
                                "links.AB.lateral_exchange_per_h": exchange,
                                "links.AB.lateral_range_km": 0.6,
                                "links.AB.challenge_signal": signal}))
    f = model.forces
    f.anchor[:] = [(-0.5, 0.0), (-0.5, apart_km), (0.5, 5.0)]
    f.front_place[:] = f.anchor
    f.offset[:] = 0.0
    return model


def _told(model, n: int = 2000) -> float:
    """Fraction of steps in which A gets a friend track of B from the seam (tracks reset)."""
    got = 0
    for k in range(n):
        model.sensing.tracks = tracks.empty()
        model.seams.exchange(1.0, 1.0, np.random.default_rng(k))
        key = A * model.forces.n + B
        got += key in model.sensing.tracks.key.tolist()
    return got / n


def test_adjacent_allies_exchange_positions_with_the_links_rate_and_language(kit):
    """P per step = lateral_exchange_per_h (dt 1 h) x the nations' challenge probability
    (agreed signal 0.6 beats the shared alpha at 0.3); both units get a friend track."""
    p = 0.5 * 0.6
    got = _told(_seam(kit, 0.5, 0.6))
    assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / 2000)
    model = _seam(kit, 1.0, 1.0)
    model.seams.exchange(1.0, 1.0, np.random.default_rng(0))
    t = model.sensing.tracks
    assert t.key.tolist() == [A * model.forces.n + B, B * model.forces.n + A]
    assert t.friend.all()


def test_no_exchange_beyond_the_lateral_range_or_without_memory(kit):
    assert _told(_seam(kit, 1.0, 1.0, apart_km=0.7), n=50) == 0.0
    model = kit.model(kit.tiny({**SOLO, "links.AB.lateral_exchange_per_h": 1.0,
                                "identification.track_memory_h": 0.0}))
    assert not model.seams.active


def test_a_neighbour_told_at_the_seam_is_not_fired_on(kit):
    """B cannot be identified (markings 0) and A fires at once on the unidentified: without
    the seam A fires on B; with an exchange every hour it never does."""
    for exchange, fired in ((0.0, True), (1.0, False)):
        model = _seam(kit, exchange, 1.0)
        model.forces.markings[B] = 0.0
        model.forces.training[A] = 0.0
        model.seams.exchange(0.0, 1.0, np.random.default_rng(0))
        c, r = _look(model, 1.0, 1)
        assert r is not None and bool(c.hostile[r]) is fired


def test_neighbours_count_their_hours_side_by_side(kit):
    model = kit.model(kit.tiny({**SOLO, "identification.familiarity_h": 10.0,
                                "identification.track_memory_h": 0.0}))
    f = model.forces
    f.anchor[:] = [(-0.5, 0.0), (-0.5, 0.5), (0.5, 0.2)]      # E is near too, but no ally
    f.offset[:] = 0.0
    for k in range(3):
        model.seams.exchange(float(k), 0.5, np.random.default_rng(k))
    fam = model.sensing.familiarity
    n = f.n
    assert fam.key.tolist() == [A * n + B, B * n + A]
    np.testing.assert_allclose(fam.hours, [1.5, 1.5])


def test_familiarity_makes_a_neighbour_easier_to_recognise(kit):
    """Visual identification of B by A, P0 = training x markings x exp(-d / visual range):
    after H hours side by side it fails with (1 - P0) exp(-H / familiarity_h)."""
    changes = {**SOLO, "identification.familiarity_h": 10.0, "nations.A.training": 0.5,
               "nations.B.markings": 0.5, "nations.A.roe.engage_unidentified": 0.0}
    model = kit.model(kit.tiny(changes))
    f = model.forces
    f.anchor[:] = [(-0.5, 0.0), (-0.5, 0.5), (0.5, 5.0)]
    f.front_place[:] = f.anchor
    f.offset[:] = 0.0
    p0 = 0.5 * 0.5 * np.exp(-0.5 / 0.8)
    for hours in (0.0, 20.0):
        key = A * f.n + B
        model.sensing.familiarity = tracks.Familiarity(np.array([key]), np.array([hours]))
        ids = []
        for k in range(1500):
            c = model.sensing.look(12.0, np.random.default_rng([1, k]),
                                   np.random.default_rng([2, k]))
            r = np.flatnonzero((c.observer == A) & (c.target == B))
            if r.size:
                ids.append(c.identity[r[0]] == FRIEND)
        p = 1 - (1 - p0) * np.exp(-hours / 10.0)
        assert abs(np.mean(ids) - p) < 4 * np.sqrt(p * (1 - p) / len(ids)), hours


def test_the_seams_kernel_follows_the_plain_rule(kit):
    """Near: two nations closer than their link's reach; told: near, exchanged and
    understood with the pair's two keyed uniforms; both directions, (a, b) rows first."""
    from sim.model import keyed
    from sim.model.seams import _at_the_seams

    model = kit.model(kit.kursk(kp=6, ru=6, ua=2))
    f, seams = model.forces, model.seams
    rng = np.random.default_rng(4)
    f.offset[:] = rng.normal(0.0, 0.4, f.offset.shape)
    pairs = np.array([(a, b) for a in range(f.n) for b in range(a + 1, f.n)], np.int64)
    p = 1.0 - (1.0 - 0.9) ** 1.0
    rate = np.where(seams.rate > 0, p, 0.0)
    reach = np.where(seams.reach > 0, 3.0, 0.0)
    key = np.uint64(12345)
    near_o, near_t, told_o, told_t = _at_the_seams(pairs, f.view, reach, rate,
                                                   model.network.challenge, key)
    a, b = pairs[:, 0], pairs[:, 1]
    na, nb = f.nation[a], f.nation[b]
    near = (np.hypot(*(f.pos[a] - f.pos[b]).T) < reach[na, nb]) & (na != nb)
    u = keyed.block(keyed.pair_keys(key, a, b), 0, 2)
    told = near & (u[0] < rate[na, nb]) & (u[1] < model.network.challenge[na, nb])
    assert near.any() and told.any() and not told.all()
    np.testing.assert_array_equal(near_o, np.concatenate([a[near], b[near]]))
    np.testing.assert_array_equal(near_t, np.concatenate([b[near], a[near]]))
    np.testing.assert_array_equal(told_o, np.concatenate([a[told], b[told]]))
    np.testing.assert_array_equal(told_t, np.concatenate([b[told], a[told]]))
