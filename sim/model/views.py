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
- A view of one of the model's tables is made by one compiled constructor that numba
  caches on disk (:func:`view_of`), so no process compiles it again: numba's own constructor of a
  view type is compiled afresh in every process (0.4-3.5 s a table, 2.4 s of the 2.8 s
  it took to build a Kursk model in a new process).
"""

from __future__ import annotations

import sys

import numpy as np
from numba import njit
from numba.core import types
from numba.experimental import structref
from numba.extending import overload


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
    _TYPES[proxy] = typ
    _NAMES[table] = np.zeros(0, np.dtype([(name, np.uint8) for name in table._fields]))
    return typ, proxy


def view_of(table):
    """The view of the named tuple ``table`` (its class passed to :func:`define` first).

    The model's own tables (defined in ``sim.model``) are made by the cached
    :func:`_construct`; a table defined elsewhere (a test, a notebook) by numba's own
    constructor, compiled in each process, so that the cache's index of ``_construct``
    never names a type that another process cannot import.
    """
    cls = type(table)
    if cls.__module__.startswith(_MODEL):
        return _construct(table, _NAMES[cls])
    return _PROXIES[cls](*table)


_MODEL = __name__.rpartition(".")[0] + "."


_PROXIES: dict[type, type] = {}


def _as_view(table):
    """The view of ``table``, in compiled code (the overload below)."""


@overload(_as_view)
def _as_view_impl(table):
    """Builds the view of a named tuple of a class passed to :func:`define`, field by field
    (as numba's own constructor of a proxy does, but inside :func:`_construct`, which is
    cached: numba's constructor is compiled afresh in every process, about 0.4-3 s a
    table)."""
    proxy = _PROXIES.get(getattr(table, "instance_class", None))
    if proxy is None:
        return None
    fields = list(table.instance_class._fields)
    struct_type = structref_type(proxy, table)
    lines = "\n    ".join(f"st.{name} = table[{k}]" for k, name in enumerate(fields))
    source = f"def impl(table):\n    st = new(struct_type)\n    {lines}\n    return st\n"
    scope = {"new": structref.new, "struct_type": struct_type}
    exec(source, scope)
    return scope["impl"]


def structref_type(proxy, table):
    """numba's type of the view of a table typed ``table``."""
    fields = table.instance_class._fields
    return _TYPES[proxy](list(zip(fields, table.types, strict=True)))


_TYPES: dict[type, type] = {}
#: per table class, an empty record array whose dtype names its columns in order: passed to
#: :func:`_construct` so that the columns' names are part of the signature numba's cache
#: files the constructor under (a named tuple's type holds its class and column types,
#: not their names: columns of one type reordered would otherwise be put in by position
#: under the old names, by a constructor cached before the change)
_NAMES: dict[type, np.ndarray] = {}


@njit(cache=True)
def _construct(table, names):
    return _as_view(table)
