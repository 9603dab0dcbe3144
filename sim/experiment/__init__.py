"""Running replications, aggregating them, writing and reading run directories."""
