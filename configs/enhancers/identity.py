# No enhancement: the lower-bound row.
enhancer = dict(type='Identity')
checkpoint = None
