"""Posterior-predictive runs (sim/experiment/posterior.py, ``sim run posterior=PATH``): draws
follow the weights on their own stream, the particle's values are what the replication runs
with, every arm of a replication draws the same particle, the summary says which interval is
which, and a bad posterior exits 2 before any work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, run_sim
from scipy import stats

from sim import api
from sim.cli.validate import ConfigError
from sim.experiment import posterior
from sim.experiment.metrics import METRICS
from sim.model.streams import replication_seeds

KEY = "scenario.nations.KP.roe.engage_unidentified"
#: kursk_2024's own value of KEY (configs/scenario/kursk_2024.yaml).
SCENARIO_VALUE = 0.005


def _write(tmp_path, values, weights):
    df = pd.DataFrame({"particle": range(len(values)), "weight": weights,
                       "distance": 0.0, KEY: values, "stat.x": 1.0})
    path = tmp_path / posterior.FILE
    df.to_parquet(path)
    return path


def test_draws_follow_the_weights(tmp_path):
    post = posterior.load(_write(tmp_path, [0.1, 0.2, 0.3, 0.4], [7, 2, 1, 0]))
    n = 3000
    drawn = np.array([post.draw(s)[0] for s in replication_seeds(11, n)])
    counts = np.bincount(drawn, minlength=4)
    assert counts[3] == 0                       # weight 0: never drawn
    # A chi-square goodness of fit at the 0.1% level (fixed seed): the draws are the weights.
    expected = n * np.array([0.7, 0.2, 0.1])
    assert stats.chisquare(counts[:3], expected).pvalue > 1e-3
    i, values = post.draw(replication_seeds(11, 1)[0])
    assert values == {KEY: post.values[i, 0]}


def test_a_draw_is_a_function_of_the_replication_seed_alone(tmp_path):
    post = posterior.load(_write(tmp_path, [0.1, 0.2, 0.3], [1, 1, 1]))
    a = [post.draw(s)[0] for s in replication_seeds(5, 50)]
    b = [post.draw(s)[0] for s in replication_seeds(5, 50)]
    c = [post.draw(s)[0] for s in replication_seeds(6, 50)]
    assert a == b and a != c


def test_load_reads_a_calibration_directory_or_its_file(tmp_path):
    _write(tmp_path, [0.1, 0.3], [1, 3])
    for path in (tmp_path, tmp_path / posterior.FILE):
        post = posterior.load(path)
        assert post.keys == (KEY,)              # particle, weight, distance, stat.* are not
        assert post.weights.tolist() == [0.25, 0.75]


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"not parquet", "not a readable parquet file"),
    (pd.DataFrame({"weight": [1.0]}), "at least one parameter column"),
    (pd.DataFrame({"weight": [1.0, -1.0], KEY: [0.1, 0.2]}), "non-negative"),
    (pd.DataFrame({"weight": [0.0], KEY: [0.1]}), "not all 0"),
])
def test_load_rejects_an_unusable_posterior(tmp_path, content, message):
    path = tmp_path / "posterior.parquet"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        content.to_parquet(path)
    with pytest.raises(posterior.PosteriorError, match=message):
        posterior.load(path)


def test_check_names_the_particle_and_key_that_fail_validation(tmp_path):
    path = _write(tmp_path, [0.1, 1.5], [1, 1])     # a probability of 1.5
    with pytest.raises(ConfigError, match=r"particle 1 sets .*engage_unidentified = 1\.5"):
        api.config(*TINY, f"posterior={path}")
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"weight": [1.0], "scenario.no_such_key": [0.1]}).to_parquet(bad)
    with pytest.raises(ConfigError, match="no_such_key"):
        api.config(*TINY, f"posterior={bad}")


def test_quantiles_are_the_central_90_percent():
    q = posterior.quantiles(np.arange(101))
    assert q == {"p05": 5.0, "p50": 50.0, "p95": 95.0}


def _metrics(res) -> pd.DataFrame:
    return res.replications[list(METRICS)]


def test_a_particle_runs_with_its_values(tmp_path):
    """A one-particle posterior is the same run as setting its values by override, and a
    particle at the scenario's own values the same run as no posterior: the draw has its
    own stream, so every other mechanism stays in step."""
    plain = api.run(*TINY)
    same = api.run(*TINY, f"posterior={_write(tmp_path, [SCENARIO_VALUE], [1])}")
    pd.testing.assert_frame_equal(_metrics(same), _metrics(plain))
    other = tmp_path / "o"
    other.mkdir()
    drawn = api.run(*TINY, f"posterior={_write(other, [0.9], [1])}")
    override = api.run(*TINY, f"{KEY}=0.9")
    pd.testing.assert_frame_equal(_metrics(drawn), _metrics(override))
    assert not _metrics(drawn).equals(_metrics(plain))
    assert (drawn.replications[f"posterior.{KEY}"] == 0.9).all()
    assert (drawn.replications["posterior.particle"] == 0).all()


def test_every_arm_of_a_replication_draws_the_same_particle(tmp_path):
    path = _write(tmp_path, [0.001, 0.3, 0.9], [1, 1, 1])
    res = api.run(*TINY, "replications=6", "compare_to=perfect_comms", f"posterior={path}")
    cols = ["posterior.particle", f"posterior.{KEY}"]
    pd.testing.assert_frame_equal(res.replications[cols], res.counterfactual[cols])
    assert res.replications["posterior.particle"].nunique() > 1
    s = res.summary
    assert s["uncertainty"]["intervals"] == posterior.INTERVALS
    assert s["uncertainty"]["particles_drawn"] == res.replications["posterior.particle"].nunique()
    for m in METRICS:
        q = s["predictive"][m]
        assert q["p05"] <= q["p50"] <= q["p95"]
        assert q == posterior.quantiles(res.replications[m])
        diff = res.replications[m].to_numpy() - res.counterfactual[m].to_numpy()
        assert s["comparison"]["predictive"][m] == posterior.quantiles(diff)


def test_a_run_without_a_posterior_says_nothing_of_one():
    s = api.run(*TINY, "compare_to=perfect_comms").summary
    assert "uncertainty" not in s and "predictive" not in s
    assert "predictive" not in s["comparison"]


def test_a_bad_posterior_exits_2_before_any_work(tmp_path):
    code, _, err = run_sim([*TINY, f"posterior={tmp_path / 'nowhere'}"], cwd=tmp_path)
    assert code == 2
    assert "posterior" in err and "no such file" in err
    assert not (tmp_path / "outputs").exists()


def test_the_draws_do_not_depend_on_the_workers(tmp_path):
    path = _write(tmp_path, [0.001, 0.3, 0.9], [1, 1, 1])
    serial = api.run(*TINY, "replications=3", f"posterior={path}")
    parallel = api.run(*TINY, "replications=3", f"posterior={path}", "workers=2")
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    assert serial.summary == parallel.summary
