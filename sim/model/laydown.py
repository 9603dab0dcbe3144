"""The lay-down: where each unit group stands beside its allies, and what that implies.

A unit group declares its place (``units.<G>.laydown``, :class:`sim.schema.Laydown`),
or gives the explicit geometry (``stride``, ``interleave``). Rules:

- Slots are ``slot_spacing_km`` apart along the front; unit k of a group stands at
  y = y_from_km + (k x stride + interleave) x spacing (:func:`sim.model.forces._slots`).
- ``sector``: stride 1, interleave 0: consecutive slots of the group's own.
- ``interleaved`` (and ``embedded``) in the ordered set [g0, g1, ..., gm]: every member
  has stride 2; g0 takes the even slots (interleave 0); g1 the odd slots from 1
  (interleave 1), g2 the odd slots after g1's units (interleave 1 + 2 x count(g1)), and
  so on. kursk_2024's [kp, ru, akhmat] gives kp 2/0, ru 2/1 and akhmat 2/145 (72 RU
  companies), the geometry the scenario had as numbers before it was declared.
- ``embedded`` within host group H: the slots as interleaved; the group's nation reports
  over H's nation's radio net (:func:`radios`), since the model has radios per nation.
- Counts are those of the scenario as fought, after scaling (sim/scaling.py), so a
  declared lay-down keeps its shape on a scaled front.
- The seams of a lay-down: neighbouring coalition units (front places sorted along the
  front) of different nations (:func:`seams_by_pair`; their sum is
  :func:`sim.model.seams.allied_seams`).
"""

from __future__ import annotations

import numpy as np

from sim.schema import Scenario, UnitGroup


def geometry(scenario: Scenario) -> dict[str, tuple[int, int]]:
    """(stride, interleave) of every unit group: from its declaration, else as given."""
    out: dict[str, tuple[int, int]] = {}
    for name, grp in scenario.units.items():
        lay = grp.laydown
        if lay is None:
            out[name] = (grp.stride, grp.interleave)
        elif lay.place == "sector":
            out[name] = (1, 0)
        else:
            out[name] = _in_set(scenario.units, lay.groups, name)
    return out


def _in_set(units: dict[str, UnitGroup], groups: list[str], name: str) -> tuple[int, int]:
    """(stride, interleave) of ``name`` in the interleaved set ``groups`` (rules above)."""
    k = groups.index(name)
    if k == 0:
        return 2, 0
    before = sum(units[g].count for g in groups[1:k])
    return 2, 1 + 2 * before


def host_nation(scenario: Scenario, nation: str) -> str | None:
    """The nation whose teams (and radio net) ``nation``'s embedded groups carry; None when
    none of its groups is embedded (the schema checks that they agree)."""
    for grp in scenario.units.values():
        lay = grp.laydown
        if grp.nation == nation and lay is not None and lay.place == "embedded":
            return scenario.units[lay.within].nation
    return None


def radios(scenario: Scenario) -> dict[str, str]:
    """The radio net each nation's units report over: the host nation's for a nation whose
    groups are embedded, else the nation's own ``radio``."""
    out = {}
    for name, nat in scenario.nations.items():
        host = host_nation(scenario, name)
        out[name] = nat.radio if host is None else scenario.nations[host].radio
    return out


def seams_by_pair(nation: np.ndarray, place: np.ndarray, coalition: np.ndarray,
                  nation_names: list[str]) -> dict[str, int]:
    """Seams per pair of coalition nations ("A-B", names sorted): neighbouring coalition
    units along the front (front places sorted by y, then x) of the two nations."""
    units = np.flatnonzero(coalition)
    out: dict[str, int] = {}
    if units.size < 2:
        return out
    order = units[np.lexsort((place[units, 0], place[units, 1]))]
    for a, b in zip(nation[order][:-1], nation[order][1:], strict=True):
        if a != b:
            key = "-".join(sorted((nation_names[a], nation_names[b])))
            out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def describe(scenario: Scenario, forces) -> dict:
    """The lay-down as fought, for the run directory's ``laydown.json``: every group's
    declared place (``explicit`` for stride/interleave geometry) with its set and host,
    stride and interleave; every nation's radio net; the seams per pair of coalition
    nations."""
    geo = geometry(scenario)
    groups = {}
    for name, grp in scenario.units.items():
        lay = grp.laydown
        groups[name] = {
            "nation": grp.nation,
            "place": "explicit" if lay is None else lay.place,
            "groups": [] if lay is None else list(lay.groups),
            "within": None if lay is None else lay.within,
            "stride": geo[name][0], "interleave": geo[name][1],
        }
    return {
        "groups": groups,
        "radios": radios(scenario),
        "seams": seams_by_pair(forces.nation, forces.front_place, forces.coalition,
                               forces.nation_names),
    }
