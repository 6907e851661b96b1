# Contrast-limited adaptive histogram equalisation of CIELAB L (OpenCV), clip 2, 8 x 8 tiles.
enhancer = dict(type='CLAHE', clip_limit=2.0, tile_grid_size=(8, 8))
checkpoint = None
