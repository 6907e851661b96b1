# The 9 LIME photos (unlabelled): confident detections per image and NIQE.
_base_ = ['./real_photos_unlabelled.py']
data_root = '../shared/assets/Li-Chongyi+Zero-DCE/test_data/LIME/'
test_dataloader = dict(dataset=dict(data_root=data_root, img_names=None))
