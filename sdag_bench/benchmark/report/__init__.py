"""Everything written from stored cells, nothing recomputed: leaderboards, paper tables,
intervals and paired tests, per-light tables, plots, report.html, the seed study."""
