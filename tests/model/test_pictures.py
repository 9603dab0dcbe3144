"""HQ pictures (sim/model/pictures.py): reports feed entries; units read published copies.

The tiny world's units stand still (no patrol, no speed), so a report that gets
through puts the unit's exact position in the picture.
"""

from __future__ import annotations

import numpy as np

from sim.model.pictures import Reports, _in_transit

#: Changes that make every report get through at once, in one language.
CLEAR = {
    "nations.B.languages": {"alpha": 1.0},
    "links.AB.delivery": 1.0, "links.AB.latency_h": 0.0,
    "nations.A.report_delivery": 1.0, "nations.B.report_delivery": 1.0,
    "nations.A.report_latency_h": 0.0, "nations.B.report_latency_h": 0.0,
    "nations.A.picture_refresh_h": 1.0, "nations.B.picture_refresh_h": 1.0,
    "environment.jamming": 0.0,
}


def _exchange(model, until_h: float) -> None:
    """Run the report traffic alone (no movement, no fire) from dt to ``until_h``."""
    p, dt = model.pictures, model.dt
    for k in range(1, int(round(until_h / dt)) + 1):
        p.exchange(k * dt, dt, model.streams.at("communication", k))


def test_pictures_hold_friends_only(kit):
    model = kit.model(kit.tiny())
    f, p = model.forces, model.pictures
    a, b, e = (f.nation_names.index(n) for n in "ABE")
    np.testing.assert_array_equal(p.member[a], f.coalition)
    np.testing.assert_array_equal(p.member[b], f.coalition)
    np.testing.assert_array_equal(p.member[e], ~f.coalition)


def test_perfect_pictures_are_the_truth_at_every_step(kit):
    world = kit.tiny({"units.a.patrol_km": 0.3, "units.b.patrol_km": 0.3,
                      "units.e.patrol_km": 0.3, "horizon_h": 6.0})
    model = kit.model(world, perfect=True)
    f, p = model.forces, model.pictures
    for _ in range(6):
        model.step()
        t = model.time_h
        cur = p.current(t)
        np.testing.assert_array_equal(cur, p.member)
        for h in range(p.h):
            rows = p.member[h]
            np.testing.assert_allclose(p.published.pos[h, rows], f.pos[rows])
        assert not p.published.garbled.any() and not p.published.lost.any()


def test_delivered_reports_put_the_true_position_in_every_allied_picture(kit):
    model = kit.model(kit.tiny(CLEAR))
    _exchange(model, 4.0)
    f, p = model.forces, model.pictures
    cur = p.current(4.0)
    np.testing.assert_array_equal(cur, p.member)
    for h in range(p.h):
        rows = p.member[h]
        np.testing.assert_allclose(p.published.pos[h, rows], f.pos[rows])
    assert not p.published.garbled.any()


def test_each_unit_reports_once_per_interval(kit):
    model = kit.model(kit.tiny({**CLEAR, "nations.A.report_interval_h": 3.0,
                                "nations.B.report_interval_h": 3.0}))
    p = model.pictures
    a = model.forces.nation_names.index("A")
    reports = np.zeros(model.forces.n, int)
    for k in range(1, 13):
        before = p.live.time[a].copy()
        p.exchange(float(k), 1.0, model.streams.at("communication", k))
        reports += p.live.time[a] != before
        if k >= 3:   # every unit has reported once; none is older than one interval
            age = k - p.live.time[a, p.member[a]]
            assert (age >= 0).all() and (age < 3.0).all()
    np.testing.assert_array_equal(reports[p.member[a]], 4)   # 12 h / 3 h


def test_lost_reports_leave_no_current_entry_and_are_flagged_lost(kit):
    model = kit.model(kit.tiny({**CLEAR, "nations.A.report_delivery": 0.0}))
    _exchange(model, 24.0)
    f, p = model.forces, model.pictures
    from_a = f.nation == f.nation_names.index("A")
    for h in (f.nation_names.index("A"), f.nation_names.index("B")):
        assert not p.current(24.0)[h, from_a].any()
        assert p.published.lost[h, from_a].all()
        assert p.current(24.0)[h, ~from_a & f.coalition].all()


def test_reports_across_a_language_barrier_arrive_garbled(kit):
    world = kit.tiny({**CLEAR, "nations.B.languages": {"beta": 1.0},
                      "identification.garble_noticed": 0.0,
                      "identification.garble_error_km": 2.0})
    model = kit.model(world)
    _exchange(model, 4.0)
    f, p = model.forces, model.pictures
    a, b = f.nation_names.index("A"), f.nation_names.index("B")
    from_b = f.nation == b
    # no shared language and no interpreters: every report crossing A-B is misunderstood
    assert p.published.garbled[a, from_b].all()
    assert not p.published.garbled[b, from_b].any()       # B's own HQ reads them right
    assert not p.published.garbled[a, f.nation == a].any()
    err = np.hypot(*(p.published.pos[a, from_b] - f.pos[from_b]).T)
    assert (err > 0).all()


def test_published_picture_lags_the_live_one_by_the_refresh_interval(kit):
    model = kit.model(kit.tiny({**CLEAR, "nations.A.picture_refresh_h": 5.0}))
    p = model.pictures
    a = model.forces.nation_names.index("A")
    published_at = []
    for k in range(1, 12):
        before = p.published.time[a].copy()
        p.exchange(float(k), 1.0, model.streams.at("communication", k))
        if not np.array_equal(before, p.published.time[a]):
            published_at.append(k)
        assert (p.published.time[a][p.member[a]] <= p.live.time[a][p.member[a]]).all()
    assert published_at == [5, 10]


def test_entries_expire(kit):
    model = kit.model(kit.tiny({"identification.entry_expiry_h": 3.0}))
    p = model.pictures
    p.published.time[:] = np.where(p.member, 10.0, -np.inf)
    np.testing.assert_array_equal(p.current(13.0), p.member)
    assert not p.current(13.01).any()


def test_the_newest_observation_wins_whatever_the_arrival_order(kit, put):
    model = kit.model(kit.tiny())
    p, f = model.pictures, model.forces
    j = 1
    p.live.time[0, j] = 1.0
    # obs 5 arrives first, obs 4 later; an older obs 0.5 arrives last: reports put in
    # transit as the model does (_in_transit reads the unit's position when it reports)
    for arrive, xy, observed, garbled in ((6.0, 1.0, 5.0, False), (6.5, 2.0, 4.0, True),
                                          (6.8, 3.0, 0.5, False)):
        f.anchor[j] = xy
        f.offset[j] = 0.0
        reports = Reports(np.array([arrive]), np.array([0]), np.array([j]), np.array([True]),
                          np.array([garbled]))
        p._pending = _in_transit(p._pending, reports, f.view, np.full(f.n, observed),
                                 np.zeros((2, 1)), 0.0)
    p._deliver(7.0)
    np.testing.assert_array_equal(p.live.pos[0, j], [1.0, 1.0])
    assert p.live.time[0, j] == 5.0 and not p.live.garbled[0, j]
    assert p._pending.shape[0] == 0


def test_correlation_gate_and_no_fire_lookups(kit):
    model = kit.model(kit.tiny(), perfect=True)
    f, p = model.forces, model.pictures
    a = f.nation_names.index("A")
    friend = f.pos[np.flatnonzero(f.nation == f.nation_names.index("B"))[0]]
    enemy = f.pos[np.flatnonzero(~f.coalition)[0]]
    hq = np.array([a, a, a])
    contacts = np.array([friend + [0.1, 0.1], friend + [0.35, 0.0], enemy])
    np.testing.assert_array_equal(p.correlates(hq, contacts, gate=0.3), [True, False, False])
    # the no-fire check of a fire mission: the same lookup with another radius
    np.testing.assert_array_equal(
        p.correlates(hq[:2], np.array([friend + [0.3, 0.0], enemy]), gate=0.4), [True, False])


def test_an_expired_entry_no_longer_protects_its_unit(kit):
    """Sensing rule 3 correlates contacts with *current* entries only: an entry that expires
    between two publications of the picture must stop counting at once, as it does for
    attribution (``current``)."""
    model = kit.model(kit.tiny({**CLEAR, "identification.entry_expiry_h": 3.0,
                                "nations.A.picture_refresh_h": 10.0}))
    f, p = model.forces, model.pictures
    a = f.nation_names.index("A")
    friend = np.flatnonzero(f.nation == f.nation_names.index("B"))[0]
    p.live.time[a, friend] = 0.0
    p.live.pos[a, friend] = f.pos[friend]
    p._publish(0.0, np.array([a]))                   # next publication at t = 10 h
    assert p.correlates(np.array([a]), f.pos[[friend]], gate=0.3)[0]
    t = 5.0                                          # the entry is 5 h old: expired
    assert not p.current(t)[a, friend]
    p._publish(t, np.array([], dtype=int))           # every step re-indexes current entries
    assert not p.correlates(np.array([a]), f.pos[[friend]], gate=0.3)[0]


def test_each_hq_publishes_on_its_own_refresh_interval(kit):
    model = kit.model(kit.tiny({**CLEAR, "nations.A.picture_refresh_h": 4.0,
                                "nations.B.picture_refresh_h": 3.0}))
    p = model.pictures
    published = {0: [], 1: []}
    for k in range(1, 13):
        before = p.published.time.copy()
        p.exchange(float(k), 1.0, model.streams.at("communication", k))
        for h in published:
            if not np.array_equal(before[h], p.published.time[h]):
                published[h].append(k)
            # between publications units read the copy of the last one
            if k not in published[h]:
                np.testing.assert_array_equal(p.published.time[h], before[h])
    assert published == {0: [4, 8, 12], 1: [3, 6, 9, 12]}


def test_a_report_that_gets_through_clears_the_lost_flag(kit):
    model = kit.model(kit.tiny(CLEAR))
    p, f = model.pictures, model.forces
    p.live.lost[:] = True
    _exchange(model, 2.0)
    a = f.nation_names.index("A")
    assert not p.live.lost[a, p.member[a]].any()
    np.testing.assert_array_equal(p.live.lost[a, ~p.member[a]], True)   # never reported on


def test_a_late_older_report_does_not_overwrite_a_newer_entry(kit):
    """Reports delivered at different steps: once the entry holds the observation of 5 h,
    one of 4 h that arrives later changes nothing; one of 6 h replaces it."""
    model = kit.model(kit.tiny())
    p, f = model.pictures, model.forces
    j = 1
    p._pending = p._pending[:0]
    for arrive, x, observed in ((6.0, 1.0, 5.0), (7.0, 2.0, 4.0), (8.0, 3.0, 6.0)):
        f.anchor[j] = x
        f.offset[j] = 0.0
        reports = Reports(np.array([arrive]), np.array([0]), np.array([j]), np.array([True]),
                          np.array([x == 2.0]))
        p._pending = _in_transit(p._pending, reports, f.view, np.full(f.n, observed),
                                 np.zeros((2, 1)), 0.0)
        p._deliver(arrive)
        if observed == 4.0:
            np.testing.assert_array_equal(p.live.pos[0, j], [1.0, 1.0])
            assert p.live.time[0, j] == 5.0 and not p.live.garbled[0, j]
    np.testing.assert_array_equal(p.live.pos[0, j], [3.0, 3.0])
    assert p.live.time[0, j] == 6.0


def test_the_compiled_send_is_the_radio_hop_then_the_batch_then_transit(kit):
    """The step's reports as the three plain pieces give them: each due unit's radio hop,
    one message per (HQ, unit) in np.nonzero order along its route, then the delivered
    ones in transit with their grids (garbled ones moved); lost ones flag the entry."""
    from sim.model.comms import radio_hop

    world = kit.kursk(kp=8, ru=8, ua=4, changes={
        "nations.KP.report_delivery": 0.5, "links.RU_KP.delivery": 0.6})
    twin, model = kit.model(world), kit.model(world)
    for m in (twin, model):
        _exchange(m, 3.0)
    p, f, net = model.pictures, model.forces, model.network
    t, dt = 4.0, model.dt
    due = np.ones(f.n, bool)
    due[::3] = False
    fast = twin.pictures
    np.testing.assert_array_equal(fast._pending, p._pending)
    fast._send(t, dt, due, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    obs = t - dt * rng.random(f.n)
    ok1, delay = radio_hop(f.report_delivery * (1 - p.jamming), f.report_latency,
                           net.messaging, rng)
    hq, unit = np.nonzero(p.member & due[None, :])
    src = f.nation[unit]
    direct = net.direct[src, hq]
    out = net.send_batch(src, hq, np.where(direct, obs[unit], (obs + delay)[unit]), rng)
    ok = out.delivered & (direct | ok1[unit])
    assert ok.any() and not ok.all() and out.garbled.any()
    lost = p.live.lost.copy()
    lost[hq[~ok], unit[~ok]] = True
    pending = _in_transit(p._pending, Reports(out.arrive, hq, unit, ok, out.garbled), f.view,
                          obs, rng.random((2, unit.size)), net.garble_error_km)
    np.testing.assert_array_equal(fast._pending, pending)
    np.testing.assert_array_equal(fast.live.lost, lost)
    np.testing.assert_array_equal(fast.network.load.served, net.load.served)
