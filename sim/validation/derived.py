"""Figures the validation report derives from a run's tables (no verdicts, no simulation).

:func:`per_replication` gives, per replication, the shares of the coalition's
killed and wounded caused by its own fire, the share of the casualties the
coalition inflicted that fell on itself, the language-caused incidents, and
the KP figures compared with the reported Kursk ones. :func:`mechanics`
describes how the incidents play out: duration, casualties per incident,
causes, direct against indirect fire (on the columns :func:`incident_frame` adds,
which :mod:`sim.validation.incidents` uses too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from sim.model.records import CAUSES, incident_durations

#: Every recorded cause, in the ledger's order; the language-caused ones.
ALL_CAUSES = tuple(str(c) for c in CAUSES)
LANGUAGE_CAUSES = tuple(str(c) for c in CAUSES if c.is_language)


def coalition_nations(summary: Mapping) -> list[str]:
    """The coalition's nations in a run summary's ``by_nation``."""
    return [n for n, v in summary["by_nation"].items() if v["side"] == "coalition"]


def coalition_totals(reps: pd.DataFrame,
                     coalition: Iterable[str]) -> tuple[pd.Series, pd.Series]:
    """The coalition's killed and its wounded per row of the replications table ``reps``
    (all causes: ``nation.X.killed`` and ``nation.X.wounded`` summed over ``coalition``)."""
    coal = list(coalition)
    return (sum(reps[f"nation.{n}.killed"] for n in coal),
            sum(reps[f"nation.{n}.wounded"] for n in coal))


def per_replication(reps: pd.DataFrame, incidents: pd.DataFrame,
                    coalition: Iterable[str]) -> pd.DataFrame:
    """Derived per-replication quantities: shares of killed and wounded, KP figures.

    Args:
        reps: the replications table (``replication``, ``nation.X.killed`` ...).
        incidents: the incidents table of the same replications.
        coalition: the coalition's nations (:func:`coalition_nations`).

    Returns:
        Indexed by replication: ``ff_killed_share``, ``ff_wounded_share``,
        ``ff_of_inflicted``, ``language_incidents``, and when KP and RU are both in the
        coalition ``kp_loss_share``, ``kp_killed``, ``kp_casualties``,
        ``kp_wounded_per_killed`` (NaN without a KP killed), ``kp_ru_incidents``,
        ``kp_on_akhmat`` and ``kp_on_akhmat_killed``.
    """
    reps = reps.sort_values("replication").set_index("replication")
    inc = incidents
    out = pd.DataFrame(index=reps.index)
    coal = list(coalition)
    killed, wounded = coalition_totals(reps, coal)
    by_rep = inc.groupby("replication")[["killed", "wounded"]].sum().reindex(reps.index,
                                                                            fill_value=0)
    out["ff_killed_share"] = np.where(killed > 0, by_rep["killed"] / killed.clip(lower=1), 0.0)
    out["ff_wounded_share"] = np.where(wounded > 0, by_rep["wounded"] / wounded.clip(lower=1),
                                       0.0)
    ff, enemy = reps["friendly_fire_casualties"], reps["enemy_casualties"]
    out["ff_of_inflicted"] = np.where(ff + enemy > 0, ff / (ff + enemy).clip(lower=1), 0.0)
    out["language_incidents"] = sum(reps[f"cause.{c}"] for c in LANGUAGE_CAUSES)
    if "KP" in coal and "RU" in coal:
        kp_cas = reps["nation.KP.killed"] + reps["nation.KP.wounded"]
        out["kp_loss_share"] = kp_cas / reps["nation.KP.initial"]
        out["kp_killed"] = reps["nation.KP.killed"]
        out["kp_casualties"] = kp_cas
        out["kp_wounded_per_killed"] = np.where(
            reps["nation.KP.killed"] > 0,
            reps["nation.KP.wounded"] / reps["nation.KP.killed"].clip(lower=1), np.nan)
        pair = inc["shooter_nation"].isin(["KP", "RU"]) & inc["target_nation"].isin(["KP", "RU"])
        pair &= inc["shooter_nation"] != inc["target_nation"]
        out["kp_ru_incidents"] = inc[pair].groupby("replication").size().reindex(
            reps.index, fill_value=0)
        on_akhmat = (inc["shooter_nation"] == "KP") & inc["target_unit"].str.startswith("akhmat")
        out["kp_on_akhmat"] = inc[on_akhmat].groupby("replication").size().reindex(
            reps.index, fill_value=0)
        out["kp_on_akhmat_killed"] = inc[on_akhmat].groupby("replication")["killed"].sum(
        ).reindex(reps.index, fill_value=0)
    return out


def incident_frame(incidents: pd.DataFrame) -> pd.DataFrame:
    """A copy of the incidents table with ``casualties`` (killed + wounded) and
    ``duration_h`` (``end_h`` - ``time_h`` - ``paused_h``: hours of fire) added."""
    inc = incidents.copy()
    inc["casualties"] = inc["killed"] + inc["wounded"]
    inc["duration_h"] = incident_durations(inc)
    return inc


def mechanics(incidents: pd.DataFrame, n_reps: int, dt_h: float) -> dict:
    """How incidents play out: duration, casualties per incident, causes, fire.

    Args:
        incidents: the incidents table (``time_h``, ``end_h``, ``killed``, ``wounded``,
            ``cause``, ``fire``).
        n_reps: how many replications it covers.
        dt_h: the model's time step, hours.

    Returns:
        ``{"n": 0}`` without incidents; else counts, duration quantiles, shares of incidents
        and of friendly-fire casualties by cause (``cause_inc``, ``cause_cas``), by fire
        (``fire_inc``, ``fire_cas``) and by duration (``dur_cas``: label -> (share of
        incidents, share of casualties)).
    """
    inc = incident_frame(incidents)
    if inc.empty:
        return {"n": 0}
    ff = inc["casualties"].sum()
    out = {
        "n": len(inc), "per_rep": len(inc) / n_reps,
        "dur_median": float(inc["duration_h"].median()),
        "dur_p90": float(inc["duration_h"].quantile(0.9)),
        "dur_le_step": float((inc["duration_h"] <= dt_h + 1e-9).mean()),
        "cas_mean": float(inc["casualties"].mean()),
        "zero_cas": float((inc["casualties"] == 0).mean()),
        "max_killed": int(inc["killed"].max()),
        "ge8_killed_per_rep": float((inc["killed"] >= 8).sum() / n_reps),
        "cause_inc": {c: float((inc["cause"] == c).mean()) for c in ALL_CAUSES},
        "cause_cas": {c: float(inc.loc[inc["cause"] == c, "casualties"].sum() / ff) if ff else 0.0
                      for c in ALL_CAUSES},
        "fire_inc": {f: float((inc["fire"] == f).mean()) for f in ("direct", "indirect")},
        "fire_cas": {f: float(inc.loc[inc["fire"] == f, "casualties"].sum() / ff) if ff else 0.0
                     for f in ("direct", "indirect")},
        "dur_cas": {},
    }
    for label, sel in (("within one step", inc["duration_h"] <= dt_h + 1e-9),
                       ("1 to 6 h", (inc["duration_h"] > dt_h + 1e-9)
                        & (inc["duration_h"] <= 6)),
                       ("over 6 h", inc["duration_h"] > 6)):
        out["dur_cas"][label] = (float(sel.mean()),
                                 float(inc.loc[sel, "casualties"].sum() / ff) if ff else 0.0)
    return out
