"""The lay-down (sim/model/laydown.py): declared places, the slots they give, the embedded
group's radio net, and the seams.

The tiny world's coalition groups ``a`` (nation A) and ``b`` (B) are given explicit
geometry there (stride 2, interleave 0 and 1); each test here replaces it by a
declaration, so the two ways are checked against each other.
"""

from __future__ import annotations

import numpy as np

from sim.model import laydown
from sim.model.forces import build_forces
from sim.model.seams import allied_seams

#: A tiny world's groups with their explicit geometry cleared (a declaration goes with it).
CLEAR = {f"units.{g}.{k}": v for g in "ab" for k, v in (("stride", 1), ("interleave", 0))}


def _declared(kit, laydowns, changes=None):
    return kit.tiny({**CLEAR, **{f"units.{g}.laydown": d for g, d in laydowns.items()},
                     **(changes or {})})


def _y(scenario):
    return build_forces(scenario, np.random.default_rng(0)).front_place[:, 1]


def test_a_sector_group_takes_consecutive_slots_from_its_start(kit):
    s = _declared(kit, {"a": "sector", "b": {"place": "sector"}},
                  {"slot_spacing_km": 0.4, "units.a.count": 3, "units.a.y_from_km": 1.0,
                   "units.b.y_from_km": 5.0})
    assert s.units["a"].laydown.place == "sector"          # `laydown: sector` is the shorthand
    assert laydown.geometry(s)["a"] == laydown.geometry(s)["b"] == (1, 0)
    np.testing.assert_allclose(_y(s)[:5], [1.0, 1.4, 1.8, 5.0, 5.4], rtol=0, atol=1e-12)


def test_interleaved_groups_alternate_the_first_on_every_other_slot_the_rest_between(kit):
    """[a, b, c]: a on slots 0, 2, 4; b on 1, 3; c (after b) on 5, 7: the geometry stride 2
    with interleave 0, 1 and 1 + 2 x count(b)."""
    c = {"nation": "B", "count": 2, "strength": 50, "x_km": -0.5, "patrol_km": 0.0,
         "speed_kmh": 0.0}
    lay = {"place": "interleaved", "groups": ["a", "b", "c"]}
    s = _declared(kit, {"a": lay, "b": lay}, {"units.c": {**c, "laydown": lay},
                                               "units.a.count": 3, "slot_spacing_km": 0.5})
    assert laydown.geometry(s) == {"a": (2, 0), "b": (2, 1), "c": (2, 5), "e": (2, 0)}
    y = _y(s)                                     # rows: a-001..003, b-001..002, e, e, c, c
    np.testing.assert_allclose(y[[0, 1, 2, 3, 4, 7, 8]], 0.5 * np.array([0, 2, 4, 1, 3, 5, 7]),
                               rtol=0, atol=1e-12)
    # the same as the explicit geometry
    explicit = kit.tiny({"units.a.count": 3, "slot_spacing_km": 0.5,
                         "units.c": {**c, "stride": 2, "interleave": 5}})
    np.testing.assert_array_equal(_y(explicit), y)


def test_the_kursk_laydowns_give_the_geometry_they_had_as_numbers(kit):
    """kursk_2024 (interleaved [kp, ru, akhmat]) is kp 2/0, ru 2/1, akhmat 2/145, as
    configs/forces/kursk_coalition.yaml gave it before it declared the lay-down; the
    embedded lay-down stands in the same slots; the sectors one is stride 1 throughout."""
    base = kit.scenario("kursk_2024", front_now=False)
    assert {g: laydown.geometry(base)[g] for g in ("kp", "ru", "akhmat")} == \
        {"kp": (2, 0), "ru": (2, 1), "akhmat": (2, 145)}
    embedded = kit.scenario("kursk_2024_embedded", front_now=False)
    assert laydown.geometry(embedded) == laydown.geometry(base)
    np.testing.assert_array_equal(_y(embedded), _y(base))
    sectors = kit.scenario("kursk_2024_sectors", front_now=False)
    assert all(laydown.geometry(sectors)[g] == (1, 0) for g in ("kp", "ru", "akhmat"))


def test_an_embedded_nation_reports_over_its_hosts_radio_net(kit):
    """a embedded within b: A's radio is B's, so A's units' reports reach HQ B over the
    shared net (and back); the slots are the interleaved set's."""
    lay = {"place": "interleaved", "groups": ["a", "b"]}
    s = _declared(kit, {"a": {**lay, "place": "embedded", "within": "b"}, "b": lay})
    assert s.nations["A"].radio == "ra"                  # the nation's own, as declared
    assert laydown.radios(s) == {"A": "rb", "B": "rb", "E": "re"}
    assert laydown.host_nation(s, "A") == "B" and laydown.host_nation(s, "B") is None
    np.testing.assert_array_equal(_y(s), _y(kit.tiny()))
    direct = kit.model(s).network.direct
    assert direct[0, 1] and direct[1, 0] and not direct[0, 2]
    # the common_radio_net lever applies on top: host and guest on the common net
    from sim.interventions import apply_intervention

    common = apply_intervention(s, kit.lever("common_radio_net"))
    assert laydown.radios(common)["A"] == laydown.radios(common)["B"] == common.nations["B"].radio
    interleaved = _declared(kit, {"a": lay, "b": lay})
    assert laydown.radios(interleaved)["A"] == "ra"
    assert not kit.model(interleaved).network.direct[0, 1]


def test_seams_per_pair_count_neighbours_of_different_nations(kit):
    """The tiny world alternates A, B, A, B along the front: 3 A-B seams; in sectors, 1."""
    f = build_forces(kit.tiny(), np.random.default_rng(0))
    seams = laydown.seams_by_pair(f.nation, f.front_place, f.coalition, f.nation_names)
    assert seams == {"A-B": 3} and sum(seams.values()) == allied_seams(f)
    s = _declared(kit, {"a": "sector", "b": "sector"}, {"units.b.y_from_km": 5.0})
    info = laydown.describe(s, build_forces(s, np.random.default_rng(0)))
    assert info["seams"] == {"A-B": 1}
    assert info["groups"]["a"]["place"] == "sector" and info["groups"]["e"]["place"] == "explicit"
    assert info["groups"]["e"]["stride"] == 2 and info["radios"]["A"] == "ra"
