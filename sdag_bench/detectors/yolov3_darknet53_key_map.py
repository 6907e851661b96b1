"""Key map from darknet's full ``yolov3.cfg`` (Darknet-53, three YOLO levels) to mmdet's own
``YOLOV3`` (``Darknet`` depth 53, ``YOLOV3Neck``, ``YOLOV3Head``), as built by
configs/detectors/coco/yolov3_d53_darknet.py.

darknet's yolov3.cfg (107 layers, 75 convolutions; cfg layer indices from 0):

* 0: conv 32 3x3 -> ``backbone.conv1``; then five stages, each a 3x3 stride-2 conv
  (``backbone.conv_res_block<s>.conv``) followed by 1, 2, 8, 8, 4 residual blocks of a 1x1 conv,
  a 3x3 conv and a ``[shortcut] from=-3`` (``...res<r>.conv1``, ``...res<r>.conv2``): layers 1-74;
  stage 3 ends at layer 36, stage 4 at 61, stage 5 at 74.
* 75-79: five convs 1x1/3x3/1x1/3x3/1x1 -> ``neck.detect1.conv1..5``; 80: 3x3 ->
  ``bbox_head.convs_bridge.0``; 81: 1x1 linear -> ``bbox_head.convs_pred.0``; 82: yolo
  (mask 6,7,8, stride 32).
* 83: route -4 (= 79); 84: conv 1x1 -> ``neck.conv1``; 85: upsample; 86: route -1, 61;
  87-91 -> ``neck.detect2.conv1..5``; 92, 93 -> bridge / pred 1; 94: yolo (mask 3,4,5).
* 95: route -4 (= 91); 96 -> ``neck.conv2``; 97: upsample; 98: route -1, 36;
  99-103 -> ``neck.detect3.conv1..5``; 104, 105 -> bridge / pred 2; 106: yolo (mask 0,1,2).

Not yet checked against the real ``yolov3.weights`` (not among the project's offline files): the
layout above is tested on a generated cfg against a plain darknet interpreter.
"""
from typing import Dict

#: Residual blocks per Darknet-53 stage.
DARKNET53_BLOCKS = (1, 2, 8, 8, 4)


def yolov3_darknet53_key_map() -> Dict[int, str]:
    """cfg layer index of every convolution of yolov3.cfg -> module prefix in mmdet's YOLOV3.

    Returns:
        dict[int, str]: 75 entries, e.g. ``{0: 'backbone.conv1', 1:
        'backbone.conv_res_block1.conv', 2: 'backbone.conv_res_block1.res0.conv1', ...}``.
    """
    key_map = {0: 'backbone.conv1'}
    index = 1
    for stage, blocks in enumerate(DARKNET53_BLOCKS, start=1):
        prefix = f'backbone.conv_res_block{stage}'
        key_map[index] = f'{prefix}.conv'
        index += 1
        for block in range(blocks):
            key_map[index] = f'{prefix}.res{block}.conv1'
            key_map[index + 1] = f'{prefix}.res{block}.conv2'
            index += 3  # conv1, conv2, shortcut
    assert index == 75, index
    for level in range(3):
        if level:  # route -4, the 1x1 conv before upsampling, upsample, route -1, skip
            key_map[index + 1] = f'neck.conv{level}'
            index += 4
        for conv in range(5):
            key_map[index + conv] = f'neck.detect{level + 1}.conv{conv + 1}'
        key_map[index + 5] = f'bbox_head.convs_bridge.{level}'
        key_map[index + 6] = f'bbox_head.convs_pred.{level}'
        index += 8  # five convs, bridge, pred, yolo
    return key_map


#: See :func:`yolov3_darknet53_key_map`.
YOLOV3_DARKNET53_KEY_MAP: Dict[int, str] = yolov3_darknet53_key_map()
