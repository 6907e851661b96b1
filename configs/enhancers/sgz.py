# SGZ (Zheng & Gupta, WACV 2022): the Zero-DCE++ network trained with an extra semantic loss (the
# segmentation network it needs is not available here), so only its official weights are
# benchmarked, at scale factor 12 as in its test script.
enhancer = dict(type='ZeroDCEPP', scale_factor=12)
checkpoint = 'checkpoints/official/sgz.pth'
