"""`python -m sim.cli.warmup` (run by `make setup`): a small model that uses every kernel."""

from __future__ import annotations

from sim.cli import warmup


def test_warm_up_runs_a_small_kursk_and_reports_its_time(capsys):
    assert warmup.warm_up(steps=10) > 0
    warmup.main()
    assert "kernels ready in" in capsys.readouterr().err
