"""The validation report (``experiments/validation_report.py``, ``make validation``).

``runs`` runs the arms through ``sim.api``; ``checks`` judges them (pure functions, each
returning its figures, the band or tolerance it used and ``passed``); ``derived`` derives
figures from the tables; ``figures`` draws; ``render`` and ``record`` write the Markdown.
"""
