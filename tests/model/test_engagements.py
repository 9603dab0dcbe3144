"""Engagements under way and broken off (sim/model/engagements.py).

Rules checked: an engagement opens only on a hostile contact of a unit at the front
within its weapon range and reach, and not on a pair engaged already; an engagement broken
off is kept sorted by pair, replaces the pair's older entry, and is dropped after
``resume_h``; a pair opening again resumes its entry within ``resume_h``, does not open if
its shooter was told meanwhile, and uses its entry up either way.
"""

from __future__ import annotations

import numpy as np

from sim.model import engagements
from sim.model.engagements import Paused, Resumed
from sim.model.records import Posture


def _table(keys, start, until, incident, ended):
    return Paused(np.array(keys, np.int64), np.array(start, float), np.array(until, float),
                  np.array(incident, np.int64), np.array(ended, float))


def test_pauses_are_kept_sorted_replace_the_pairs_entry_and_expire():
    paused = _table([3, 7, 9], [0.0, 1.0, 2.0], [np.inf, 5.0, np.inf], [-1, 4, -1],
                    [1.0, 8.0, 9.5])
    out = Paused(*engagements.pause(paused, np.array([9, 5], np.int64), np.array([6.0, 7.0]),
                                    np.array([np.inf, 12.0]), np.array([-1, 2], np.int64),
                                    10.0, 2.0))
    assert out.key.tolist() == [5, 7, 9]          # 3 ended at 1.0: older than resume_h = 2
    assert out.start.tolist() == [7.0, 1.0, 6.0]  # the pair 9 broken off again: replaced
    assert out.ended.tolist() == [10.0, 8.0, 10.0]
    assert out.incident.tolist() == [2, 4, -1]


def test_a_pair_resumes_within_resume_h_unless_told_and_uses_its_entry_up():
    paused = _table([2, 4, 6], [1.0, 2.0, 3.0], [np.inf, 9.0, 20.0], [-1, 5, 6],
                    [9.5, 9.0, 5.0])
    keys = np.array([4, 2, 6, 8], np.int64)
    found, left = engagements.resume(keys, paused, 10.0, 2.0)
    r = Resumed(*found)
    # 4: told (t >= until 9); 2: resumed; 6: broken off 5 h ago (> resume_h); 8: new
    assert r.told.tolist() == [True, False, False, False]
    assert r.start[1] == 1.0 and r.until[1] == np.inf and r.broken_h[1] == 0.5
    assert np.isnan(r.start[[0, 2, 3]]).all() and r.incident.tolist() == [-1, -1, -1, -1]
    assert Paused(*left).key.size == 0            # every entry looked up is used up


def test_a_resumed_friendly_fire_keeps_its_incident():
    paused = _table([4], [2.0], [30.0], [7], [9.0])
    r = Resumed(*engagements.resume(np.array([4], np.int64), paused, 10.0, 2.0)[0])
    assert r.incident.tolist() == [7] and r.until.tolist() == [30.0] and r.broken_h[0] == 1.0


def test_engagements_open_on_hostile_contacts_in_reach_not_on_pairs_engaged(kit):
    from sim.model.forces import build_forces
    from sim.model.weapons import build_arsenal

    world = kit.kursk(kp=2, ru=2, ua=2)
    f = build_forces(world, np.random.default_rng(0))
    f.posture[:] = Posture.FRONT
    _, arsenal = build_arsenal(world)
    from sim.model import views

    n = f.n
    obs = np.array([0, 0, 1, 2, 3])
    tgt = np.array([4, 5, 4, 5, 4])
    far = f.weapon_range[3] + 1.0
    dist = np.array([0.1, 0.1, 0.1, 0.1, far])
    hostile = np.array([True, True, True, False, True])
    engaged = np.sort(np.array([0 * n + 5], np.int64))
    f.posture[1] = Posture.REAR
    idx = engagements.opening(obs, tgt, dist, hostile, f.view, views.view_of(arsenal), engaged)
    # 0->5 engaged already, 1 not at the front, 2's contact not hostile, 3's out of range
    assert idx.tolist() == [0]
