"""Image-quality and cost metrics."""
