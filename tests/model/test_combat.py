"""Direct fire (sim/model/combat.py): engagements and Lanchester aimed-fire attrition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model.combat import Engagements, volley
from sim.model.records import Cause, Fire
from sim.model.sensing import Contacts

Z = 4.0


def _contacts(obs, tgt, dist, hostile, failed=None, seen_at=None) -> Contacts:
    obs, tgt = np.asarray(obs, np.int64), np.asarray(tgt, np.int64)
    return Contacts(observer=obs, target=tgt, distance=np.asarray(dist, float),
                    seen_at=np.zeros((obs.size, 2)) if seen_at is None else seen_at,
                    hostile=np.asarray(hostile, bool),
                    challenge_failed=np.zeros(obs.size, bool) if failed is None else
                    np.asarray(failed, bool))


def _hold(fire, shooter, target, until=np.inf, exposed_until=-np.inf, start=-100.0):
    """Engagements under way, of shooter[k] on target[k] since ``start``, none of them
    friendly fire; the targets' soldiers in the open until ``exposed_until``."""
    fire.shooter, fire.target = np.array(shooter), np.array(target)
    fire.incident = np.full(len(shooter), -1)
    fire.until = np.full(len(shooter), until, dtype=float)
    fire.forces.exposed_until[fire.target] = exposed_until
    fire.start = np.full(len(shooter), start, dtype=float)


def _hazard_of(fire, shooter, target, dt, firing=None):
    """The direct-fire kernel on engagements of shooter[k] on target[k], firing the
    fraction ``firing`` of the step (default all of it) in cover, positions held."""
    s, g = np.asarray(shooter, np.int64), np.asarray(target, np.int64)
    firing = np.ones(s.size) if firing is None else np.asarray(firing, float)
    zero = np.zeros(s.size)
    return volley(Engagements(s, g, zero, zero, zero, firing), fire.forces.units,
                  fire.arsenal, dt)


def _tiny(kit, changes=None, perfect=False):
    # rows: a-001, a-002 (A), b-001, b-002 (B), e-001, e-002 (E)
    return kit.model(kit.tiny({"units.a.weapon_range_km": 1.5, "units.b.weapon_range_km": 1.5,
                               "units.e.weapon_range_km": 1.5, **(changes or {})}),
                     perfect=perfect)


# --- engagements ---------------------------------------------------------------------------

def test_a_unit_engages_every_hostile_contact_within_weapon_range(kit):
    model = _tiny(kit)
    fire = model.direct_fire
    c = _contacts(obs=[0, 0, 0, 1], tgt=[3, 4, 5, 5], dist=[0.3, 1.2, 0.9, 2.0],
                  hostile=[False, True, True, True])
    fire._engage(1.0, c, np.random.default_rng(0))
    # unit 0: both hostile contacts in range (not 3, taken for a friend); unit 1's only
    # contact is out of range
    assert fire.shooter.tolist() == [0, 0] and fire.target.tolist() == [4, 5]
    assert fire.engagements_started == 2
    # one engagement per pair: a target already engaged is not engaged twice, a new one is
    fire._engage(2.0, _contacts([0, 0], [2, 4], [0.5, 0.1], [True, True]),
                 np.random.default_rng(0))
    assert fire.shooter.tolist() == [0, 0, 0] and fire.target.tolist() == [4, 5, 2]
    assert fire.engagements_started == 3


def test_units_not_at_the_front_do_not_open_fire(kit):
    model = _tiny(kit, {"units.a.front_from_h": 100.0})
    fire = model.direct_fire
    fire._engage(1.0, _contacts([0, 4], [4, 0], [0.5, 0.5], [True, True]),
                 np.random.default_rng(0))
    assert fire.shooter.tolist() == [4]


def test_fire_on_a_friend_opens_an_incident_and_stops_once_recognised(kit):
    model = _tiny(kit, perfect=True)
    fire, ledger = model.direct_fire, model.ledger
    c = _contacts([0, 4], [2, 1], [0.5, 0.5], [True, True])
    fire.step(3.0, 1.0, c, np.random.default_rng(0), np.random.default_rng(1))
    assert len(ledger.incidents) == 1                    # A on B; E on A is hostile fire
    inc = ledger.incidents[0]
    assert (inc.shooter_nation, inc.target_nation, inc.fire) == ("A", "B", Fire.DIRECT)
    assert inc.shooter_unit == model.forces.names[0] and inc.time_h == 3.0
    assert inc.cause is Cause.MISIDENTIFICATION          # perfect comms
    # perfect comms: the victim's call gets through at once: no fire, and the engagement
    # is dropped at the next step with the incident ended when it was recognised
    assert inc.killed + inc.wounded == 0
    fire.step(4.0, 1.0, _contacts([], [], [], []), np.random.default_rng(2),
              np.random.default_rng(3))
    assert inc.end_h == 3.0
    assert fire.shooter.tolist() == [4]


def test_a_shooter_fires_only_for_the_part_of_the_step_before_it_learns(kit):
    """Recognised 0.25 h into a 1 h step, a shooter of hazard H inflicts on average H/4
    (a large target, so losses stay far from its strength)."""
    model = _tiny(kit, changes={"units.a.lethality": 0.05, "units.b.strength": 5000})
    fire, f = model.direct_fire, model.forces
    n, lost = 400, 0
    for k in range(n):
        f.strength[2] = 5000
        _hold(fire, [0], [2], until=3.25)
        fire._fire(3.0, 1.0, np.random.default_rng(k))
        lost += 5000 - int(f.strength[2])
    expected = 0.05 * 100 * 0.25                          # a S x firing time
    assert abs(lost / n - expected) < Z * np.sqrt(expected / n)


def test_fire_stops_when_the_target_leaves_weapon_range(kit):
    model = _tiny(kit)
    fire = model.direct_fire
    fire._engage(1.0, _contacts([4], [0], [1.0], [True]), np.random.default_rng(0))
    model.forces.anchor[0] += [-5.0, 0.0]
    fire._cease(2.0)
    assert fire.shooter.size == 0


# --- attrition -------------------------------------------------------------------------------

def test_expected_loss_of_one_step_is_hazard_times_dt(kit):
    """Loss ~ Binomial(T, 1 - exp(-H dt / T)) with H = lethality x shooter strength."""
    model = _tiny(kit, {"units.e.lethality": 0.05, "units.e.strength": 200,
                        "units.a.strength": 500})
    fire, f = model.direct_fire, model.forces
    _hold(fire, [4], [0])
    dt, n = 1.0, 4000
    hazard = 0.05 * 200
    p = 1 - np.exp(-hazard * dt / 500)
    losses = []
    for k in range(n):
        f.strength[0] = 500
        fire._fire(0.0, dt, np.random.default_rng(k))
        losses.append(500 - f.strength[0])
    losses = np.array(losses)
    assert abs(losses.mean() - 500 * p) < Z * np.sqrt(500 * p * (1 - p) / n)
    assert 500 * p == pytest.approx(hazard * dt, rel=0.02)   # H dt << T


def test_loss_never_exceeds_the_targets_strength(kit):
    model = _tiny(kit, {"units.e.lethality": 100.0, "units.a.strength": 7})
    fire, f = model.direct_fire, model.forces
    _hold(fire, [4, 5], [0, 0])
    fire._fire(0.0, 1.0, np.random.default_rng(0))
    assert f.strength[0] == 0
    assert f.killed[0] + f.wounded[0] == 7


def test_focus_fire_is_shared_in_proportion_to_hazard(kit):
    model = _tiny(kit, {"units.a.strength": 1000, "units.e.lethality": 0.05})
    fire, f, ledger = model.direct_fire, model.forces, model.ledger
    f.strength[4], f.strength[2] = 100, 300         # E shooter: hazard 5; B (friend): 15
    _hold(fire, [4, 2], [0, 0])
    f.lethality[2] = 0.05
    hostile = friendly = 0
    for k in range(300):
        f.strength[0] = 1000
        ledger.friendly_fire[:] = 0
        ledger.hostile_fire[:] = 0
        fire._fire(0.0, 1.0, np.random.default_rng(k))
        hostile += ledger.hostile_fire[0]
        friendly += ledger.friendly_fire[0]
    total = hostile + friendly
    share = friendly / total
    assert abs(share - 0.75) < Z * np.sqrt(0.75 * 0.25 / total)




def test_a_shooters_fire_is_spread_over_its_targets_in_proportion_to_strength(kit):
    """Hazard a*S on targets of 300 and 100: 3/4 and 1/4 of it, the same rate per soldier."""
    model = _tiny(kit, {"units.e.lethality": 0.05})
    f = model.forces
    f.strength[4], f.strength[0], f.strength[2] = 200, 300, 100    # E on A and B
    v = _hazard_of(model.direct_fire, [4, 4], [0, 2], 1.0)
    assert v.hazard.tolist() == pytest.approx([7.5, 2.5])          # a*S = 10 casualties/h
    assert v.p[0] == pytest.approx(v.p[2]) == pytest.approx(1 - np.exp(-10 / 400))
    assert v.p[[1, 3, 4, 5]].tolist() == [0, 0, 0, 0]


def test_targets_fired_on_together_lose_as_one_unit_of_their_strength(kit):
    """The per-soldier probability does not depend on how the targets are cut into units."""
    model = _tiny(kit, {"units.a.lethality": 0.02, "units.b.lethality": 0.02,
                        "units.a.weapon_range_km": 100.0, "units.b.weapon_range_km": 100.0})
    f = model.forces
    f.strength[:4] = [100, 50, 150, 700]          # A, A, B, B shoot; E 4 and 5 are the targets
    for parts in ([1000, 0], [600, 400], [999, 1], [1, 999]):
        f.strength[4:] = parts
        on = [g for g in (4, 5) if f.strength[g] > 0]
        shooter = [s for s in range(4) for _ in on]
        target = on * 4
        p = _hazard_of(model.direct_fire, shooter, target, 0.5).p
        expected = 1 - np.exp(-0.02 * 1000 * 0.5 / 1000)   # all 1000 shooters on 1000 targets
        assert p[on] == pytest.approx(np.full(len(on), expected))


def test_a_small_target_draws_only_its_share_of_the_fire(kit):
    """A target of 2 beside one of 998: it loses at the same rate per soldier, and the fire
    on the large target is not lost on it (expected losses H dt T/T_held each)."""
    model = _tiny(kit, {"units.e.lethality": 0.1})
    fire, f = model.direct_fire, model.forces
    _hold(fire, [4, 4], [0, 2])
    dt, n = 1.0, 2000
    lost = np.zeros((n, 2))
    for k in range(n):
        f.strength[4], f.strength[0], f.strength[2] = 1000, 2, 998     # a*S = 100/h
        fire._fire(0.0, dt, np.random.default_rng(k))
        lost[k] = 2 - f.strength[0], 998 - f.strength[2]
    p = 1 - np.exp(-100 * dt / 1000)
    for j, t in enumerate((2, 998)):
        assert abs(lost[:, j].mean() - t * p) < Z * np.sqrt(t * p * (1 - p) / n)


def test_a_friend_among_the_targets_draws_its_share_as_an_incident(kit):
    """A fires on E (300) and on friend B (100) it misjudged: one incident, on B only, and B
    loses at the same rate per soldier as E."""
    model = _tiny(kit, {"units.a.lethality": 0.05})
    fire, f, ledger = model.direct_fire, model.forces, model.ledger
    f.strength[0], f.strength[2], f.strength[4] = 400, 100, 300
    fire._engage(1.0, _contacts([0, 0], [2, 4], [0.5, 1.0], [True, True]),
                 np.random.default_rng(1))
    p = _hazard_of(fire, fire.shooter, fire.target, 1.0).p
    assert p[2] == pytest.approx(p[4]) == pytest.approx(1 - np.exp(-0.05 * 400 / 400))
    fire._fire(0.0, 1.0, np.random.default_rng(0))
    assert [(i.shooter_unit, i.target_unit) for i in ledger.incidents] == [
        (f.names[0], f.names[2])]
    inc = ledger.incidents[0]
    assert inc.killed + inc.wounded == ledger.friendly_fire[2] == 100 - f.strength[2] > 0
    assert ledger.inflicted[4] == 300 - f.strength[4] > 0


def test_casualties_stay_consistent_under_distributed_fire(kit):
    """Many shooters on many targets, friends among them: losses never exceed strength,
    strength + killed + wounded = deployed, incidents sum to friendly-fire casualties."""
    model = _tiny(kit, {"units.a.lethality": 2.0, "units.b.lethality": 2.0,
                        "units.e.lethality": 2.0})
    fire, f, ledger = model.direct_fire, model.forces, model.ledger
    obs = [0, 0, 0, 1, 1, 2, 3, 4, 4, 4, 5, 5]
    tgt = [2, 4, 5, 4, 5, 0, 5, 0, 1, 2, 2, 3]
    c = _contacts(obs, tgt, np.full(len(obs), 0.5), np.ones(len(obs), bool))
    for k in range(6):
        fire.step(float(k), 1.0, c if k == 0 else _contacts([], [], [], []),
                  np.random.default_rng(10 + k), np.random.default_rng(20 + k))
        assert (f.strength >= 0).all()
        assert (f.strength + f.killed + f.wounded == f.deployed).all()
        ff = sum(i.killed + i.wounded for i in ledger.incidents)
        assert ff == ledger.friendly_fire.sum() > 0
    # the coalition-on-coalition engagements (A-001 on B-001, B-001 on A-001) are incidents
    assert sorted((i.shooter_unit, i.target_unit) for i in ledger.incidents) == [
        (f.names[0], f.names[2]), (f.names[2], f.names[0])]


# --- Lanchester's square law -----------------------------------------------------------------

LANCHESTER_REPS = 30


@pytest.fixture(scope="module")
def duel(kit):
    """Strength of BLUE and RED at every record time, one row per replication."""
    world = kit.scenario("lanchester_duel", front_now=False)
    ts = pd.concat([pd.DataFrame(r.timeseries).assign(rep=r.replication)
                    for r in kit.replicate(world, LANCHESTER_REPS, seed=2024)])
    wide = ts.pivot_table(index=["rep", "time_h"], columns="nation", values="strength")
    blue = wide["BLUE"].unstack("time_h").to_numpy(float)
    red = wide["RED"].unstack("time_h").to_numpy(float)
    return world, blue, red, np.sort(ts.time_h.unique())


def _coefficients(world):
    a = world.units["red"].lethality    # BLUE casualties per RED soldier per hour
    b = world.units["blue"].lethality   # RED casualties per BLUE soldier per hour
    return a, b, world.units["blue"].strength, world.units["red"].strength


def test_lanchester_winner_keeps_the_square_law_survivors(duel):
    """Mean BLUE survivors within 3 standard errors of sqrt(B0^2 - (a/b) R0^2).

    The stochastic model's mean differs from the ODE by O(1/B0) (the variance terms of
    E[B^2]) and by the O(dt^2) Euler error; both are a fraction of a soldier here, well
    below the standard error of 30 replications (~5 soldiers).
    """
    world, blue, red, _ = duel
    a, b, b0, r0 = _coefficients(world)
    theory = np.sqrt(b0**2 - (a / b) * r0**2)
    survivors = blue[:, -1]
    se = survivors.std(ddof=1) / np.sqrt(survivors.size)
    assert (red[:, -1] == 0).all()
    assert abs(survivors.mean() - theory) < 3 * se, (survivors.mean(), theory, se)


def test_lanchester_square_law_invariant_on_the_mean_trajectory(duel):
    """b B^2 - a R^2 stays at its initial value along the mean trajectory.

    Tolerance: 3 standard errors of I(t) = b Bbar^2 - a Rbar^2 by the delta method,
    SE = sd(2 b Bbar B_i - 2 a Rbar R_i) / sqrt(n), plus 0.5% for the model's known
    deterministic departures from the ODE (Euler steps of dt, the 1 - exp(-H dt / T) cap
    on the last few soldiers, the O(1) variance drift of E[B^2]); at t = 0 SE = 0.
    """
    world, blue, red, times = duel
    a, b, b0, r0 = _coefficients(world)
    i0 = b * b0**2 - a * r0**2
    bbar, rbar = blue.mean(axis=0), red.mean(axis=0)
    invariant = b * bbar**2 - a * rbar**2
    lin = 2 * b * bbar * blue - 2 * a * rbar * red
    se = lin.std(axis=0, ddof=1) / np.sqrt(blue.shape[0])
    bad = np.abs(invariant - i0) > 3 * se + 0.005 * i0
    assert not bad.any(), pd.DataFrame({"t": times, "I": invariant, "se": se})[bad]
    assert (np.diff(bbar) <= 0).all() and (np.diff(rbar) <= 0).all()


def test_hazard_and_loss_probability_of_one_step_are_exact(kit):
    """Shooter hazard a x S; per-soldier loss probability 1 - exp(-H dt / T) with H the
    total hazard on the target (here two shooters on a-001, one on e-001)."""
    model = _tiny(kit, {"units.e.lethality": 0.05, "units.a.lethality": 0.02,
                        "units.a.weapon_range_km": 100.0, "units.e.weapon_range_km": 100.0})
    f = model.forces
    f.strength[:] = [400, 100, 100, 100, 200, 60]
    dt = 0.5
    v = _hazard_of(model.direct_fire, [4, 5, 0], [0, 0, 4], dt)
    hazard, p = v.hazard, v.p
    np.testing.assert_allclose(hazard, [0.05 * 200, 0.05 * 60, 0.02 * 400], rtol=1e-12)
    expected = np.zeros(f.n)
    expected[0] = 1 - np.exp(-(10.0 + 3.0) * dt / 400)
    expected[4] = 1 - np.exp(-8.0 * dt / 200)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(("who", "posture"), [("target", "WITHDRAWN"), ("target", "DESTROYED"),
                                              ("shooter", "WITHDRAWN"), ("shooter", "REAR")])
def test_fire_stops_when_either_side_is_out_of_action(kit, who, posture):
    from sim.model.records import Posture

    model = _tiny(kit)
    fire, f = model.direct_fire, model.forces
    fire._engage(1.0, _contacts([4], [0], [1.0], [True]), np.random.default_rng(0))
    fire._cease(2.0)
    assert fire.shooter.tolist() == [4]                  # still in range and fighting
    unit = 4 if who == "shooter" else 0
    f.posture[unit] = getattr(Posture, posture)
    fire._cease(3.0)
    assert fire.shooter.size == 0


def test_fire_stops_on_a_target_that_goes_to_rear_support(kit):
    """A unit in rear support is out of the fight (sim/model/forces.py): fire on it stops."""
    from sim.model.records import Posture

    model = _tiny(kit)
    fire, f = model.direct_fire, model.forces
    fire._engage(1.0, _contacts([4], [0], [1.0], [True]), np.random.default_rng(0))
    f.posture[0] = Posture.REAR
    fire._cease(2.0)
    assert fire.shooter.size == 0


# --- cover and surprise ---------------------------------------------------------------------

def _exposed(fire, t, c):
    fire._engage(t, c, np.random.default_rng(0))
    return fire.forces.exposed_until.tolist()


def test_a_target_that_holds_none_of_its_shooters_as_hostile_is_surprised(kit):
    """E-001 fires on A-001, which holds it as hostile this step: in cover. A-001 fires on
    friend B-001, which does not hold A-001 as hostile: B-001's soldiers are in the open
    for ``surprise.exposed_h``. A-001 also fires on E-001, which holds A-001: in cover."""
    model = _tiny(kit, {"surprise.exposed_h": 0.1})
    c = _contacts(obs=[0, 0, 4], tgt=[2, 4, 0], dist=[0.5, 1.0, 1.0],
                  hostile=[True, True, True])
    assert _exposed(model.direct_fire, 3.0, c) == pytest.approx(
        [-np.inf, -np.inf, 3.1, -np.inf, -np.inf, -np.inf])


def test_an_enemy_track_of_the_shooter_means_no_surprise(kit):
    """E-001 fires on A-001, which did not see it this step but holds it as an enemy track."""
    from sim.model.tracks import TrackTable

    model = _tiny(kit, {"surprise.exposed_h": 0.1})
    fire, f = model.direct_fire, model.forces
    c = _contacts(obs=[4], tgt=[0], dist=[1.0], hostile=[True])
    assert _exposed(fire, 3.0, c)[0] == pytest.approx(3.1)        # no track: surprised
    model = _tiny(kit, {"surprise.exposed_h": 0.1})
    fire, f = model.direct_fire, model.forces
    model.sensing.tracks = TrackTable(np.array([0 * f.n + 4]), np.array([False]),
                                      np.array([2.0]))
    assert _exposed(fire, 3.0, c)[0] == -np.inf


@pytest.mark.parametrize(("fired_on_h", "surprised"), [(-np.inf, True), (1.0, False),
                                                        (-3.5, True), (-3.0, False)])
def test_a_unit_fired_on_within_alert_h_is_in_cover_whoever_fires(kit, fired_on_h,
                                                                   surprised):
    """Friend B-001 fired on by A-001 at 3 h: fired on in an earlier step within 6 h, it is
    already in cover; fired on earlier than that (or never), surprised."""
    model = _tiny(kit, {"surprise.exposed_h": 0.1, "surprise.alert_h": 6.0})
    model.forces.under_fire_h[2] = fired_on_h
    got = _exposed(model.direct_fire, 3.0, _contacts([0], [2], [0.5], [True]))[2]
    assert got == (pytest.approx(3.1) if surprised else -np.inf)


def test_surprise_is_the_targets_against_every_shooter(kit):
    """B-001 engaged at once by A-001 (a friend it trusts) and E-001: it holds E-001 as
    hostile, so it is in cover against both; B-002 engaged by A-002 and E-002, neither held,
    is in the open against both."""
    model = _tiny(kit, {"surprise.exposed_h": 0.1})
    fire = model.direct_fire
    c = _contacts(obs=[0, 1, 2, 4, 5], tgt=[2, 3, 4, 2, 3], dist=[0.5, 0.5, 1.0, 1.0, 1.0],
                  hostile=[True, True, True, True, True])
    exposed = _exposed(fire, 3.0, c)
    assert exposed[2] == -np.inf and exposed[3] == pytest.approx(3.1)
    e = fire._phases(3.0, 1.0)
    enemy_on_3 = (fire.shooter == 5) & (fire.target == 3)
    assert e.fight_open[enemy_on_3] == pytest.approx([0.1])     # in the open 6 min


def test_units_fired_on_are_under_fire_from_the_end_of_the_step(kit):
    """Direct fire marks its targets; their time under fire is set only at the end of the
    step, so indirect fire in the same step finds them as the step began."""
    model = _tiny(kit, {"units.e.lethality": 0.05})
    fire, f = model.direct_fire, model.forces
    _hold(fire, [4], [0])
    fire._fire(3.0, 1.0, np.random.default_rng(0))
    assert f.fired_on.tolist() == [True, False, False, False, False, False]
    assert f.under_fire_h[0] == -np.inf and not f.alert(3.0, 6.0)[0]
    f.remember_fire(3.0)
    assert f.under_fire_h[0] == 3.0 and not f.fired_on.any() and f.alert(4.0, 6.0)[0]


# --- resumed engagements ----------------------------------------------------------------------

def _break_off(model, t):
    """Move A-001 out of every reach and let the engagements on it cease at ``t``; then back."""
    f = model.forces
    f.anchor[0] += [-50.0, 0.0]
    model.direct_fire._cease(t)
    f.anchor[0] -= [-50.0, 0.0]


@pytest.mark.parametrize(("back_h", "resumed"), [(1.5, True), (2.5, False)])
def test_a_pair_engaging_again_within_resume_h_resumes_its_engagement(kit, back_h, resumed):
    """B-001 misjudges friend A-001 at 1 h (its check-fire arrives at 100 h), loses it at
    2 h, and sees it again at 2 + ``back_h``: within ``engagement.resume_h`` (2 h) the
    engagement goes on (its firefight's clock from 1 h, the same check-fire time, the same
    incident, reopened, with the hours broken off as its ``paused_h``); later it is a new
    engagement and a new incident."""
    model = _tiny(kit, {"engagement.resume_h": 2.0, "units.b.lethality": 0.5})
    fire, ledger, f = model.direct_fire, model.ledger, model.forces
    c = _contacts([2], [0], [0.5], [True])
    fire._engage(1.0, c, np.random.default_rng(0))
    fire.until[:] = 100.0
    fire._fire(1.0, 1.0, np.random.default_rng(1))
    first = ledger.incidents[0].killed + ledger.incidents[0].wounded
    assert first > 0 and len(ledger.incidents) == 1
    _break_off(model, 2.0)
    assert fire.shooter.size == 0 and ledger.incidents[0].end_h == 2.0
    fire._engage(2.0 + back_h, c, np.random.default_rng(0))
    if resumed:
        assert fire.start.tolist() == [1.0] and fire.incident.tolist() == [0]
        assert fire.until.tolist() == [100.0] and fire.engagements_started == 1
        inc = ledger.incidents[0]
        assert len(ledger.incidents) == 1 and np.isnan(inc.end_h)
        assert inc.paused_h == pytest.approx(back_h)
        fire._fire(2.0 + back_h, 1.0, np.random.default_rng(2))
        assert inc.killed + inc.wounded > first == f.deployed[0] - f.strength[0] - (
            inc.killed + inc.wounded - first)
        assert inc.killed + inc.wounded == ledger.friendly_fire[0]
        fire.close(5.0)
        assert inc.duration_h == pytest.approx(5.0 - 1.0 - back_h)
    else:
        assert fire.start.tolist() == [2.0 + back_h] and fire.incident.tolist() == [1]
        assert len(ledger.incidents) == 2 and ledger.incidents[0].end_h == 2.0
        assert fire.engagements_started == 2


def test_a_shooter_told_of_its_mistake_while_broken_off_holds_fire(kit):
    """B-001's check-fire on its fire at A-001 arrives at 2.5 h, while the contact is lost
    (2 h); seen again at 3 h, B-001 knows A-001 for a friend: no engagement, a friend
    track."""
    model = _tiny(kit, {"engagement.resume_h": 2.0, "identification.track_memory_h": 6.0})
    fire, f = model.direct_fire, model.forces
    c = _contacts([2], [0], [0.5], [True])
    fire._engage(1.0, c, np.random.default_rng(0))
    fire.until[:] = 2.5
    _break_off(model, 2.0)
    fire._engage(3.0, c, np.random.default_rng(0))
    assert fire.shooter.size == 0 and len(model.ledger.incidents) == 1
    tr = model.sensing.tracks
    assert tr.key.tolist() == [2 * f.n + 0] and tr.friend.tolist() == [True]


def test_a_shooter_that_recognises_a_friend_keeps_a_friend_track_of_it(kit):
    model = _tiny(kit, {"identification.track_memory_h": 6.0}, perfect=True)
    fire, f = model.direct_fire, model.forces
    fire._engage(1.0, _contacts([0], [2], [0.5], [True]), np.random.default_rng(0))
    fire._cease(2.0)
    tr = model.sensing.tracks
    assert tr.key.tolist() == [0 * f.n + 2] and tr.friend.tolist() == [True]


def test_fire_that_stops_as_it_starts_surprises_no_one(kit):
    """Perfect comms: A-001's fire on friend B-001 is recognised at once (no fire), so
    B-001 is not caught in the open (against anyone who fires on it later in the step)."""
    model = _tiny(kit, {"surprise.exposed_h": 0.1}, perfect=True)
    fire = model.direct_fire
    c = _contacts(obs=[0], tgt=[2], dist=[0.5], hostile=[True])
    assert _exposed(fire, 3.0, c)[2] == -np.inf and fire.until.tolist() == [3.0]
    model = _tiny(kit, {"surprise.exposed_h": 0.1}, perfect=True)
    c = _contacts(obs=[4], tgt=[2], dist=[1.0], hostile=[True])
    assert _exposed(model.direct_fire, 3.0, c)[2] == pytest.approx(3.1)  # E alone: surprised


def test_an_engagement_ended_by_recognition_is_not_resumed(kit):
    """Perfect comms: A-001's fire on friend B-001 is recognised at once; seen again and
    misjudged again an hour later, it is a new incident."""
    model = _tiny(kit, perfect=True)
    fire, ledger = model.direct_fire, model.ledger
    c = _contacts([0], [2], [0.5], [True])
    fire._engage(1.0, c, np.random.default_rng(0))
    fire._cease(2.0)
    assert fire.shooter.size == 0 and fire.paused.key.size == 0
    fire._engage(2.0, c, np.random.default_rng(0))
    assert fire.incident.tolist() == [1] and fire.start.tolist() == [2.0]
    assert len(ledger.incidents) == 2


def test_soldiers_in_the_open_take_the_full_fire_and_in_cover_their_protection_share(kit):
    """Exposed for half of a 1 h step, then in cover (protection 0.2): expected loss
    a S (0.5 + 0.5 x 0.2) over the step."""
    model = _tiny(kit, {"units.e.lethality": 0.05, "units.e.strength": 200,
                        "units.a.strength": 5000, "units.a.protection": 0.2})
    fire, f = model.direct_fire, model.forces
    n, lost = 2000, 0
    for k in range(n):
        f.strength[0] = 5000
        _hold(fire, [4], [0], exposed_until=0.5)
        fire._fire(0.0, 1.0, np.random.default_rng(k))
        lost += 5000 - int(f.strength[0])
    expected = 0.05 * 200 * (0.5 + 0.5 * 0.2)
    assert abs(lost / n - expected) < Z * np.sqrt(expected / n)
    assert f.fired_on[0] and not f.fired_on[4]


@pytest.mark.parametrize(("exposed_until", "protection", "share"), [
    (1.0, 1.0, 0.5), (0.0, 1.0, 0.1),
    # half the step in the open, half in cover at protection 0.5: casualties in the open
    # weigh 0.5, in cover 0.5 x 0.5, so (0.5 x 0.5 + 0.25 x 0.1) / 0.75
    (0.5, 0.5, (0.5 * 0.5 + 0.25 * 0.1) / 0.75)])
def test_casualties_in_the_open_are_killed_with_the_exposed_fraction(kit, exposed_until,
                                                                     protection, share):
    rifle = {"range_km": 5.0, "pk": [[0.0, 0.01]], "rate_per_h": 10,
             "killed_fraction": 0.1, "killed_fraction_exposed": 0.5}
    model = _tiny(kit, {"weapons": {"rifle": rifle}, "units.e.weapons": {"rifle": 100},
                        "units.e.lethality": 0.0, "units.a.strength": 5000,
                        "units.a.protection": protection})
    fire, f = model.direct_fire, model.forces
    for k in range(200):
        f.strength[0] = 5000
        _hold(fire, [4], [0], exposed_until=exposed_until)
        fire._fire(0.0, 1.0, np.random.default_rng(k))
    casualties = f.killed[0] + f.wounded[0]
    assert casualties > 1000
    assert abs(f.killed[0] / casualties - share) < Z * np.sqrt(share * (1 - share) / casualties)


@pytest.mark.parametrize(("until", "exposed_until", "expected"), [
    (np.inf, 0.1, [0.1, 0.4, 0.0, 0.5]),   # open 6 min, cover to the end of the firefight
    (0.3, 0.1, [0.1, 0.2, 0.0, 0.0]),      # the shooter learns at 0.3 h: fire stops
    (np.inf, 0.6, [0.5, 0.0, 0.1, 0.4]),   # in the open beyond the firefight
    (0.05, 0.1, [0.05, 0.0, 0.0, 0.0]),    # stops while the target is still in the open
])
def test_a_step_splits_into_firefight_and_held_positions_in_the_open_and_in_cover(
        kit, until, exposed_until, expected):
    """Opened at 0 h: surprised soldiers in the open until ``exposed_until``, the firefight
    for firefight_h 0.5 h, then positions held; fractions of the 1 h step from 0 to 1 h."""
    model = _tiny(kit, {"surprise.exposed_h": 0.1, "engagement.firefight_h": 0.5})
    fire = model.direct_fire
    _hold(fire, [0], [2], until=until, exposed_until=exposed_until, start=0.0)
    e = fire._phases(0.0, 1.0)
    got = [e.fight_open[0], e.fight_cover[0], e.held_open[0], e.held_cover[0]]
    assert got == pytest.approx(expected)
    # the next step, 1 to 2 h: positions held, in cover, all of it (or no fire at all)
    e = fire._phases(1.0, 1.0)
    assert [e.fight_open[0], e.fight_cover[0], e.held_open[0], e.held_cover[0]] == \
        pytest.approx([0, 0, 0, 1.0 if until == np.inf else 0.0])


def test_one_steps_fire_is_the_phases_then_the_volley_then_the_attrition(kit):
    """The compiled step of fire (combat._fired) gives what its pieces give in turn: the
    casualties and killed of each engagement, the units marked fired on, the vehicles."""
    from sim.model.combat import _attrition, _fired

    world = kit.kursk(kp=6, ru=6, ua=6)
    twin, model = kit.model(world), kit.model(world)
    for m in (twin, model):
        m.run_for(30)
    fire, f = model.direct_fire, model.forces
    assert fire.shooter.size > 5
    t, dt, keys = model.time_h, 200.0, np.array([7, 8], np.uint64)   # a long step: losses
    tf = twin.direct_fire
    got = _fired(tf.shooter, tf.target, tf.until, tf.start, twin.forces.view, tf.arsenal,
                 tf.firefight_h, t, dt, keys[0], keys[1])
    v = volley(fire._phases(t, dt), f.view, fire.arsenal, dt)
    f.fired_on[fire.target[(v.hazard > 0) | (v.vehicle_hazard > 0)]] = True
    casualties, killed, lost = _attrition(fire.shooter, fire.target, v, f.view, *keys)
    f.vehicles[:] -= lost
    assert casualties.sum() > 0
    np.testing.assert_array_equal(got[0], casualties)
    np.testing.assert_array_equal(got[1], killed)
    np.testing.assert_array_equal(twin.forces.fired_on, f.fired_on)
    np.testing.assert_array_equal(twin.forces.vehicles, f.vehicles)
