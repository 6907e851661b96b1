# RUAS with the official "lol" weights and its noise-removal network, as its test script runs
# them. Training adds the denoiser's loss (TV + 1e-7 MSE to the un-denoised image).
_base_ = './ruas.py'

enhancer = dict(type='RUAS', denoise=True)
checkpoint = 'checkpoints/official/ruas_lol.pth'

model = dict(
    enhancer=enhancer,
    losses=dict(loss_denoise=dict(type='RUASDenoiseLoss', loss_weight=1.0)))
