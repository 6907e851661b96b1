# The ExDark zoo's training data and short CPU schedule, shared by configs/exdark_zoo/*.py (each
# reads these names through `_base_.`): the 300 real ExDark official-train photos of
# ../shared/assets/Chinese-sausage+ExDark/images/train (re-encoded JPEGs of the originals; never
# copied into the project), unsupervised (no normal-light image): random 128-px crops, batch 8,
# 120 iterations (Zero-DCE at 256 px took 15 s an iteration on the shared 2-core CPU).
exdark_train_images = '../shared/assets/Chinese-sausage+ExDark/images/train'
# an unreadable or too small photo (shorter side < 16 px) is skipped, counted and logged
exdark_train_dataloader = dict(
    batch_size=8, dataset=dict(data_root=exdark_train_images, crop_size=128, skip_bad=True))
exdark_train_cfg = dict(max_iters=120)
# one checkpoint, at the end (tools/train_exdark_zoo.sh exports it)
exdark_checkpoint_hook = dict(checkpoint=dict(interval=120))
