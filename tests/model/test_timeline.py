"""Time series (sim/model/timeline.py): nation totals at fixed record times.

The record times are 0, ``record_every_h``, 2 x ``record_every_h``, ... below the horizon,
and the horizon itself; every replication records them all, also after a side is
destroyed. Each row holds a nation's totals when the clock first reaches its time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model.timeline import COLUMNS, Timeline

# rows of the tiny world: a-001, a-002 (A), b-001, b-002 (B), e-001, e-002 (E)


@pytest.mark.parametrize(("every", "end", "times"), [
    (6.0, 24.0, [0.0, 6.0, 12.0, 18.0, 24.0]),
    (7.5, 24.0, [0.0, 7.5, 15.0, 22.5, 24.0]),     # the horizon is recorded, off the grid
    (24.0, 10.0, [0.0, 10.0]),
    (1.0, 3.0, [0.0, 1.0, 2.0, 3.0]),
])
def test_record_times_run_from_zero_to_the_horizon_inclusive(kit, every, end, times):
    model = kit.model(kit.tiny())
    timeline = Timeline(model.forces, model.ledger, model.network, every, end)
    np.testing.assert_allclose(timeline.times, times, rtol=0, atol=1e-12)


def test_a_run_records_every_nation_at_every_record_time(kit):
    """The horizon is the end of the last whole step: 10.5 h in steps of 1 h ends at 11 h."""
    world = kit.tiny({"horizon_h": 10.5, "record_every_h": 4.0})
    model, result = kit.run(world, seed=1)
    ts = pd.DataFrame(result.timeseries)
    assert sorted(ts.time_h.unique()) == [0.0, 4.0, 8.0, 11.0]
    assert len(ts) == 4 * 3
    assert (ts.groupby("time_h").nation.apply(sorted) == pd.Series(
        [["A", "B", "E"]] * 4, index=[0.0, 4.0, 8.0, 11.0])).all()
    assert set(model.timeline.rows) == set(COLUMNS)


def test_every_replication_records_the_same_times_also_after_a_side_is_destroyed(kit):
    """The enemy (two soldiers) is wiped out in the first hours; its rows go on, at 0."""
    world = kit.tiny({"units.e.strength": 1, "units.a.lethality": 5.0,
                      "units.b.lethality": 5.0, "identification.position_error_km": 0.0,
                      "horizon_h": 48.0})
    results = kit.replicate(world, 2, seed=2)
    expected = np.arange(0.0, 49.0, 6.0)
    for r in results:
        ts = pd.DataFrame(r.timeseries)
        for nation in ("A", "B", "E"):
            np.testing.assert_array_equal(ts[ts.nation == nation].time_h, expected)
        enemy = ts[ts.nation == "E"].set_index("time_h").strength
        assert enemy.loc[48.0] == 0, "the enemy survived: the check is vacuous"
        assert enemy.loc[0.0] == 2


def _set_totals(model) -> None:
    """Unit values whose nation totals are easy to read."""
    f, ledger = model.forces, model.ledger
    f.strength[:] = [90, 80, 70, 60, 50, 40]
    f.killed[:] = [1, 2, 3, 4, 5, 6]
    f.wounded[:] = [9, 18, 27, 36, 45, 54]
    f.deployed[:] = [100, 100, 100, 100, 100, 100]
    ledger.friendly_fire[:] = [4, 0, 6, 1, 0, 0]
    ledger.hostile_fire[:] = [6, 20, 24, 39, 0, 0]


def test_a_row_holds_the_nations_totals(kit):
    model = kit.model(kit.tiny())
    _set_totals(model)
    timeline = Timeline(model.forces, model.ledger, model.network, 6.0, 24.0)
    timeline.record(0.0)
    rows = pd.DataFrame(timeline.rows).set_index("nation")
    assert list(rows.index) == ["A", "B", "E"]
    assert (rows.time_h == 0.0).all()
    assert rows.strength.to_dict() == {"A": 170, "B": 130, "E": 90}
    assert rows.killed.to_dict() == {"A": 3, "B": 7, "E": 11}
    assert rows.wounded.to_dict() == {"A": 27, "B": 63, "E": 99}
    assert rows.friendly_fire_casualties.to_dict() == {"A": 4, "B": 7, "E": 0}
    assert rows.hostile_fire_casualties.to_dict() == {"A": 26, "B": 63, "E": 0}
    assert rows.deployed.to_dict() == {"A": 200, "B": 200, "E": 200}


def test_each_record_time_is_recorded_once_when_the_clock_reaches_it(kit):
    model = kit.model(kit.tiny())
    f = model.forces
    timeline = Timeline(f, model.ledger, model.network, 1.5, 6.0)       # 0, 1.5, 3, 4.5, 6
    timeline.record(0.0)
    timeline.record(1.0)                                 # no record time reached
    assert timeline.rows["time_h"] == [0.0] * 3
    f.strength[0] -= 10
    timeline.record(1.5)                                 # exactly at a record time
    timeline.record(1.5)                                 # not twice
    assert timeline.rows["time_h"] == [0.0] * 3 + [1.5] * 3
    assert timeline.rows["strength"][3] == 190
    f.strength[0] -= 10
    timeline.record(5.0)                                 # a long step: 3 and 4.5 at once,
    assert timeline.rows["time_h"][6:] == [3.0] * 3 + [4.5] * 3   # with the totals of now
    assert timeline.rows["strength"][6] == timeline.rows["strength"][9] == 180
    timeline.record(100.0)
    assert timeline.rows["time_h"][-3:] == [6.0] * 3
    timeline.record(200.0)                               # nothing after the horizon
    assert len(timeline.rows["time_h"]) == 5 * 3


def test_the_model_records_at_the_end_of_the_step_that_reaches_a_record_time(kit):
    """Step k ends at k x dt: the row at 6 h is written by the sixth step, with the totals
    after it (not those of the step before or after)."""
    model = kit.model(kit.tiny())
    tl = model.timeline
    assert tl.rows["time_h"] == [0.0] * 3                # the set-up records time 0
    for k in range(1, 7):
        model.step()
        assert len(tl.rows["time_h"]) == 3 * (1 + k // 6), k
    f = model.forces
    strength_a = int(f.strength[f.nation == 0].sum())
    assert tl.rows["time_h"][-3:] == [6.0] * 3
    assert tl.rows["strength"][-3] == strength_a
