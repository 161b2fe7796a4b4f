"""Population margins (census counts by cell) per unit and period, for post-stratification and raking."""
