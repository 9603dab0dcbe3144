"""Granularity response of attrition: the same battle in units of different size and steps.

Two measurements on paired seeds (one master seed: replication k of every case has seed k):

1. ``kursk_2024``'s front for ``--days`` days, every group at the front from the start, as
   configured (companies) and with every unit split into m co-located units of 1/m of its
   strength each (same places, same total forces; the remainder of a strength goes to the
   first parts). Prints coalition, enemy and total casualties (both sides), friendly-fire
   incidents and casualties, each as mean and standard error over replications, and the
   ratio of total casualties to the first case.
2. ``lanchester_duel`` as n units per side (BLUE 1000/n, RED 700/n each, 0.05 km apart so
   every unit is within weapon and sensor range of every enemy) at time steps of 0.25,
   0.5 and 1 h, and one unit against 100, over 130 h (1.5 times the square law's
   destruction time of RED): the casualties of both sides at 40 h against the square
   law's 560.5, and BLUE's and RED's final strength (the law: BLUE keeps 714.1).

Usage: python experiments/granularity.py [--replications N] [--seed S] [--workers W]
[--days D] [--split 1 3 6] [--set KEY=VALUE ...] [--skip-kursk] [--skip-duel]
"""

from __future__ import annotations

import argparse
import math
import time

from sim import api
from sim.experiment.runner import run_experiment
from sim.experiment.tables import replications_table, timeseries_table
from sim.schema import RunConfig, Scenario


def split_units(scenario: Scenario, m: int) -> Scenario:
    """Every unit group as ``m`` co-located groups of the same count, 1/m of the strength.
    A declared lay-down is copied with its groups renamed alike (copy i of an interleaved
    set is interleaved with the copies i of the other members), so copies stand together."""
    if m == 1:
        return scenario.model_copy(deep=True)
    raw = scenario.model_dump()
    units = {}
    for name, g in raw["units"].items():
        base, extra = divmod(g["strength"], m)
        for i in range(m):
            lay = g["laydown"]
            if lay is not None:
                lay = {**lay, "groups": [f"{x}_{i + 1}" for x in lay["groups"]],
                       "within": None if lay["within"] is None else f"{lay['within']}_{i + 1}"}
            units[f"{name}_{i + 1}"] = {**g, "strength": base + (1 if i < extra else 0),
                                        "laydown": lay}
    raw["units"] = units
    return Scenario.model_validate(raw)


def measure(cfg: RunConfig) -> dict[str, tuple[float, float]]:
    """Mean and standard error over replications of the casualty figures of ``cfg``."""
    reps = replications_table(run_experiment(cfg, show_progress=False).results)
    blue = reps["total_casualties"].to_numpy(float)
    enemy = reps["enemy_casualties"].to_numpy(float)
    out = {"coalition": blue, "enemy": enemy, "total": blue + enemy,
           "ff_incidents": reps["friendly_fire_incidents"].to_numpy(float),
           "ff_casualties": reps["friendly_fire_casualties"].to_numpy(float)}
    return {k: (float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))) for k, v in out.items()}


def _row(label: str, res: dict, ref: float) -> str:
    cells = " | ".join(f"{m:.1f} ± {s:.1f}" for m, s in res.values())
    return f"| {label} | {cells} | {res['total'][0] / ref:.4f} |"


def kursk(args: argparse.Namespace) -> None:
    base = api.config("scenario=kursk_2024", f"scenario.horizon_h={24 * args.days}",
                      "scenario.units.kp.front_from_h=0", f"seed={args.seed}",
                      f"replications={args.replications}", f"workers={args.workers}",
                      *args.set)
    print(f"\nkursk_2024 front, {args.days} days, all at the front from t = 0, "
          f"{args.replications} replications, seed {args.seed}"
          + (f", overrides {' '.join(args.set)}" if args.set else ""))
    print("| units | coalition | enemy | total | ff incidents | ff casualties | total / first |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    ref = None
    for m in args.split:
        sc = split_units(base.scenario, m)
        sizes = sorted({g.strength for g in sc.units.values()})
        t0 = time.perf_counter()
        res = measure(base.model_copy(update={"scenario": sc}))
        ref = ref or res["total"][0]
        n = sum(g.count for g in sc.units.values())
        print(_row(f"{n} of {sizes[0]}-{sizes[-1]}", res, ref) + f" ({time.perf_counter() - t0:.0f} s)",
              flush=True)


def duel(args: argparse.Namespace) -> None:
    b0, r0, t_mid = 1000, 700, 40.0
    k = 0.01                                   # a = b = 0.01/h
    mid = (b0 - (b0 * math.cosh(k * t_mid) - r0 * math.sinh(k * t_mid))
           + r0 - (r0 * math.cosh(k * t_mid) - b0 * math.sinh(k * t_mid)))
    print(f"\nlanchester_duel as n units per side, 130 h, {args.replications} replications, "
          f"seed {args.seed}; square law: casualties of both sides {mid:.1f} at {t_mid:g} h, "
          f"BLUE keeps {math.sqrt(b0**2 - r0**2):.1f}")
    print(f"| BLUE units | RED units | dt h | casualties at {t_mid:g} h | ratio to first | "
          "BLUE at 130 h | RED at 130 h |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    ref = None
    cases = [(n, n, dt) for n in (1, 10, 100) for dt in (0.25, 0.5, 1.0)]
    cases += [(1, 100, 0.25), (100, 1, 0.25), (1, 100, 1.0), (100, 1, 1.0)]
    for nb, nr, dt in cases:
        cfg = api.config("scenario=lanchester_duel", "scenario.horizon_h=130",
                         f"scenario.dt_h={dt}", "scenario.slot_spacing_km=0.05",
                         f"scenario.units.blue.count={nb}",
                         f"scenario.units.blue.strength={b0 // nb}",
                         f"scenario.units.red.count={nr}",
                         f"scenario.units.red.strength={r0 // nr}", f"seed={args.seed}",
                         f"replications={args.replications}", f"workers={args.workers}")
        t0 = time.perf_counter()
        ts = timeseries_table(run_experiment(cfg, show_progress=False).results)
        wide = ts.pivot_table(index=["replication", "time_h"], columns="nation",
                              values="strength").reset_index()
        at = wide[wide["time_h"] == t_mid]
        lost = (b0 + r0 - at["BLUE"] - at["RED"]).to_numpy(float)
        end = wide[wide["time_h"] == wide["time_h"].max()]
        m, se = lost.mean(), lost.std(ddof=1) / math.sqrt(lost.size)
        ref = ref or m
        print(f"| {nb} | {nr} | {dt:g} | {m:.1f} ± {se:.1f} | {m / ref:.4f} | "
              f"{end['BLUE'].mean():.1f} ± {end['BLUE'].std(ddof=1) / math.sqrt(len(end)):.1f} | "
              f"{end['RED'].mean():.1f} | ({time.perf_counter() - t0:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--days", type=int, default=35)
    ap.add_argument("--split", type=int, nargs="+", default=[1, 3, 6])
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="further overrides of the kursk_2024 cases")
    ap.add_argument("--skip-kursk", action="store_true")
    ap.add_argument("--skip-duel", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_kursk:
        kursk(args)
    if not args.skip_duel:
        duel(args)


if __name__ == "__main__":
    main()
