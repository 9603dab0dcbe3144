"""sim/cli/claim.py: a run's directory is its own (issue 18, item 5)."""

from __future__ import annotations

import threading

import pytest
from conftest import TINY, run_sim, run_sim_many

from sim.cli import claim

QUICK = [*[o for o in TINY if not o.startswith(("replications", "scenario.horizon_h"))],
         "scenario.horizon_h=12", "replications=1"]


def test_of_two_claims_exactly_one_wins(tmp_path):
    target = tmp_path / "run"
    won, lost = [], []

    def attempt():
        try:
            claim.claim(target)
            won.append(1)
        except claim.Taken:
            lost.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7


def test_the_default_directory_takes_a_suffix_when_held(tmp_path):
    base = tmp_path / "outputs" / "kursk_2024" / "2026-12-06_10-00-00"
    assert claim.claim_default(base) == base
    assert claim.claim_default(base) == base.with_name(base.name + "_2")
    assert claim.claim_default(base) == base.with_name(base.name + "_3")


def test_a_directory_with_an_old_run_is_held(tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    assert claim.held(tmp_path)
    with pytest.raises(claim.Taken):
        claim.claim(tmp_path)
    claim.clear(tmp_path)
    claim.claim(tmp_path)


def test_a_second_run_into_a_used_directory_fails_and_changes_nothing(tmp_path):
    out = tmp_path / "run"
    rc, _, err = run_sim([*QUICK, "seed=1", f"hydra.run.dir={out}"], tmp_path)
    assert rc == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    rc, _, err = run_sim([*QUICK, "seed=2", f"hydra.run.dir={out}"], tmp_path)
    assert rc == 2 and "already holds a run" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert "seed: 1" in (out / ".hydra" / "config.yaml").read_text()


def test_overwrite_replaces_the_run_and_leaves_nothing_of_the_old(tmp_path):
    out = tmp_path / "run"
    assert run_sim([*QUICK, "seed=1", f"hydra.run.dir={out}"], tmp_path)[0] == 0
    (out / "stale.png").write_bytes(b"old figure")
    rc, _, err = run_sim([*QUICK, "seed=2", f"hydra.run.dir={out}", "--overwrite"], tmp_path)
    assert rc == 0, err
    assert "seed: 2" in (out / ".hydra" / "config.yaml").read_text()
    assert '"seed": 2' in (out / "summary.json").read_text()
    assert not (out / "stale.png").exists()


def test_two_default_runs_at_once_get_two_directories(tmp_path):
    results = run_sim_many([(QUICK, tmp_path), (QUICK, tmp_path)], workers=2)
    assert [r[0] for r in results] == [0, 0], results
    runs = sorted((tmp_path / "outputs" / "kursk_2024").iterdir())
    assert len(runs) == 2
    assert all((r / "summary.json").is_file() for r in runs)


def test_a_run_dir_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    rc, _, err = run_sim([*QUICK, f"hydra.run.dir={target}"], tmp_path)
    assert rc == 2 and "is a file, not a directory" in err and "Traceback" not in err
