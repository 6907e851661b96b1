# Unsupervised enhancer training: Adam at a constant rate, gradient-norm clipping, counted in
# iterations (the Zero-DCE recipe: lr 1e-4, weight decay 1e-4, clip 0.1). No validation loop.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=5000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
