"""The coalition-friction model (Mesa 3.5).

One step of ``dt_h`` hours, in domain order:
1. the campaign moves units between rear, front and rest;
2. units move (towards their place, patrolling around it);
3. reports travel up the chain and across liaison links; HQ pictures update;
4. every unit looks, correlates contacts with its HQ's picture (or its own
   tracks of contacts it identified before), identifies them and decides under
   its ROE whether to fire; adjacent allies tell each other where they are;
5. direct fire, then indirect fire (artillery missions on the calls for fire that
   arrive, then drone strikes on the calls the artillery left), then drones hunting the
   grey zone (strikes, and reconnaissance calls for fire on their way), inflict
   casualties; friendly fire on
   coalition units is logged as incidents with their cause; the units fired on
   are under fire from then (they expect more).

Unit state lives in numpy arrays (:class:`~sim.model.forces.Forces`) so each
step works on all units at once: numpy array operations, cell lists for the
spatial queries, and numba-compiled loops where the work is per pair, per
message, per mission or sortie, or sequential (compiled once, then cached beside
the source). The Mesa agents (:class:`~sim.model.agents.Unit`) name the rows and
read them (position, nation, strength, posture, what an HQ believes).
All randomness comes from :class:`~sim.model.streams.Streams`; compiled code
draws none (it takes numbers drawn outside, or hashes keys drawn outside with
counters: :mod:`sim.model.keyed`).

Build a model from a configuration with :func:`sim.build.build_model`, which
applies the intervention and the scale first; the constructor takes the
scenario as it will be fought.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.model.agents import Unit
from sim.model.campaign import update_postures
from sim.model.combat import DirectFire
from sim.model.comms import Network
from sim.model.drones import DroneStrikes
from sim.model.forces import build_forces
from sim.model.ideal import AS_IS, Idealised
from sim.model.indirect import IndirectFire
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.seams import Seams
from sim.model.sensing import Sensing
from sim.model.streams import Streams
from sim.model.timeline import Timeline
from sim.schema import Scenario


class CoalitionModel(mesa.Model):
    """Allied units of several nations against a common enemy, with friendly fire.

    Args:
        scenario: the validated scenario, interventions (and scaling) already applied.
        seed: this replication's seed sequence.
        ideal: the parts of communication made perfect (:mod:`sim.model.ideal`; all three
            are ``perfect_comms``, docs/contract.md); default none.
        replication: index used to label records.

    Attributes:
        world: the scenario being fought (:class:`~sim.schema.Scenario`). Not called
            ``scenario``: Mesa 3.5 reserves ``model.scenario`` for its own Scenario class.
        time_h: simulated hours since the start (``steps`` x ``dt``); ``dt`` is the step, h.
        n_steps: steps to the horizon.
        units: the Mesa agents, one per row of the unit table, in row order
            (``model.agents`` holds the same agents).
        forces: the unit table (:class:`~sim.model.forces.Forces`).
        network, pictures, sensing, direct_fire, indirect_fire, drones, ledger, timeline:
            the mechanisms, each in a module of the same name.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence, *,
                 ideal: Idealised = AS_IS, replication: int = 0) -> None:
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.at("mesa", 0))
        self.world = scenario
        self.dt = scenario.dt_h
        self.n_steps = math.ceil(scenario.horizon_h / self.dt - 1e-9)
        self.forces = build_forces(scenario, self.streams.at("movement", 0))
        self.units = [Unit(self, i, name, self.forces.nation_names[self.forces.nation[i]])
                      for i, name in enumerate(self.forces.names)]
        self.network = Network(scenario, ideal)
        self.pictures = Pictures(self.forces, self.network, scenario)
        self.sensing = Sensing(scenario, self.forces, self.pictures, self.network)
        self.seams = Seams(scenario, self.forces, self.network, self.sensing)
        self.ledger = Ledger(self.forces, replication)
        self.direct_fire = DirectFire(scenario, self.forces, self.pictures, self.network,
                                      self.ledger, self.sensing)
        self.indirect_fire = IndirectFire(scenario, self.forces, self.pictures, self.network,
                                          self.ledger)
        self.drones = DroneStrikes(scenario, self.forces, self.pictures, self.network,
                                   self.ledger)
        self.timeline = Timeline(self.forces, self.ledger, self.network,
                                 scenario.record_every_h, self.n_steps * self.dt)
        self.pictures.exchange(0.0, self.dt, self.streams.at("communication", 0))
        self.timeline.record(0.0)

    @property
    def time_h(self) -> float:
        """Simulated hours since the start."""
        return self.steps * self.dt

    def step(self) -> None:
        t, k, s = self.time_h, self.steps, self.streams
        update_postures(self.forces, t)
        self.forces.move(self.dt, s.at("movement", k))
        self.pictures.exchange(t, self.dt, s.at("communication", k))
        contacts = self.sensing.look(t, s.at("sensing", k), s.at("identification", k))
        self.sensing.remember(t, contacts)
        self.seams.exchange(t, self.dt, s.at("seams", k))
        self.direct_fire.step(t, self.dt, contacts, s.at("combat", k), s.at("recognition", k))
        calls = self.indirect_fire.step(t, self.dt, contacts, s.at("indirect_fire", k))
        self.drones.answer(t, self.dt, calls, s.at("drones", k))
        self.indirect_fire.call(self.drones.hunt(t, self.dt, s.at("drone_hunts", k)))
        self.forces.remember_fire(t)
        self.timeline.record(t)

    def run(self, progress=None) -> CoalitionModel:
        """Run to the horizon; ``progress(steps_done)`` is called now and then."""
        chunk = max(1, self.n_steps // 20)
        while self.steps < self.n_steps:
            self.run_for(min(chunk, self.n_steps - self.steps))
            if progress is not None:
                progress(self.steps)
        self.direct_fire.close(self.time_h)
        return self
