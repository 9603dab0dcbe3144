"""Counterfactual parts of perfect communication: what each switch makes perfect.

``perfect_comms`` (docs/contract.md) is three switches at once. Each can be
switched on alone, or with any of the others, so that the effect of
miscommunication can be split into its parts (``decompose=true``,
:mod:`sim.experiment.decomposition`). They are counterfactuals, not remedies.

Rules (each part changes only what it names; with all three on the model is
``perfect_comms`` and draws the same random numbers):

- ``perfect_reports``: delivery is perfect. Every message (a unit's radio to
  its HQ, liaison hops, a common net, calls for fire, check-fire calls through
  the HQs and the victim's direct call) arrives at once on its first send: no
  loss, no latency, no translation queue or turn-away, and a message with no
  route gets through too. Pictures hold every unit's current position as
  reported this step, published every step. What the language barrier does is
  left as it is: across a translated or shared-language hop of comprehension c
  a message is misunderstood with P 1 - c; a misunderstanding noticed (P
  ``garble_noticed``) is asked again at once, so the message arrives garbled
  with P (1 - c)(1 - n) / (c + (1 - c)(1 - n)) per hop (n = ``garble_noticed``;
  1 where nothing can be understood and every misunderstanding is noticed) and
  its grid is moved as any garbled grid is. A check-fire call not understood on
  some hop is called again ``check_fire_retry_h`` later, when the victim finds
  the fire going on; the victim's direct call is likewise understood with the
  challenge probability at each try.
- ``no_language_barrier``: comprehension 1 everywhere. Every liaison hop is
  understood, so no message is translated, queued at a pool or turned away by
  one, misunderstood or garbled; every challenge, lateral exchange at a seam
  and direct check-fire call between soldiers of two nations is understood.
  Messages are still lost (radio, links, jamming, no route) and late
  (latencies, repeats).
- ``instant_check_fire``: a shooter learns at once that it fires on a friend:
  every direct-fire incident's recognition delay is 0 (it inflicts no
  casualties and lasts 0 h). Causes and everything else are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from sim.schema import PARTS


@dataclass(frozen=True)
class Idealised:
    """Which parts of communication the model makes perfect (rules above)."""

    perfect_reports: bool = False
    no_language_barrier: bool = False
    instant_check_fire: bool = False

    @classmethod
    def of(cls, parts: Iterable[str]) -> Idealised:
        """The switches named in ``parts`` on, the others off (unknown names are errors)."""
        return cls(**{p: True for p in parts})

    @classmethod
    def everything(cls) -> Idealised:
        """All three parts: ``perfect_comms``."""
        return cls.of(PARTS)

    @property
    def perfect(self) -> bool:
        """Every part on: ``perfect_comms``."""
        return all(getattr(self, p) for p in PARTS)


assert tuple(f.name for f in fields(Idealised)) == PARTS, "Idealised must mirror schema.PARTS"

#: Nothing made perfect: communication as the scenario has it (the default everywhere).
AS_IS = Idealised()
