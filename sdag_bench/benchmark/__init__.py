"""The benchmark harness: cells, results store, leaderboards, plots."""
