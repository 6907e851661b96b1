# Zero-DCE trained with SDAG guidance by the SDAG authors (official ZeroDCE_SDAG.pth).
_base_ = './zerodce.py'

checkpoint = 'checkpoints/official/zerodce_sdag.pth'
base_method = 'zerodce'  # the unguided row
