"""Interventions: levers applied on top of a scenario.

An intervention never edits the model; it returns a changed copy of the
scenario (more interpreters, liaison officers on every allied link, one common
radio system, a shared language, better markings, a stricter ROE). ``perfect_comms``
and its three parts (``perfect_reports``, ``no_language_barrier``,
``instant_check_fire``) are the exception: they are counterfactual switches the
model reads (:mod:`sim.model.ideal`), because "every picture is current" is a
property of the mechanics, not a parameter value.
"""

from __future__ import annotations

from sim.schema import COMMON_RADIO, PARTS, Intervention, Scenario

#: Intervention configs that are counterfactuals, not remedies: never ranked as remedies.
COUNTERFACTUALS: tuple[str, ...] = ("perfect_comms", *PARTS)


def apply_intervention(scenario: Scenario, lever: Intervention) -> Scenario:
    """Return the scenario as changed by ``lever`` (the input is not modified)."""
    s = scenario.model_copy(deep=True)
    coalition = [n for n, nat in s.nations.items() if nat.side == "coalition"]
    for link in s.links.values():
        link.interpreters = link.interpreters * lever.interpreter_multiplier
        if {link.a, link.b} <= set(coalition):
            link.liaison_officers = link.liaison_officers + lever.liaison_officers
    if lever.common_radio_net:
        for name in coalition:
            s.nations[name].radio = COMMON_RADIO
    if lever.shared_language is not None:
        if lever.shared_language not in s.languages:
            s.languages = [*s.languages, lever.shared_language]
        for name in coalition:
            langs = dict(s.nations[name].languages)
            langs[lever.shared_language] = max(langs.get(lever.shared_language, 0.0),
                                               lever.shared_language_proficiency)
            s.nations[name].languages = langs
    for name in coalition:
        nat = s.nations[name]
        nat.markings = min(1.0, nat.markings + lever.markings_bonus)
        if lever.engage_forward is not None:
            nat.roe.engage_forward = lever.engage_forward
        if lever.engage_unidentified is not None:
            nat.roe.engage_unidentified = lever.engage_unidentified
        if lever.engage_failed_challenge is not None:
            nat.roe.engage_failed_challenge = lever.engage_failed_challenge
    return Scenario.model_validate(s.model_dump())
