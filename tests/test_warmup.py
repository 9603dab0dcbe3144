"""`python -m sim.cli.warmup` (run by `make setup`): a small model that uses every kernel."""

from __future__ import annotations

import subprocess
import sys

from conftest import SUBPROCESS_TIMEOUT_S

from sim.cli import warmup

#: In a fresh process: warm up, count the compiled signatures of every numba kernel of
#: sim.model, run a full-size kursk_2024 (all levers that change code paths: the default
#: and perfect_comms), count again. A kernel the warm-up missed would compile in between.
CHECK = """
import importlib, pkgutil
from numba.core.registry import CPUDispatcher
import sim.model
from sim import api
from sim.build import build_model
from sim.cli import warmup

def compiled():
    out = {}
    for m in pkgutil.iter_modules(sim.model.__path__):
        mod = importlib.import_module(f"sim.model.{m.name}")
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher):
                out[f"{mod.__name__}.{name}"] = len(obj.signatures)
    return out

warmup.warm_up()
before = compiled()
for lever in ("none", "perfect_comms"):
    cfg = api.config("scenario=kursk_2024", f"intervention={lever}", "seed=1")
    build_model(cfg).run_for(1000)
after = compiled()
print(sum(before.values()), [k for k in after if after[k] != before.get(k)])
"""


def test_warm_up_compiles_every_kernel_a_run_uses():
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT_S, check=True)
    total, missed = proc.stdout.split(" ", 1)
    assert int(total) > 10, proc.stdout           # the count sees the kernels at all
    assert missed.strip() == "[]", f"compiled after the warm-up: {missed}"


def test_warm_up_reports_its_time(capsys):
    warmup.main()
    assert "kernels ready in" in capsys.readouterr().err
