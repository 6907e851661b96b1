"""The results store: one file per cell, its predictions, claims between runs, and the checks a
stored record must pass before it is served."""
