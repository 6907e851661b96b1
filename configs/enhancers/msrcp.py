# Multi-scale Retinex with chromaticity preservation (Petro et al., IPOL 2014), scales 15/80/250.
enhancer = dict(type='MSRCP', sigmas=(15, 80, 250), percentiles=(0.01, 0.99))
checkpoint = None
