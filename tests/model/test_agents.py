"""The Mesa agents (sim/model/agents.py): what a unit says about itself and its HQ's picture."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.agents import Unit
from sim.model.records import Posture


def test_every_row_of_the_unit_table_has_its_agent_in_row_order(kit):
    model = kit.model(kit.tiny())
    assert [u.index for u in model.units] == list(range(model.forces.n))
    assert set(model.agents) == set(model.units)
    assert all(isinstance(u, Unit) for u in model.agents)
    assert [u.name for u in model.units] == model.forces.names


def test_a_unit_reads_its_row_and_its_nation(kit):
    model = kit.model(kit.tiny({"nations.B.languages": {"beta": 1.0, "alpha": 0.3}}))
    model.step()
    f = model.forces
    b = next(u for u in model.units if u.nation == "B")
    assert b.pos == pytest.approx(tuple(f.pos[b.index]))
    assert b.languages == {"beta": 1.0, "alpha": 0.3}
    assert b.side == "coalition"
    before = b.strength
    assert before == f.strength[b.index]
    f.strength[b.index] -= 7
    assert b.strength == before - 7
    assert b.posture is Posture.FRONT


def test_a_units_position_is_model_state(kit, put):
    model = kit.model(kit.tiny())
    unit = model.units[0]
    put(model, np.arange(2 * model.forces.n, dtype=float).reshape(-1, 2))
    assert unit.pos == (0.0, 1.0)
    unit.pos = (0.0, 1.0)                       # what a Mesa space does: accepted
    with pytest.raises(AttributeError, match="model state"):
        unit.pos = (5.0, 5.0)
    assert unit.pos == (0.0, 1.0)


def test_belief_is_the_hqs_published_entry(kit):
    model = kit.model(kit.tiny(), perfect=True)     # perfect comms: pictures are the truth
    model.step()
    a = model.units[0]
    own = a.belief
    assert own.hq == a.nation and own.current and not own.garbled
    assert own.pos == pytest.approx(a.pos) and own.error_km == pytest.approx(0.0)
    assert own.observed_h == model.pictures.published.time[0, a.index]
    enemy = next(u for u in model.units if u.side == "enemy")
    assert enemy.believed_by(a.nation).pos is None       # an HQ keeps no picture of the enemy
    assert not enemy.believed_by(a.nation).current


def test_a_stale_wrong_entry_shows_its_age_and_error(kit):
    model = kit.model(kit.tiny())
    p = model.pictures
    a = model.units[0]
    p.published.time[:, a.index] = -20.0
    p.published.pos[:, a.index] = np.asarray(a.pos) + (3.0, 4.0)
    p.published.garbled[:, a.index] = True
    belief = a.believed_by("B")
    assert belief.age_h == pytest.approx(model.time_h + 20.0)
    assert not belief.current                           # older than entry_expiry_h
    assert belief.garbled and belief.error_km == pytest.approx(5.0)


def test_neighbours_are_the_others_nearest_first_with_the_units_hqs_belief(kit, put):
    model = kit.model(kit.tiny())
    n = model.forces.n
    xy = np.zeros((n, 2))
    xy[:, 0] = [0.0, 0.5, 0.2, 3.0, 0.1, 9.0][:n]
    put(model, xy)
    model.forces.strength[4] = 0                        # destroyed: not a neighbour
    me = model.units[0]
    near = me.neighbours(1.0)
    assert [u.index for u, _ in near] == [2, 1]
    assert all(b.hq == me.nation for _, b in near)


def test_an_entry_is_current_until_it_is_entry_expiry_h_old(kit):
    model = kit.model(kit.tiny({"identification.entry_expiry_h": 5.0}))
    for _ in range(8):
        model.step()
    p, a = model.pictures, model.units[2]               # b-001, in A's and B's pictures
    p.published.time[0, a.index] = 3.0                  # 5 h old at t = 8: still current
    p.published.lost[0, a.index] = True
    belief = a.believed_by("A")
    assert belief.current and belief.lost and belief.age_h == pytest.approx(5.0)
    p.published.time[0, a.index] = 2.9
    assert not a.believed_by("A").current


def test_neighbours_are_within_the_radius_of_the_units_position(kit, put):
    model = kit.model(kit.tiny())
    xy = np.array([[0.0, 0.0], [0.3, 0.4], [0.0, 0.51], [-0.3, -0.39], [5.0, 0.0],
                   [0.0, -0.2]])
    put(model, xy)
    model.forces.offset[4] = [-4.6, 0.0]                # its position, not its anchor, counts
    near = model.units[0].neighbours(0.5)
    assert [u.index for u, _ in near] == [5, 4, 3, 1]   # 0.2, 0.4, 0.49, 0.5 km; not 0.51
