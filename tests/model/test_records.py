"""Records (sim/model/records.py): an incident's duration, one rule for records and tables."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.records import Cause, Fire, Incident, hours_of_fire, incident_durations


def test_an_incident_lasts_from_start_to_end_less_the_hours_broken_off() -> None:
    inc = Incident(replication=0, time_h=10.0, shooter_unit="a", shooter_nation="A",
                   target_unit="b", target_nation="B", cause=Cause.REPORT_LOST,
                   fire=Fire.DIRECT, distance_km=0.5, x_km=0.0, y_km=0.0, end_h=14.5,
                   paused_h=1.5)
    assert inc.duration_h == pytest.approx(3.0) == hours_of_fire(10.0, 14.5, 1.5)


def test_a_table_gives_each_row_the_same_duration_and_an_old_table_no_pause() -> None:
    table = pd.DataFrame({"time_h": [1.0, 2.0], "end_h": [3.0, 2.5], "paused_h": [0.5, 0.0]})
    assert incident_durations(table).tolist() == [1.5, 0.5]
    assert incident_durations(table.drop(columns="paused_h")).tolist() == [2.0, 0.5]
