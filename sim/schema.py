"""The configuration schema: the one source of defaults, units, ranges and meaning.

Hydra composes the YAML tree in ``configs/``; this module validates the result.
Everything the model reads comes from a validated :class:`RunConfig`.

The schema follows the EMA Workbench split: the *scenario* holds the world
(uncertainties: channel reliability, visibility, sensor error) and the forces;
the *intervention* holds the levers a commander chooses (interpreters, liaison
officers, a common radio net, shared IFF markings, a shared language, ROE).

Units: distances in km, times in hours, speeds in km/h, rates per hour,
probabilities in [0, 1], strengths in personnel.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Hours = Annotated[float, Field(ge=0.0)]
PositiveHours = Annotated[float, Field(gt=0.0)]
Km = Annotated[float, Field(ge=0.0)]


def _a_name(value: str) -> str:
    """A name is a name: letters, digits, ``_ . - +``, starting with a letter or digit, no
    ``..`` (it becomes part of a path: outputs/<scenario>/..., configs/intervention/...)."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", value) or ".." in value:
        raise ValueError("not a name (it becomes part of a path): use letters, digits, '_', "
                         "'.', '-', '+', starting with a letter or digit, no '..' and no '/'")
    return value


#: a scenario's or intervention's name (it becomes part of a path)
Name = Annotated[str, AfterValidator(_a_name)]

SCHEMA_VERSION = 1

#: The radio system the ``common_radio_net`` intervention issues to every coalition nation.
COMMON_RADIO = "common_digital_net"

#: The three parts of perfect communication, each a counterfactual switch of its own
#: (``Intervention``; the rules are in sim/model/ideal.py). ``perfect_comms`` is all three.
#: The order is the order of the ``decomposition`` in summary.json.
PARTS: tuple[str, ...] = ("perfect_reports", "no_language_barrier", "instant_check_fire")


class Strict(BaseModel):
    """Base for every config block: unknown keys are errors, values are checked on
    assignment, numbers are finite (NaN and infinities are refused everywhere), and a
    yes/no is not a number (``count=false`` is refused, not read as 0)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False,
                              allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_yes_no_numbers(cls, data: object) -> object:
        if isinstance(data, dict):
            for name, value in data.items():
                info = cls.model_fields.get(name)
                if isinstance(value, bool) and info is not None \
                        and _number_type(info.annotation):
                    raise ValueError(f"{name}: {value!r} is a yes/no, not a number; give a "
                                     f"number")
        return data


def unwrap(annotation: object) -> object:
    """The type inside ``Annotated[...]`` and ``X | None`` (a union of several types is
    returned as it is)."""
    import types
    import typing

    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _number_type(annotation: object) -> bool:
    """The annotation holds an int or a float (possibly optional or constrained)."""
    return unwrap(annotation) in (int, float)


class RulesOfEngagement(Strict):
    """When a unit opens fire on a contact it has not positively identified.

    Rates are per hour of continued observation: a contact held for one step of
    dt hours is engaged with P = 1 - (1 - rate)^dt.
    """

    engage_forward: Probability = Field(
        0.9, description="P(engage) per hour for an unidentified contact beyond the front line "
        "in the enemy's zone (presumed hostile)")
    engage_unidentified: Probability = Field(
        0.003, description="P(engage) per hour for an unidentified, unchallenged contact in the "
        "own zone (permissive ROE higher, strict ROE near 0)")
    engage_failed_challenge: Probability = Field(
        0.1, description="P(engage) per hour for a contact that failed a challenge")


class Campaign(Strict):
    """Withdrawal, rest, reinforcement and redeployment (a scenario's default, or a
    nation's own)."""

    withdraw_loss_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="a unit withdraws once it has lost this fraction of its personnel "
        "(1 = never withdraws)")
    rest_h: Hours = Field(168.0, description="hours a withdrawn unit rests before redeploying")
    reinforce_to_fraction: Probability = Field(
        0.0, description="on redeployment, replacements refill a unit to this fraction of its "
        "initial strength (0 = no replacements; replacements count as deployed)")
    redeploy_min_fraction: Probability = Field(
        0.5, description="a rested unit redeploys only if it holds at least this fraction of its "
        "initial strength")


class Nation(Strict):
    """A nation: side, languages, radio, doctrine, training and markings."""

    side: Literal["coalition", "enemy"] = Field(description="coalition or enemy")
    languages: dict[str, Probability] = Field(
        description="proficiency of the nation's soldiers in each language, 0..1 "
        "(1 = native); every language must be defined in scenario.languages")
    radio: str = Field(description="radio system name; allied nations on the same system share "
                       "a net: their units' position reports reach each other's HQs straight "
                       "over it (see common_net), with no liaison link or translation")
    training: Probability = Field(0.6, description="skill at visual identification, 0..1")
    markings: Probability = Field(
        0.5, description="how recognisable the nation's vehicles and uniforms are to others, 0..1")
    roe: RulesOfEngagement = Field(default_factory=RulesOfEngagement)
    report_interval_h: PositiveHours = Field(
        2.0, description="hours between a unit's position reports to its HQ")
    report_delivery: Probability = Field(
        0.95, description="P(a unit-to-HQ report gets through) before jamming")
    report_latency_h: Hours = Field(0.25, description="mean unit-to-HQ latency, h")
    picture_refresh_h: PositiveHours = Field(
        2.0, description="hours between HQ picture updates pushed down to units")
    fire_support_from: str | None = Field(
        None, description="nation whose artillery and drones answer this nation's calls for "
        "fire (default: its own)")
    fire_missions_per_h: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="fire missions the nation's artillery (and, where drones are not "
        "modelled apart, its drones) can fire per hour")
    drone_strikes_per_h: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="strikes the nation's drone teams can fly per hour on the calls for "
        "fire that reached its HQ, looking before they strike (scenario.drones)")
    drone_hunts_per_h: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="strike sorties the nation's drone teams fly per hour on their own, "
        "hunting the grey zone over its stretch of front (scenario.drones)")
    drone_recon_per_h: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="reconnaissance sorties the nation's drone teams fly per hour over "
        "the grey zone, calling fire on what they judge hostile (scenario.drones)")
    campaign: Campaign | None = Field(
        None, description="the nation's withdrawal, rest and reinforcement rules (null: the "
        "scenario's campaign block)")


class Wave(Strict):
    """Units of a group that arrive in the battle area together: when, how many and where."""

    at_h: Hours = Field(description="hours after the start when the wave arrives")
    count: int = Field(ge=1, le=100000, description="units in the wave")
    y_from_km: float | None = Field(
        None, description="where along the front the wave's slots start, km (null: after "
        "the slots of the group's earlier waves)")
    x_km: float | None = Field(
        None, description="depth of the wave's front positions, km (null: the group's x_km)")


class WeaponSystem(Strict):
    """A direct-fire weapon system: what it can hit, how far, how often, how lethally.

    A unit's weapons of one system fire ``rate_per_h`` bursts (or rounds) an hour each
    while it engages a target within ``range_km``. A burst puts ``casualties_per_hit``
    soldiers out of action with probability ``pk`` at the target's distance, against
    soldiers in the open; soldiers in cover take the unit group's ``protection`` share
    of that. ``pk`` is a table of (distance km, probability) points, interpolated
    linearly between them, flat before the first point and from the last point out to
    ``range_km``, and 0 beyond ``range_km``. A weapon fires ``rate_per_h`` in an
    engagement's opening firefight and ``sustained_rate_per_h`` after it. An anti-tank
    system (``targets: vehicles``) fires only on a unit's vehicles in action: a hit
    destroys one and puts ``casualties_per_hit`` occupants out of action, whether the
    unit is in cover or not (its ``protection`` is for soldiers, not vehicles). A unit
    shares each system's fire over the targets that system can hit.
    """

    targets: Literal["dismounts", "vehicles"] = Field(
        "dismounts", description="what it hits: the soldiers of any unit, or only units "
        "with vehicles (anti-tank weapons; a hit's casualties are the vehicle's occupants)")
    range_km: Km = Field(description="maximum range, km; no effect beyond")
    pk: list[tuple[Km, Probability]] = Field(
        min_length=1, description="(distance km, P(a burst hits)) points, against soldiers "
        "in the open; linear between points, flat before the first")
    rate_per_h: Annotated[float, Field(ge=0.0)] = Field(
        description="bursts (or rounds) one weapon fires per hour in the opening firefight "
        "of an engagement (scenario.engagement.firefight_h)")
    sustained_rate_per_h: Annotated[float, Field(ge=0.0)] | None = Field(
        None, description="bursts one weapon fires per hour once the opening firefight is "
        "over and both sides hold their positions (null: rate_per_h throughout)")
    casualties_per_hit: Annotated[float, Field(ge=0.0)] = Field(
        1.0, description="soldiers put out of action by a hit (1 for a rifle burst; a "
        "vehicle's occupants for an anti-tank hit)")
    killed_fraction: Probability = Field(
        0.15, description="fraction of its casualties killed when they were in cover")
    killed_fraction_exposed: Probability = Field(
        0.15, description="fraction of its casualties killed when they were caught in the "
        "open by surprise (scenario.surprise)")

    @model_validator(mode="after")
    def _sorted_points(self) -> WeaponSystem:
        ranges = [r for r, _ in self.pk]
        if ranges != sorted(ranges):
            raise ValueError(f"pk: distances {ranges} must increase")
        return self


class Laydown(Strict):
    """A unit group's declared place in the lay-down: where it stands beside its allies.

    Rules (slots are ``scenario.slot_spacing_km`` apart along the front, counted from the
    group's ``y_from_km``; sim/model/laydown.py computes them):

    - ``sector``: the group holds a sector of its own; its units take consecutive slots
      from ``y_from_km`` (as ``stride`` 1, ``interleave`` 0). Written ``laydown: sector``.
    - ``interleaved``: the groups of ``groups`` (an ordered set that names this group
      too, every member declaring the same set and the same ``y_from_km``) share one
      sector and alternate slot by slot: the first group takes every other slot (slots 0,
      2, 4, ...), the others fill the slots between in the order of the set, each after
      the units of the one before it (the second group's units on slots 1, 3, 5, ...,
      then the third's). So two groups alternate, and a third stands on the second's side
      of the seam after it. kursk_2024: ``[kp, ru, akhmat]``, 80 KP companies on the even
      slots, 72 RU companies and then 8 Akhmat units on the odd ones.
    - ``embedded``: the group stands where the interleaved set ``groups`` puts it (the
      rule above; the set is declared as for ``interleaved``), and it carries teams of
      the nation of the host group ``within`` (a member of the set, of another nation):
      the model has no radios below the nation, so the group's nation reports over the
      host nation's radio net (its ``radio`` is the host's for every use; the levers
      apply on top). Every group of a nation that has an embedded group is embedded in
      groups of one host nation. What the teams change between the soldiers (an agreed
      challenge, exchanges with the neighbours) is the liaison link's
      (``challenge_signal``, ``lateral_exchange_per_h``), set in the scenario.

    A group with a declaration leaves ``stride`` and ``interleave`` at their defaults;
    the declaration computes them (sim/model/laydown.py), from the group counts as
    fought, so a scaled front keeps the lay-down (sim/scaling.py).
    """

    place: Literal["sector", "interleaved", "embedded"] = Field(
        description="sector (a sector of its own), interleaved (alternating slot by slot "
        "with the groups of `groups`) or embedded (interleaved, carrying teams of the "
        "nation of group `within`)")
    groups: list[str] = Field(
        default_factory=list, description="interleaved and embedded: the ordered set of "
        "unit groups (keys of scenario.units) that share the sector, this group among "
        "them; the first takes every other slot, the others the slots between, in order")
    within: str | None = Field(
        None, description="embedded: the host group (a member of `groups`, of another "
        "nation) whose nation's teams, and so radio net, the group carries")

    @model_validator(mode="after")
    def _fields_of_the_place(self) -> Laydown:
        if self.place == "sector":
            if self.groups:
                raise ValueError(f"groups: {self.groups} given for place 'sector'; a group "
                                 "in a sector of its own shares it with none")
        else:
            if len(self.groups) < 2:
                raise ValueError(f"groups: {self.groups}: place {self.place!r} needs the "
                                 "ordered set of at least two groups that share the sector")
            if len(set(self.groups)) != len(self.groups):
                raise ValueError(f"groups: {self.groups} names a group twice")
        if self.place == "embedded":
            if self.within is None:
                raise ValueError("within: place 'embedded' needs the host group it is "
                                 "embedded within")
            if self.within not in self.groups:
                raise ValueError(f"within: host group {self.within!r} must be a member of "
                                 f"groups {self.groups}")
        elif self.within is not None:
            raise ValueError(f"within: {self.within!r} given for place {self.place!r}; only "
                             "an embedded group has a host")
        return self


class UnitGroup(Strict):
    """A group of identical units (squads to companies) of one nation."""

    nation: str = Field(description="owning nation (a key of scenario.nations)")
    count: int = Field(ge=0, le=100000, description="number of units in the group")
    strength: int = Field(ge=0, le=5000, description="personnel per unit when it arrives")
    waves: list[Wave] = Field(
        default_factory=list, description="arrivals in waves (their counts add up to "
        "`count`); empty: every unit is there at time 0. A unit that has not arrived is not "
        "in the battle and not in the strength series")
    x_km: float = Field(description="depth of the group's assigned position, km (front line at 0, "
                        "coalition at x<0, enemy at x>0)")
    y_from_km: float = Field(0.0, description="start of the group's sector along the front, km")
    y_to_km: float = Field(10.0, description="end of the group's sector along the front, km")
    laydown: Laydown | None = Field(
        None, description="the group's declared place in the lay-down: `sector`, or "
        "{place: interleaved, groups: [...]}, or {place: embedded, groups: [...], within: "
        "HOST} (rules: schema.Laydown); it computes the slots, so `stride` and "
        "`interleave` stay at their defaults. Null: the explicit geometry below")
    interleave: int = Field(
        0, ge=0, description="explicit geometry, for a group without `laydown`: slot offset "
        "when groups share a sector: units are spread at "
        "y = y_from + (k*stride + interleave) * spacing; use with `stride`")
    stride: int = Field(1, ge=1, description="explicit geometry, for a group without "
                        "`laydown`: slots per unit when interleaving groups (1 = none)")
    rear_x_km: float = Field(-15.0, description="depth of the rear area for rear-support work, km")
    front_from_h: Hours = Field(
        0.0, description="hours after start when the group moves from rear support to the front")
    speed_kmh: Annotated[float, Field(ge=0.0)] = Field(2.0, description="movement speed, km/h")
    patrol_km: Km = Field(0.4, description="patrol wander, km per sqrt(h): in a step of dt "
                          "hours the patrol offset takes a normal step of standard deviation "
                          "patrol_km x sqrt(dt) per axis, and relaxes back towards the unit's "
                          "place (sim/model/forces.py)")
    sensor_range_km: Km = Field(3.0, description="maximum detection range, km")
    weapon_range_km: Km = Field(1.5, description="range of the aimed fire of `lethality`, "
                                "km (no reach when lethality is 0)")
    lethality: Annotated[float, Field(ge=0.0)] = Field(
        0.01, description="aimed fire of the unit's soldiers beside its weapons: casualties "
        "inflicted per firing soldier per hour within weapon_range_km, whatever the distance "
        "(Lanchester's coefficient; 0 when `weapons` say how the unit fires)")
    weapons: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=dict, description="the unit's weapon systems (keys of "
        "scenario.weapons) and how many of each it has at full strength; the number "
        "firing falls in proportion to the unit's strength (crews are casualties too)")
    vehicles: int = Field(0, ge=0, le=1000, description="vehicles per unit at full "
                          "establishment (targets of anti-tank weapons; each hit destroys one)")
    protection: Probability = Field(
        1.0, description="share of fire's effect that reaches the unit's soldiers when they "
        "are in cover (dug in, prone); 1 = no cover. Soldiers caught by surprise are in the "
        "open (scenario.surprise). Not for anti-tank hits on its vehicles")
    cover: Probability = Field(0.3, description="P(the unit is hidden from one sensor look)")

    @model_validator(mode="before")
    @classmethod
    def _place_alone(cls, data: object) -> object:
        """``laydown: sector`` is short for ``laydown: {place: sector}``."""
        if isinstance(data, dict) and isinstance(data.get("laydown"), str):
            return {**data, "laydown": {"place": data["laydown"]}}
        return data

    @model_validator(mode="after")
    def _one_geometry(self) -> UnitGroup:
        if self.laydown is not None and (self.stride != 1 or self.interleave != 0):
            raise ValueError(f"laydown: place {self.laydown.place!r} declared together with "
                             f"stride {self.stride} and interleave {self.interleave}; give "
                             "either a declaration or the explicit geometry (stride 1 and "
                             "interleave 0 with a declaration)")
        return self


class LiaisonLink(Strict):
    """A channel between two allied HQs: liaison officers, interpreters, HQ radios."""

    a: str = Field(description="nation at one end")
    b: str = Field(description="nation at the other end")
    delivery: Probability = Field(0.9, description="P(a message crosses the link) before jamming")
    latency_h: Hours = Field(0.5, description="transmission and handling latency, h")
    interpreters: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="interpreters on duty at the link, one pool for both directions "
        "(each translates `messages_per_interpreter_h`)")
    interpreter_proficiency: Probability = Field(
        0.8, description="P(an interpreter renders a message correctly)")
    messages_per_interpreter_h: Annotated[float, Field(gt=0.0)] = Field(
        6.0, description="messages one interpreter translates per hour")
    liaison_officers: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="bilingual liaison officers exchanged between the two HQs (in the "
        "link's pool, for both directions)")
    liaison_proficiency: Probability = Field(
        0.97, description="P(a liaison officer renders a message correctly)")
    messages_per_officer_h: Annotated[float, Field(gt=0.0)] = Field(
        10.0, description="messages one liaison officer relays per hour")
    challenge_signal: Probability = Field(
        0.0, description="P(an agreed challenge signal or password is understood between "
        "soldiers of the two nations), used where no shared language does better")
    max_queue_h: PositiveHours = Field(
        6.0, description="a message waiting longer than this for translation is dropped, h")
    lateral_exchange_per_h: Probability = Field(
        0.0, description="P(per hour) that two adjacent units of the link's nations, closer "
        "than lateral_range_km, exchange positions at a contact point (understood with the "
        "nations' challenge probability; needs identification.track_memory_h > 0)")
    lateral_range_km: Km = Field(
        0.6, description="how close two units of the link's nations must be to exchange "
        "positions at a contact point, km")


class CommonNet(Strict):
    """The net shared by allied nations on the same radio system (``nations.<N>.radio``):
    it carries their units' position reports straight to each other's HQs as data."""

    delivery: Probability = Field(0.95, description="P(a report gets through a shared net), "
                                  "before jamming")
    latency_h: Hours = Field(0.1, description="mean latency of a shared net, h")


class Messaging(Strict):
    """Acknowledgement and repetition of messages (position reports, calls), on every net."""

    max_attempts: int = Field(
        3, ge=1, le=20, description="sends of a message that is not acknowledged before the "
        "sender gives up (1 = never repeated); assumption: a report is repeated twice")
    retry_h: PositiveHours = Field(
        0.25, description="a message not acknowledged within this time is sent again, h "
        "(assumption: a quarter of an hour)")
    check_fire_latency_h: Hours = Field(
        0.05, description="mean latency per hop of a check-fire call on the priority channel, "
        "and of a victim's shout or signal to take effect, h (assumption: 3 minutes by voice)")
    check_fire_retry_h: PositiveHours = Field(
        0.1, description="a check-fire call that did not get through is sent again after "
        "this, h (assumption: every 6 minutes)")
    check_fire_attempts: int = Field(
        30, ge=1, le=1000, description="check-fire calls a victim makes before giving up "
        "(assumption: 30, i.e. 3 h at the default retry)")


class Identification(Strict):
    """Correlation with the picture, visual identification and challenge."""

    gate_km: Km = Field(0.3, description="a contact within this distance of a picture entry is "
                        "taken for that friend")
    position_error_km: Km = Field(
        0.05, description="sensor position error (standard deviation per axis) at zero range "
        "in daylight, km; grows with range and darkness")
    entry_expiry_h: PositiveHours = Field(
        12.0, description="a picture entry older than this no longer counts as current, h")
    visual_range_km: Km = Field(
        0.8, description="range scale of visual identification: P(identify) falls as "
        "exp(-d/visual_range_km)")
    challenge_range_km: Km = Field(
        0.7, description="contacts closer than this are challenged before engaging")
    familiarity_h: Hours = Field(
        0.0, description="familiarity of neighbours: for two allied units of linked nations "
        "that have spent H hours within the link's lateral_range_km of each other, the chance "
        "that visual identification fails is multiplied by exp(-H / familiarity_h), h (0: no "
        "familiarity)")
    track_memory_h: Hours = Field(
        0.0, description="a unit keeps a contact it has identified (visually, by an answered "
        "challenge, or by correlation with its HQ picture) as a track, renewed each step it "
        "sees it and forgotten after this long unseen; the contact is judged as the track "
        "says meanwhile, h (0: no memory)")
    self_recognition_per_h: Probability = Field(
        0.1, description="P(per hour) a shooter recognises its mistake without being told")
    garble_error_km: Km = Field(
        3.0, description="mean size of a garbled grid's error, km: the grid is moved by an "
        "exponentially distributed distance of this mean in a uniformly random direction")
    garble_noticed: Probability = Field(
        0.5, description="P(a misunderstood message is noticed and dropped rather than garbled)")


class Environment(Strict):
    """Visibility, electronic warfare."""

    night_hours: Annotated[int, Field(ge=0, le=24)] = Field(
        12, description="hours of darkness per 24 h, centred on midnight")
    night_visibility: Probability = Field(
        0.5, description="detection and identification factor at night (1 = as by day)")
    jamming: Probability = Field(
        0.0, description="fraction of radio messages lost to electronic warfare")


class IndirectFire(Strict):
    """Calls for fire and area effects (artillery, drones)."""

    call_prob_per_h: Probability = Field(
        0.1, description="P(per hour) a unit calls for fire on a hostile contact it holds")
    effect_radius_km: Km = Field(0.3, description="radius of a fire mission's area effect, km")
    dispersion_km: Km = Field(0.1, description="aim error of a mission (std per axis), km")
    casualty_fraction: Probability = Field(
        0.03, description="fraction of a unit's personnel in the open hit by one mission "
        "inside the radius (in cover: times the unit's protection)")
    killed_fraction: Probability = Field(
        0.15, description="fraction killed among a mission's casualties in cover")
    killed_fraction_exposed: Probability = Field(
        0.15, description="fraction killed among a mission's casualties caught in the open "
        "(scenario.surprise)")
    no_fire_radius_km: Km = Field(
        0.5, description="fire-support coordination: no fire within this distance of a friendly "
        "unit in the firing side's picture, km")
    call_expiry_h: Hours = Field(
        2.0, description="a call for fire that reaches the supporting HQ more than this long "
        "after it was sent is dropped there as stale, h")


class Drones(Strict):
    """Drones: strikes on calls for fire, and sorties hunting the grey zone; the operator
    looks before it strikes or calls fire.

    A nation's drone teams fly up to ``nations.<N>.drone_strikes_per_h`` strikes an hour
    on the calls for fire that reached its HQ and its artillery did not take, and
    ``drone_hunts_per_h`` strike and ``drone_recon_per_h`` reconnaissance sorties an hour
    on their own, each over a random point within ``hunt_band_km`` of the front line along
    the nation's stretch of front. The operator searches ``footprint_km`` around the grid
    (as received) or the point, and sees each fighting unit there with P visibility x
    (1 - its cover). From above it identifies a unit's side with
    P training x markings x visibility, or by the type of its vehicles
    (``vehicle_recognition``); no challenge is possible. It spares an identified friend,
    and an unidentified unit its HQ's picture shows as a friend within the correlation
    gate; it judges an identified enemy hostile, and any other unit with P
    ``engage_unidentified``; the unit nearest the grid of those is the target. A strike
    sortie strikes it; a reconnaissance sortie calls fire on where it saw it, the call
    leaving ``feed_delay_h`` later for the supporting HQ like any call for fire. A strike that
    answers another nation's call needs that nation's HQ to clear it: the request crosses
    the link on the priority channel (loss, delay, language) and that HQ checks its own
    picture around the grid
    as it understood it, denying the strike if it shows a friend within
    ``indirect_fire.no_fire_radius_km``; with no answer within ``loiter_h`` the operator
    strikes anyway with P ``strike_uncleared``. A hunt needs no clearance. A strike on a unit that does not expect
    fire destroys one of its vehicles in action, its ``occupants`` out of action, or, if
    it has none, puts Poisson(``casualties_per_strike``) soldiers out of action in the
    open; a unit that expects fire is dismounted in cover: Poisson(``casualties_per_strike``
    x its protection).
    """

    footprint_km: Km = Field(
        0.3, description="radius of ground the operator searches around the grid, km")
    hunt_band_km: Km = Field(
        1.0, description="a hunting sortie searches a point within this distance of the "
        "front line, on either side, km")
    feed_delay_h: Hours = Field(
        0.05, description="from a reconnaissance drone's sighting to its call for fire "
        "leaving for the guns (video relay, the grid read off it), h")
    vehicle_recognition: Probability = Field(
        0.0, description="P(the type of a unit's vehicles tells its side from above)")
    engage_unidentified: Probability = Field(
        0.5, description="P(the operator strikes a unit it cannot identify and its HQ's "
        "picture does not show as a friend)")
    loiter_h: Hours = Field(
        0.5, description="how long a drone waits at the target for clearance, h")
    strike_uncleared: Probability = Field(
        0.3, description="P(the operator strikes when clearance has not come back in time)")
    casualties_per_strike: Annotated[float, Field(ge=0.0)] = Field(
        2.0, description="mean soldiers put out of action by a strike on soldiers in the "
        "open (Poisson)")
    occupants: Annotated[float, Field(ge=0.0)] = Field(
        3.0, description="soldiers put out of action when a strike destroys a vehicle")
    killed_fraction: Probability = Field(
        0.15, description="fraction killed among a strike's casualties in cover")
    killed_fraction_exposed: Probability = Field(
        0.15, description="fraction killed among a strike's casualties caught in the open")


class Engagement(Strict):
    """How an engagement's fire runs over time: an opening firefight, then held positions."""

    firefight_h: Hours | None = Field(
        None, description="hours an engagement fires at its weapons' firefight rate "
        "(rate_per_h) before it settles to their sustained rate; null: never settles")
    resume_h: Hours = Field(
        2.0, description="a shooter that re-engages a target it stopped firing on (out of "
        "reach, out of the fight) within this long resumes the same engagement: no new "
        "firefight, and on a friend the same incident, h (0: every re-engagement is new)")


class Surprise(Strict):
    """Fire that a target does not expect catches its soldiers in the open.

    A unit fired on (directly or indirectly, by anyone) in an earlier step within the
    last ``alert_h`` expects fire: its soldiers are in cover. Direct fire: a unit not
    alert that is engaged by shooters none of which it is wary of (detected in this
    step's look and not taken for a friend, or held as an enemy track) is surprised: its
    soldiers are in the open for ``exposed_h`` from then, against every shooter, then in
    cover; fire that stops as it starts surprises no one. Indirect fire and drone
    strikes surprise every unit they hit that is not alert.
    """

    exposed_h: Hours = Field(
        0.0, description="how long soldiers surprised by direct fire stay in the open "
        "before they take cover, h (0: fire never catches anyone in the open)")
    alert_h: Hours = Field(
        6.0, description="a unit fired on within this long expects fire: direct fire and "
        "missions find it in cover, h")


class Scenario(Strict):
    """A world: nations, forces, links, environment and horizon."""

    name: Name
    description: str = ""
    horizon_h: PositiveHours = Field(description="simulated time, h")
    dt_h: PositiveHours = Field(1.0, description="time step, h")
    record_every_h: PositiveHours = Field(24.0, description="time-series interval, h")
    languages: list[str] = Field(description="languages spoken in the scenario")
    nations: dict[str, Nation]
    units: dict[str, UnitGroup]
    links: dict[str, LiaisonLink] = Field(default_factory=dict)
    common_net: CommonNet = Field(default_factory=CommonNet)
    messaging: Messaging = Field(default_factory=Messaging)
    identification: Identification = Field(default_factory=Identification)
    environment: Environment = Field(default_factory=Environment)
    indirect_fire: IndirectFire = Field(default_factory=IndirectFire)
    drones: Drones = Field(default_factory=Drones)
    weapons: dict[str, WeaponSystem] = Field(
        default_factory=dict, description="the direct-fire weapon systems unit groups carry")
    engagement: Engagement = Field(default_factory=Engagement)
    surprise: Surprise = Field(default_factory=Surprise)
    campaign: Campaign = Field(default_factory=Campaign)
    killed_fraction: Probability = Field(
        0.15, description="fraction killed among the casualties of units' aimed fire "
        "(`lethality`); the rest are wounded and evacuated. Weapon systems and indirect fire "
        "carry their own")
    front_line_x_km: float = Field(
        0.0, description="the front line: the coalition holds x below it, the enemy above, km")
    slot_spacing_km: Annotated[float, Field(gt=0.0)] = Field(
        0.5, description="distance between neighbouring unit slots along the front, km")

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        langs = set(self.languages)
        for name, nat in self.nations.items():
            if not nat.languages:
                raise ValueError(f"nations.{name}.languages: a nation needs at least one language")
            for lang in nat.languages:
                if lang not in langs:
                    raise ValueError(f"nations.{name}.languages.{lang}: language {lang!r} is not "
                                     f"defined in scenario.languages {sorted(langs)}")
            if nat.fire_support_from is not None and nat.fire_support_from not in self.nations:
                raise ValueError(f"nations.{name}.fire_support_from: unknown nation "
                                 f"{nat.fire_support_from!r}")
        for name, grp in self.units.items():
            self._known_nation(f"units.{name}.nation", grp.nation)
            for weapon in grp.weapons:
                if weapon not in self.weapons:
                    raise ValueError(f"units.{name}.weapons.{weapon}: unknown weapon system "
                                     f"{weapon!r}; defined in scenario.weapons: "
                                     f"{sorted(self.weapons)}")
            arriving = sum(w.count for w in grp.waves)
            if grp.waves and arriving != grp.count:
                raise ValueError(f"units.{name}.waves: the waves bring {arriving} units but "
                                 f"count is {grp.count}; they must agree")
            if grp.y_to_km < grp.y_from_km:
                raise ValueError(f"units.{name}.y_to_km: {grp.y_to_km} must be >= y_from_km "
                                 f"{grp.y_from_km}")
        self._laydowns()
        for name, link in self.links.items():
            self._known_nation(f"links.{name}.a", link.a)
            self._known_nation(f"links.{name}.b", link.b)
        sides = {n.side for n in self.nations.values()}
        if sides != {"coalition", "enemy"}:
            raise ValueError(f"nations: need at least one coalition and one enemy nation, "
                             f"got sides {sorted(sides)}")
        if self.dt_h > self.horizon_h:
            raise ValueError(f"dt_h: {self.dt_h:g} must be <= horizon_h {self.horizon_h:g} "
                             "(at least one step before the horizon)")
        return self

    def _laydowns(self) -> None:
        """The declared lay-downs name known groups and agree (rules: :class:`Laydown`)."""
        declared = {name: grp.laydown for name, grp in self.units.items()
                    if grp.laydown is not None and grp.laydown.place != "sector"}
        for name, lay in declared.items():
            where = f"units.{name}.laydown"
            for other in lay.groups:
                if other not in self.units:
                    raise ValueError(f"{where}.groups: unknown unit group {other!r}; "
                                     f"defined: {sorted(self.units)}")
            if name not in lay.groups:
                raise ValueError(f"{where}.groups: {lay.groups} must name the group itself "
                                 f"({name!r}): the set is ordered and its place in it counts")
            if lay.within == name:
                raise ValueError(f"{where}.within: {name!r} names the group itself; a group "
                                 "is embedded within another nation's group")
        for name, lay in declared.items():
            where = f"units.{name}.laydown.groups"
            for other in lay.groups:
                theirs = self.units[other].laydown
                if theirs is None or theirs.groups != lay.groups:
                    shown = None if theirs is None else (theirs.groups or theirs.place)
                    raise ValueError(f"{where}: {lay.groups}, but units.{other}.laydown "
                                     f"declares {shown!r}; every group of an interleaved set "
                                     "declares the same ordered set")
                if self.units[other].y_from_km != self.units[name].y_from_km:
                    raise ValueError(f"{where}: units.{other}.y_from_km "
                                     f"{self.units[other].y_from_km} differs from "
                                     f"units.{name}.y_from_km {self.units[name].y_from_km}; "
                                     "the groups of an interleaved set share one sector")
        hosts: dict[str, tuple[str, str]] = {}     # nation -> (its first embedded group, host)
        for name, lay in declared.items():
            if lay.place != "embedded":
                continue
            nation, host = self.units[name].nation, self.units[lay.within].nation
            if host == nation:
                raise ValueError(f"units.{name}.laydown.within: {lay.within!r} is of the "
                                 f"group's own nation {host!r}; a group is embedded within "
                                 "another nation's group")
            first, first_host = hosts.setdefault(nation, (name, host))
            if host != first_host:
                raise ValueError(f"units.{name}.laydown.within: {lay.within!r} is of nation "
                                 f"{host!r}, but units.{first} of the same nation {nation!r} "
                                 f"is embedded in {first_host!r}; radios are per nation, so "
                                 "every group of a nation that declares embedding declares "
                                 "the same host nation")
        for name, grp in self.units.items():
            place = None if grp.laydown is None else grp.laydown.place
            if grp.nation in hosts and place != "embedded":
                first, host = hosts[grp.nation]
                raise ValueError(f"units.{name}.laydown: {place!r}, but units.{first} of the "
                                 f"same nation {grp.nation!r} is embedded in {host!r}; radios "
                                 "are per nation, so every group of a nation that declares "
                                 "embedding declares the same host nation")

    def _known_nation(self, where: str, nation: str) -> None:
        if nation not in self.nations:
            raise ValueError(f"{where}: unknown nation {nation!r}; "
                             f"defined: {sorted(self.nations)}")


class Intervention(Strict):
    """A remedy (lever) applied on top of any scenario. Neutral values change nothing."""

    name: Name
    description: str = ""
    perfect_comms: bool = Field(
        False, description="every message delivered at once and understood, every picture "
        "current, every challenge understood (docs/contract.md): the three parts below "
        "together, whatever they say")
    perfect_reports: bool = Field(
        False, description="counterfactual part: every report and message (unit radio, "
        "liaison hops, common net, calls for fire, check-fire calls) arrives at once, never "
        "lost or queued, and every picture holds every unit's current position as reported; "
        "across a language barrier a message can still arrive garbled")
    no_language_barrier: bool = Field(
        False, description="counterfactual part: comprehension 1 on every hop, challenge "
        "and direct check-fire call, so nothing is garbled or misunderstood and nothing "
        "needs translating; messages can still be lost or late")
    instant_check_fire: bool = Field(
        False, description="counterfactual part: a shooter learns at once that it fires on "
        "a friend (every direct-fire incident lasts 0 h)")
    interpreter_multiplier: Annotated[float, Field(ge=0.0)] = Field(
        1.0, description="multiplies the interpreters on every liaison link")
    liaison_officers: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="liaison officers added to every liaison link between allied HQs")
    common_radio_net: bool = Field(
        False, description="issue every coalition nation one common radio system "
        f"({COMMON_RADIO!r}), so their units' reports reach every allied HQ over one net")
    shared_language: str | None = Field(
        None, description="a language every coalition soldier is made proficient in")
    shared_language_proficiency: Probability = Field(
        0.9, description="proficiency given in the shared language")
    markings_bonus: Probability = Field(
        0.0, description="added to every coalition nation's markings (IFF panels), capped at 1")
    engage_forward: Probability | None = Field(
        None, description="overrides every coalition nation's ROE for unidentified contacts "
        "beyond the front line, per hour")
    engage_unidentified: Probability | None = Field(
        None, description="overrides every coalition nation's ROE for unidentified contacts "
        "in the own zone, per hour")
    engage_failed_challenge: Probability | None = Field(
        None, description="overrides every coalition nation's ROE after a failed challenge")

    def parts(self) -> tuple[str, ...]:
        """The parts of perfect communication switched on, in :data:`PARTS` order:
        all three under ``perfect_comms``, else those whose switch is on."""
        return tuple(p for p in PARTS if self.perfect_comms or getattr(self, p))


class RunConfig(Strict):
    """One `sim run`: a scenario, an intervention, seeds and replications."""

    scenario: Scenario
    intervention: Intervention
    seed: int = Field(0, ge=0, description="master seed; replication seeds are spawned from it")
    replications: int = Field(1, ge=1, le=100_000, description="independent replications")
    compare_to: Name | None = Field(
        None, description="also run this intervention on the same seeds and report paired "
        "differences")
    counterfactual: Intervention | None = Field(
        None, description="the `compare_to` intervention, filled in by the command-line layer")
    decompose: bool = Field(
        False, description="also run this run's intervention with every non-empty subset of "
        "the parts of perfect communication (perfect_reports, no_language_barrier, "
        "instant_check_fire) switched on, on the same seeds, and report the effect of "
        "miscommunication split into the parts (Shapley values) in summary.json's "
        "`decomposition`")
    scale: float = Field(1.0, gt=0.0, le=1000.0, description="run the scenario scaled up "
                         "(or down) at constant density: unit counts, front length, "
                         "interpreters and fire missions times this factor (sim/scaling.py)")
    workers: int = Field(1, ge=1, le=256, description="processes for replications inside one run")
    progress: bool = Field(True, description="show progress bars when attached to a terminal")
    design: dict[str, object] | None = Field(
        None, description="a sampled experimental design (configs/design/, "
        "sim/experiment/design.py): method, n points, seed, factor ranges; the run takes the "
        "factor values of point `design_point`")
    priors: dict[str, object] | None = Field(
        None, description="a prior set (configs/priors/, sim/priors.py): dotted config key -> "
        "distribution, range and reason; read by sensitivity analysis and calibration, "
        "checked against the schema and the config before any work")
    sensitivity: dict[str, object] | None = Field(
        None, description="settings of `sim sensitivity` (configs/sensitivity/, "
        "sim/experiment/sensitivity.py): base sample size n, seed, outputs, bootstrap "
        "resamples; a plain run ignores them")
    calibration: dict[str, object] | None = Field(
        None, description="settings of `sim calibrate` (configs/calibration/, "
        "sim/experiment/calibration.py): parameters, targets with their bands and sources, "
        "population, generations; a plain run ignores them")
    coverage: dict[str, object] | None = Field(
        None, description="settings of `sim coverage` (configs/coverage/, "
        "sim/experiment/coverage.py): repetitions, credible level, seed; a plain run "
        "ignores them")
    posterior: str | None = Field(
        None, description="a `sim calibrate` directory or its posterior.parquet: each "
        "replication runs with one parameter set drawn from it (sim/experiment/posterior.py)")
    design_point: int | None = Field(
        None, ge=0, description="index of the design point whose factor values this run takes "
        "(sweep it: design_point=range(N))")

    @model_validator(mode="after")
    def _both_sides_fight(self) -> RunConfig:
        """A run needs a unit on each side (a scenario alone may hold one side: tests of
        single mechanisms build such)."""
        sc = self.scenario
        for side in ("coalition", "enemy"):
            if not any(g.count > 0 and sc.nations[g.nation].side == side
                       for g in sc.units.values()):
                raise ValueError(f"scenario.units: no {side} unit (a group with count >= 1 "
                                 f"of a {side} nation{'; the map is empty' if not sc.units else ''}"
                                 "); both sides need one to fight")
        return self
