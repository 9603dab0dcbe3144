"""sim/api.py: run and read_run give one type; per-replication helpers match summary.json."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest
from conftest import CAUSES, TINY, TINY_SEED

from sim import api


@pytest.fixture(scope="module")
def ran():
    return api.run(*TINY, f"seed={TINY_SEED}")


def test_run_and_read_run_return_the_same_type_with_the_same_numbers(ran, tiny_run):
    saved = api.read_run(tiny_run["dir"])
    assert type(saved) is type(ran) is api.Results
    assert saved.summary == ran.summary                  # the same config and seed
    pd.testing.assert_frame_equal(saved.replications, ran.replications)
    assert saved.run_dir == tiny_run["dir"] and ran.run_dir is None
    assert saved.config == ran.config and saved.experiment is None
    assert saved.n_replications == ran.n_replications == 2


def test_read_run_still_answers_to_the_old_dict_keys(tiny_run):
    saved = api.read_run(tiny_run["dir"])
    assert saved["summary"] is saved.summary and saved["incidents"] is saved.incidents
    with pytest.raises(KeyError, match="a run has summary"):
        saved["nope"]


def test_per_replication_counts_are_what_the_summary_averages(ran):
    table = ran.per_replication("cause")
    assert list(table.index) == list(range(ran.n_replications))   # every replication
    by_cause = ran.summary["by_cause"]
    for cause in CAUSES:
        mean = float(table[cause].mean()) if cause in table else 0.0
        assert mean == pytest.approx(by_cause[cause])
    # the trap the docs warn about: a plain groupby totals every replication
    assert ran.incidents.groupby("cause").size().sum() == table.to_numpy().sum()


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(api.NotARunDirectory, match="is not a directory"):
        api.read_run(tmp_path / "outputs" / "kursk_2024" / "...")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "summary.json").write_text("{}")
    with pytest.raises(api.NotARunDirectory, match="replications.parquet, incidents.parquet"):
        api.read_run(tmp_path / "half")
    assert issubclass(api.NotARunDirectory, FileNotFoundError)


def test_latest_run_is_the_newest_with_a_summary(tmp_path, tiny_run):
    root = tmp_path / "outputs"
    with pytest.raises(api.NotARunDirectory, match="no run of 'kursk_2024'"):
        api.latest_run(root=root)
    old, new, broken = (root / "kursk_2024" / n for n in ("a_old", "b_new", "c_broken"))
    for d in (old, new):
        d.mkdir(parents=True)
        (d / "summary.json").write_text("{}")
    broken.mkdir()                                    # no summary: not a run
    past = time.time() - 3600
    os.utime(old / "summary.json", (past, past))
    assert api.latest_run(root=root) == new
