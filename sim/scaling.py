"""Scaling a scenario: the same war on a longer front, at the same density.

``scale_scenario(s, k)`` returns a copy of ``s`` with ``k`` times the units,
laid out along a front ``k`` times as long, so that every unit sees the same
neighbourhood, and with the per-force resources scaled with it so that per-unit
rates stay the same:
- every unit group: ``count`` x k (at least 1 if it had any; for a group that
  arrives in waves, each wave's count x k, at least 1, and its ``y_from_km`` x k), its sector
  ``y_from_km``/``y_to_km`` x k, and the whole-stride part of its
  ``interleave`` offset (a group placed after the others) x k, keeping the
  offset within a stride, so groups keep their slots and never share one (a
  group that declares its place, ``laydown``, keeps its declaration: its slots
  are computed from the scaled counts when the forces are built,
  sim/model/laydown.py, so an interleaved set stays interleaved and a group
  after another stays after it);
- every liaison link: ``interpreters`` and ``liaison_officers`` x k (the
  translation pool serves k times the reports);
- every nation: ``fire_missions_per_h`` x k (its artillery supports k times
  the units).
Everything else (ranges, probabilities, the campaign rules) is per unit and
stays. ``k = 1`` returns an unchanged copy. Used for benchmarks at 1,000 to
20,000 units (``experiments/benchmark.py``) and by ``sim run scale=k``.
"""

from __future__ import annotations

from sim.schema import Scenario


def scale_scenario(scenario: Scenario, factor: float) -> Scenario:
    """Return ``scenario`` scaled by ``factor`` (> 0) as described above (input unchanged)."""
    if factor <= 0:
        raise ValueError(f"scale: {factor} must be > 0")
    s = scenario.model_copy(deep=True)
    if factor == 1:
        return s
    for grp in s.units.values():
        if grp.waves:
            for wave in grp.waves:
                wave.count = max(1, round(wave.count * factor))
                if wave.y_from_km is not None:
                    wave.y_from_km *= factor
            grp.count = sum(wave.count for wave in grp.waves)
        elif grp.count > 0:
            grp.count = max(1, round(grp.count * factor))
        grp.y_from_km *= factor
        grp.y_to_km *= factor
        # an offset of whole strides (a group placed after the others) grows with the
        # front; the offset within a stride (which slots of each stride) stays
        whole, within = divmod(grp.interleave, grp.stride)
        grp.interleave = round(whole * factor) * grp.stride + within
    for link in s.links.values():
        link.interpreters *= factor
        link.liaison_officers *= factor
    for nat in s.nations.values():
        nat.fire_missions_per_h *= factor
    return s
