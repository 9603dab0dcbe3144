"""The browser view (``sim viz``, docs/viz.md): a Solara page that shows a battle as it
is fought, the truth beside each HQ's picture of its allies.

- :mod:`sim.viz.controls`: the page's controls, read from the schema;
- :mod:`sim.viz.session`: the battle being watched, built as ``sim run`` builds one;
- :mod:`sim.viz.drawing`: the map;
- :mod:`sim.viz.plots`: the plots beside it;
- :mod:`sim.viz.app`: the page.

Needs the ``viz`` extra (``make setup`` installs it).
"""
