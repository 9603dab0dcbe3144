"""Kernel views (sim/model/views.py): a named tuple's arrays behind one reference.

Rules checked: a view shares its tuple's arrays, so a change in place through either is
seen through the other; kernels read it by column name as they read the tuple, with the
same answers; its type is an attribute of the defining module (numba's cache finds it
there); the unit table's view is ``forces.view``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

import sim.model.forces as forces_module
from sim.model import views
from sim.model.engagements import going
from sim.model.forces import build_forces
from sim.model.weapons import build_arsenal


class Pair(NamedTuple):
    a: np.ndarray
    b: np.ndarray
    c: float


PairViewType, PairView = views.define(Pair, __name__)


@njit
def _bump(table, i):
    table.a[i] += table.c
    return table.a[i] + table.b[i]


@njit
def _column_a(table):
    return table.a


def test_a_view_shares_its_tuples_arrays():
    pair = Pair(np.zeros(3), np.arange(3.0), 0.5)
    view = views.view_of(pair)
    assert isinstance(view, PairView)
    assert _bump(view, 2) == 2.5 and pair.a[2] == 0.5       # a kernel's change, seen by Python
    pair.a[1] = 7.0                                         # Python's change, seen by a kernel
    assert _bump(view, 1) == 8.5
    assert np.shares_memory(_column_a(view), pair.a)


def test_a_view_reads_as_its_tuple():
    pair = Pair(np.ones(2), np.full(2, 3.0), 2.0)
    twin = Pair(np.ones(2), np.full(2, 3.0), 2.0)
    assert _bump(views.view_of(pair), 0) == _bump(twin, 0) == 6.0


def test_the_type_is_an_attribute_of_the_defining_module():
    assert globals()["PairViewType"] is PairViewType and PairViewType.__module__ == __name__
    assert forces_module.UnitsViewType.__name__ == "UnitsViewType"


def test_forces_view_is_the_unit_table(kit):
    world = kit.kursk(kp=2, ru=2, ua=2)
    f = build_forces(world, np.random.default_rng(0))
    assert isinstance(f.view, forces_module.UnitsView)
    assert np.shares_memory(_strength(f.view), f.strength)
    # a kernel gives the same answer through the tuple and through the view
    _, arsenal = build_arsenal(world)
    s, g = (a.ravel() for a in np.meshgrid(np.arange(f.n), np.arange(f.n)))
    until = np.full(s.size, np.inf)
    through_view = going(s, g, until, f.view, views.view_of(arsenal), 0.0)
    np.testing.assert_array_equal(through_view, going(s, g, until, f.units, arsenal, 0.0))
    assert through_view.any() and not through_view.all()


@njit
def _strength(units):
    return units.strength


def test_a_new_process_makes_views_without_compiling(kit):
    """The constructor of views comes from numba's cache in a process that did not compile
    it (this process compiled it for the unit table, if it was not cached already)."""
    import subprocess
    import sys
    code = ("import numpy as np\n"
            "from sim.model import views\n"
            "from sim.model.forces import build_forces\n"
            "from sim.schema import Scenario\n"
            "import sys\n"
            "world = Scenario.model_validate_json(sys.stdin.read())\n"
            "build_forces(world, np.random.default_rng(0))\n"
            "print(len(views._construct.stats.cache_misses), "
            "len(views._construct.stats.cache_hits))\n")
    world = kit.kursk(kp=2, ru=2, ua=2)
    build_forces(world, np.random.default_rng(0))         # compiled (and cached) here
    out = subprocess.run([sys.executable, "-c", code], input=world.model_dump_json(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    misses, hits = map(int, out.stdout.split())
    assert misses == 0 and hits >= 1


def test_the_cached_constructor_is_filed_under_the_column_names(kit):
    """The columns' names, in order, are part of the signature of the cached constructor,
    so a table whose columns of one type are reordered gets a constructor of its own."""
    from sim.model.forces import Units

    build_forces(kit.kursk(kp=2, ru=2, ua=2), np.random.default_rng(0))
    named = [sig[1] for sig in views._construct.signatures]
    assert any(tuple(getattr(getattr(t, "dtype", None), "fields", None) or ()) == Units._fields
               for t in named)
