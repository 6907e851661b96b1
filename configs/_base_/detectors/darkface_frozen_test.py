# The DARK FACE test set of configs/_base_/datasets/darkface.py for frozen detector configs: the
# set-up of exdark_frozen_test.py (loader, VOC AP50 in area mode, meta keys; its header shows the
# use) with another dataset, root and json.
_base_ = ['./exdark_frozen_test.py']

frozen_test_dataset = dict(
    type='DarkFaceDataset',
    data_root='data/darkface/',
    ann_file='annotations/darkface_ratio80_seed0_test.json',
    data_prefix=dict(img='image/'))
