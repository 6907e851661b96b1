# Global gamma brightening, y = x ** 0.4.
enhancer = dict(type='Gamma', gamma=0.4)
checkpoint = None
