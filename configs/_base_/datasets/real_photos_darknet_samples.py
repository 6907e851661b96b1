# Darknet's 6 sample photos (dog, eagle, giraffe, horses, kite, person; unlabelled, normal light):
# confident detections per image and NIQE -- what each enhancer does to well-lit photos.
_base_ = ['./real_photos_unlabelled.py']
data_root = '../shared/assets/pjreddie+darknet/'
test_dataloader = dict(dataset=dict(data_root=data_root, img_names=None))
