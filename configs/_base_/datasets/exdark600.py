# 600 photos of ExDark's official test split (50 per class of imageclasslist) with their boxes,
# as re-encoded JPEGs (same size as the originals, pixel values a few levels off: numbers on them
# are real ExDark numbers, not identical to numbers on the official files). Made by the project's
# converter into data/exdark600 (`make exdark600`, README "Real ExDark"):
#   data/exdark600/images -> the photos' folder (images/test/<stem>.jpg; a link, never a copy)
#   data/exdark600/annotations/exdark_official_test.json (with each photo's Light and In/Out
#   from imageclasslist.txt, for the per-light tables)
# Metrics: the ExDark protocol (VOC AP50, area mode, per class) and COCO mAP.
_base_ = ['./exdark.py']
data_root = 'data/exdark600/'
ann_file = 'annotations/exdark_official_test.json'

test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img='images/'),
        # an unreadable photo is left out and counted in the cell (skipped_images), not fatal
        skip_bad_images=True))
test_evaluator = [
    _base_.voc_evaluator,
    dict(_base_.coco_evaluator, ann_file=data_root + ann_file, prefix='coco'),
]
