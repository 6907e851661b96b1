"""Datasets: demo set, ExDark, DARK FACE, image folders."""
