"""Kernel views: a named tuple of arrays as compiled kernels take it.

A named tuple of arrays passes to compiled (numba) code by value: each call from one
kernel into a helper copies every column and counts a reference to each again. For the
42 columns of the unit table that is about 1.7 us a call, and the helpers
(:func:`sim.model.forces.position`, :func:`sim.model.weapons.hits`, ...) are called per
engagement and per pair, so it was most of a kernel's time. A view holds the same arrays
behind one reference (a numba StructRef) and passes as one pointer. Kernels read it by
column name exactly as they read the tuple (``units.strength[i]``).

Rules:
- A view shares its tuple's arrays: a change in place through either (``a[i] = x``) is
  seen through both.
- A column is never rebound after the view is made (the view would keep the old array);
  :class:`sim.model.forces.Forces` refuses it.
- Python code reads the tuple, kernels the view.
"""

from __future__ import annotations

import sys

from numba.core import types
from numba.experimental import structref


def _unliteral(self, fields):
    return tuple((name, types.unliteral(typ)) for name, typ in fields)


def define(table: type, module: str) -> tuple[type, type]:
    """The numba type and the Python class of views of the named tuple class ``table``,
    named ``<Table>ViewType`` and ``<Table>View`` and made attributes of ``module`` (the
    caller's ``__name__``), where numba's cache finds the type again. Call once per table,
    at import: ``UnitsViewType, UnitsView = views.define(Units, __name__)``."""
    name = f"{table.__name__}View"
    typ = structref.register(type(f"{name}Type", (types.StructRef,), {
        "__module__": module, "__qualname__": f"{name}Type",
        "preprocess_fields": _unliteral,
        "__doc__": f"numba's type of a :class:`{name}`."}))
    proxy = type(name, (structref.StructRefProxy,), {
        "__module__": module, "__qualname__": name, "__slots__": (),
        "__doc__": f"The columns of a :class:`{table.__name__}` as compiled kernels take "
                   f"them: the same arrays behind one reference (:mod:`sim.model.views`)."})
    structref.define_proxy(proxy, typ, list(table._fields))
    setattr(sys.modules[module], typ.__name__, typ)
    setattr(sys.modules[module], name, proxy)
    _PROXIES[table] = proxy
    return typ, proxy


def view_of(table):
    """The view of the named tuple ``table`` (its class passed to :func:`define` first)."""
    return _PROXIES[type(table)](*table)


_PROXIES: dict[type, type] = {}
