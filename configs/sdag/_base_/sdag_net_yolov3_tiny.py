# SDAG network over a detector trained on real images: SemanticAwareNet whose extractor is the
# stem and first stage (conv 3->16, max-pool, conv 16->32; stride 2) of darknet's COCO
# YOLOv3-tiny, converted by tools/convert_darknet.py. Pretrained by
# ../sdag_pretrain_yolov3_tiny.py (DICM / LIME / SCI photos) and
# ../sdag_pretrain_yolov3_tiny_exdark.py (ExDark train photos); it guides configs/exdark_zoo.
sdag_net = dict(
    type='SemanticAwareNet',
    extractor=dict(
        type='DetectorStem',
        config='configs/detectors/coco/yolov3_tiny.py',
        checkpoint='checkpoints/darknet/yolov3_tiny_coco.pth',
        num_stages=1))
