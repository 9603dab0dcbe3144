"""coalition-friction's Hydra sweeper plugin (``hydra/sweeper=sim``): see ``point_sweeper``."""
