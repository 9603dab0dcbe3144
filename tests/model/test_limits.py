"""Limiting cases of the whole model: perfect communication, one nation, no fire at all."""

from __future__ import annotations

import numpy as np

from sim.model.records import Cause

COMMS = {c.value for c in Cause if c.is_communication}
LANGUAGE = {c.value for c in Cause if c.is_language}

#: Everyone speaks Russian natively, sees and is seen perfectly, and artillery lands on its
#: grid with a no-fire area wider than its effect: nothing is left to go wrong.
PERFECT_WORLD = {
    "nations.KP.languages": {"korean": 1.0, "russian": 1.0},
    "nations.KP.training": 1.0, "nations.RU.training": 1.0,
    "nations.KP.markings": 1.0, "nations.RU.markings": 1.0,
    "identification.visual_range_km": 1e9,
    "environment.night_visibility": 1.0,
    "indirect_fire.dispersion_km": 0.0,
    "indirect_fire.no_fire_radius_km": 0.3,    # > effect_radius_km 0.25
}

#: Sensor errors large enough that friends often fall outside the 0.3 km correlation gate:
#: sigma >= 0.2 km per axis by day (x2 at night), so P(miss the gate) = exp(-0.3^2 / 2 sigma^2)
#: >= 0.32 per look, and visual identification (P <= 0.3 exp(-d / 0.8)) rarely saves them.
BLURRED = {"identification.position_error_km": 0.2}


def _causes(results) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in results:
        for cause, n in r.by_cause.items():
            total[cause] = total.get(cause, 0) + n
    return total


def test_perfect_communication_language_and_identification_give_no_friendly_fire(kit):
    world = kit.kursk(horizon_h=96, changes=PERFECT_WORLD)
    results = kit.replicate(world, 20, seed=31, lever="perfect_comms")
    assert [r.metrics["friendly_fire_incidents"] for r in results] == [0.0] * 20
    assert all(r.metrics["friendly_fire_casualties"] == 0 for r in results)
    # not vacuous: the coalition fought
    assert sum(r.engagements for r in results) > 100
    assert sum(r.missions for r in results) > 20
    assert sum(r.metrics["enemy_casualties"] for r in results) > 0


def test_perfect_comms_leaves_only_misidentification(kit):
    world = kit.kursk(horizon_h=96, changes=BLURRED)
    results = kit.replicate(world, 4, seed=32, lever="perfect_comms")
    causes = _causes(results)
    assert causes["misidentification"] > 0, causes     # not vacuous
    assert {c: n for c, n in causes.items() if c in COMMS and n} == {}
    assert all(r.metrics["miscommunication_share"] == 0.0 for r in results)


def test_perfect_comms_on_a_three_nation_coalition_with_a_relayed_pair(kit):
    world = kit.scenario("tri_nation_exercise", horizon_h=72,
                         counts={"us": 4, "fr": 4, "pl": 4, "opfor": 8}, changes=BLURRED)
    causes = _causes(kit.replicate(world, 3, seed=33, lever="perfect_comms"))
    assert causes["misidentification"] > 0, causes
    assert {c: n for c, n in causes.items() if c in COMMS and n} == {}


def test_one_nation_one_language_has_no_language_causes_but_a_floor_of_misidentification(kit):
    """single_nation: no liaison links, no translation, every challenge understood, so no
    report_garbled or challenge_failed. Misidentification still happens: with BLURRED sensors
    at Kursk's 14 h nights a run of 12 companies has tens of them (Poisson with mean >> 1,
    so P(none in 4 runs) is negligible); the floor of friendly fire is not zero."""
    world = kit.scenario("single_nation", counts={"ru": 12, "ua": 6}, horizon_h=96,
                         changes=BLURRED)
    results = kit.replicate(world, 4, seed=34)
    causes = _causes(results)
    assert {c: causes[c] for c in LANGUAGE} == {c: 0 for c in LANGUAGE}, causes
    assert causes["misidentification"] > 0, causes
    assert all(r.metrics["friendly_fire_incidents"] > 0 for r in results)


def test_fire_without_lethality_costs_no_one(kit):
    # every unit fires a weapon that cannot hit (P(hit) 0 at every range)
    blank = {"range_km": 1.5, "pk": [[0.0, 0.0]], "rate_per_h": 50.0}
    harmless = {"weapons.blank": blank,
                **{f"units.{g}.{k}": v for g in ("kp", "ru", "ua")
                   for k, v in (("lethality", 0.0), ("weapons", {"blank": 10}))}}
    world = kit.kursk(horizon_h=72, changes={**harmless, **BLURRED,
                                             "indirect_fire.casualty_fraction": 0.0,
                                             "drones.casualties_per_strike": 0.0,
                                             "drones.occupants": 0.0})
    (r,) = kit.replicate(world, 1, seed=35)
    assert r.engagements > 0
    assert r.metrics["total_casualties"] == 0 and r.metrics["enemy_casualties"] == 0
    assert r.metrics["fratricide_share"] == 0.0
    assert all(i["killed"] == i["wounded"] == 0 for i in r.incidents)


def test_holding_fire_on_everything_unidentified_with_no_way_to_identify_stops_all_fire(kit):
    hold = {f"nations.{n}.roe.{k}": 0.0 for n in ("KP", "RU", "UA")
            for k in ("engage_forward", "engage_unidentified", "engage_failed_challenge")}
    blind = {f"nations.{n}.training": 0.0 for n in ("KP", "RU", "UA")}
    # drone operators too: they hold on what they cannot identify, and nothing tells them
    drones = {"drones.engage_unidentified": 0.0, "drones.vehicle_recognition": 0.0}
    (r,) = kit.replicate(kit.kursk(horizon_h=72, changes={**hold, **blind, **drones}), 1,
                         seed=36)
    assert r.engagements == 0 and r.missions == 0
    assert r.metrics["total_casualties"] == 0
    assert r.metrics["friendly_fire_incidents"] == 0
    ts = r.timeseries
    np.testing.assert_array_equal(ts["strength"], ts["deployed"])
