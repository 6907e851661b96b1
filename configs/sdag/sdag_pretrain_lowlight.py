# SDAG pretraining with the full set of low-light degradation factors: the official gamma and
# Gaussian noise, plus exposure scaling, Poisson-Gaussian sensor noise, colour cast and blur.
_base_ = ['./sdag_pretrain.py']

model = dict(degradations=[
    dict(type='GammaDegradation'),
    dict(type='GaussianNoiseDegradation'),
    dict(type='ExposureDegradation', scale_range=(0.05, 0.4)),
    dict(type='PoissonGaussianDegradation', shot_range=(0.002, 0.02), read_range=(0.002, 0.03)),
    dict(type='ColourCastDegradation', gain_range=(0.6, 1.4)),
    dict(type='BlurDegradation', sigma_range=(0.8, 2.0)),
])
