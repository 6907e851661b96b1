# RUAS with the official "dark" weights (no denoiser, as its test script runs them).
_base_ = './ruas.py'

checkpoint = 'checkpoints/official/ruas_dark.pth'
