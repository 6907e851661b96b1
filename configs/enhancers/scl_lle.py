# SCL-LLE (Liang et al., AAAI 2022): Zero-DCE's DCE-Net trained with semantic contrastive losses
# (the segmentation network they need is not available here), so only its official weights are
# benchmarked; its test script runs the network exactly as Zero-DCE's.
enhancer = dict(type='ZeroDCE')
checkpoint = 'checkpoints/official/scl_lle.pth'
