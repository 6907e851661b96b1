# PairLIE (Fu et al., CVPR 2023): official weights, output L^0.2 * R as in its eval.py. Training
# needs pairs of low-light shots of one scene: benchmark only.
enhancer = dict(type='PairLIE', exponent=0.2)
checkpoint = 'checkpoints/official/pairlie.pth'
