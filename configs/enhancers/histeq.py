# Global histogram equalisation of the luma (OpenCV).
enhancer = dict(type='HistEq')
checkpoint = None
