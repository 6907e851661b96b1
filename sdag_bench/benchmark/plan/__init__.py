"""From a benchmark config and the command line to the list of cells: rows, datasets, detectors,
enhanced-image folders, fine-tuned pairs, seed cells, and ``--list``."""
