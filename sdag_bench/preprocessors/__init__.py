"""Data preprocessors that put an enhancer in front of any mmdet detector."""
