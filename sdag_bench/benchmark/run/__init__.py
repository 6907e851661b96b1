"""Computing cells: enhance once, run every frozen detector at its own protocol, score, store;
reuse finished cells, recompute and verify."""
