"""YOLOv3-tiny from mmdet's parts and the darknet reader, without third-party files.

The conformance to OpenCV's darknet reader on real weights and photos is in
test_yolov3_tiny_conformance.py (it needs ../shared/assets).
"""
import numpy as np
import pytest
import torch
from mmdet.models.dense_heads import YOLOV3Head
from mmdet.models.detectors import YOLOV3
from mmengine.config import Config

from sdag_bench.detectors.darknet_cfg import DarknetCfgError, parse_darknet_cfg
from sdag_bench.detectors.darknet_weights import (DarknetWeightsError, darknet_state_dict,
                                                  read_darknet_weights)
from sdag_bench.detectors.yolov3_tiny import YOLOV3_TINY_KEY_MAP, DarknetMaxPool2d
from sdag_bench.utils.paths import PROJECT_ROOT
from sdag_bench.registry import MODELS

COCO_CONFIG = str(PROJECT_ROOT / 'configs/detectors/coco/yolov3_tiny.py')

# A small cfg in darknet's format: conv with BN, stride-1 maxpool, route, conv without BN.
TINY_CFG = """[net]
width=8
height=8
channels=3

[convolutional]
batch_normalize=1
filters=2
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=1

[route]
layers = -1, 0

# comment
[convolutional]
size=1
stride=1
pad=1
filters=5
activation=linear
"""


def _write_tiny(tmp_path, extra: bytes = b'', cut: int = 0):
    """Write TINY_CFG and a weight file whose float values count 0, 1, 2, ... in file order."""
    cfg = tmp_path / 'tiny.cfg'
    cfg.write_text(TINY_CFG)
    # layer 0: 4 x 2 BN values + 2*3*3*3 weights; layer 3 (input 2 + 2 = 4 ch): 5 bias + 5*4
    values = np.arange(4 * 2 + 54 + 5 + 20, dtype='<f4')
    header = np.array([0, 2, 5], '<i4').tobytes() + np.array([1234], '<i8').tobytes()
    data = header + values.tobytes() + extra
    weights = tmp_path / 'tiny.weights'
    weights.write_bytes(data[:len(data) - cut])
    return str(cfg), str(weights)


def test_maxpool_size2_stride1_pads_right_and_bottom():
    x = torch.tensor([[1., 5., 2.], [0., 3., 9.], [4., -1., -2.]])[None, None]
    out = DarknetMaxPool2d(2, 1)(x)[0, 0]
    # each output is the max of its own pixel, the one right, below and below-right (if any)
    expected = torch.tensor([[5., 9., 9.], [4., 9., 9.], [4., -1., -2.]])
    assert torch.equal(out, expected)


def test_maxpool_size2_stride2_rounds_odd_sizes_up():
    x = torch.arange(25.).reshape(1, 1, 5, 5) * -1  # max is top-left of each window
    out = DarknetMaxPool2d(2, 2)(x)[0, 0]
    assert out.shape == (3, 3)
    assert out[2, 2] == -24 and out[0, 2] == -4 and out[2, 0] == -20


def test_model_is_mmdet_yolov3_with_two_levels():
    model = MODELS.build(Config.fromfile(COCO_CONFIG).model).eval()
    assert type(model) is YOLOV3 and type(model.bbox_head) is YOLOV3Head
    assert model.bbox_head.featmap_strides == [32, 16]
    anchors = model.bbox_head.prior_generator.base_sizes
    assert anchors == [[(81, 82), (135, 169), (344, 319)], [(10, 14), (23, 27), (37, 58)]]
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 416, 416))
        maps = model.bbox_head(feats)[0]
    assert [tuple(f.shape[1:]) for f in feats] == [(256, 13, 13), (384, 26, 26)]
    assert [tuple(m.shape[1:]) for m in maps] == [(255, 13, 13), (255, 26, 26)]
    preprocessor = Config.fromfile(COCO_CONFIG).model.data_preprocessor
    assert preprocessor.type == 'DetDataPreprocessor' and preprocessor.bgr_to_rgb
    assert list(preprocessor.mean) == [0, 0, 0] and list(preprocessor.std) == [255] * 3


def test_key_map_names_every_tensor_of_the_model():
    """Synthetic darknet layers with yolov3-tiny's conv layout fill the model exactly."""
    model = MODELS.build(Config.fromfile(COCO_CONFIG).model)
    own = model.state_dict()
    layers = {}
    for index, prefix in YOLOV3_TINY_KEY_MAP.items():
        if f'{prefix}.bn.weight' in own:
            n = own[f'{prefix}.bn.weight'].numel()
            layers[index] = dict(weight=own[f'{prefix}.conv.weight'].numpy() * 0 + index,
                                 **{k: np.full(n, index, 'f4') for k in
                                    ('bn_bias', 'bn_weight', 'bn_mean', 'bn_var')})
        else:
            layers[index] = dict(weight=own[f'{prefix}.weight'].numpy() * 0 + index,
                                 bias=np.full(own[f'{prefix}.bias'].numel(), index, 'f4'))
    state = darknet_state_dict(layers, YOLOV3_TINY_KEY_MAP)
    assert set(state) == set(own)
    model.load_state_dict(state, strict=True)
    assert (model.backbone.convs[6].bn.running_var == 12).all()
    assert (model.neck.conv_up.conv.weight == 18).all()
    assert (model.bbox_head.convs_pred[1].bias == 22).all()


def test_cfg_channels_and_route(tmp_path):
    cfg = parse_darknet_cfg(_write_tiny(tmp_path)[0])
    assert cfg.net['width'] == '8'
    assert [(layer.index, layer.type) for layer in cfg.layers] == [
        (0, 'convolutional'), (1, 'maxpool'), (2, 'route'), (3, 'convolutional')]
    assert [layer.out_channels for layer in cfg.layers] == [2, 2, 4, 5]
    assert cfg.layers[3].in_channels == 4 and cfg.layers[3].line == 22


def test_weights_are_read_in_darknet_order(tmp_path):
    header, layers = read_darknet_weights(_write_tiny(tmp_path)[1],
                                          parse_darknet_cfg(_write_tiny(tmp_path)[0]))
    assert header == dict(major=0, minor=2, revision=5, seen=1234)
    assert sorted(layers) == [0, 3]
    # file order: BN bias, BN scale, mean, var, then the weights (out, in, kh, kw)
    assert layers[0]['bn_bias'].tolist() == [0, 1] and layers[0]['bn_var'].tolist() == [6, 7]
    assert layers[0]['weight'].shape == (2, 3, 3, 3) and layers[0]['weight'][0, 0, 0, 1] == 9
    assert layers[3]['bias'].tolist() == [62, 63, 64, 65, 66]
    assert layers[3]['weight'].shape == (5, 4, 1, 1) and layers[3]['weight'][1, 0, 0, 0] == 71
    state = darknet_state_dict(layers, {0: 'a', 3: 'b'})
    assert state['a.bn.weight'].tolist() == [2, 3] and state['a.bn.running_mean'].tolist() == [4, 5]
    assert state['b.bias'].tolist() == [62, 63, 64, 65, 66]


@pytest.mark.parametrize('extra, cut, message', [
    (b'', 4, 'layer 3 (convolutional, line 22) needs 100 bytes at offset 268, only 96'),
    (b'\0' * 8, 0, '8 bytes left over after layer 3 (convolutional, line 22)'),
], ids=['short', 'bytes_left_over'])
def test_weights_strict_about_size(tmp_path, extra, cut, message):
    cfg, weights = _write_tiny(tmp_path, extra=extra, cut=cut)
    with pytest.raises(DarknetWeightsError, match=message.replace('(', r'\(').replace(')', r'\)')):
        read_darknet_weights(weights, parse_darknet_cfg(cfg))


def test_key_map_must_cover_the_conv_layers(tmp_path):
    cfg, weights = _write_tiny(tmp_path)
    _, layers = read_darknet_weights(weights, parse_darknet_cfg(cfg))
    with pytest.raises(DarknetWeightsError, match=r'missing from the map \[3\]'):
        darknet_state_dict(layers, {0: 'a'})


def test_cfg_errors_name_the_layer(tmp_path):
    bad = tmp_path / 'bad.cfg'
    bad.write_text(TINY_CFG.replace('layers = -1, 0', 'layers = 5'))
    with pytest.raises(DarknetCfgError, match=r'layer 2 \(route, line 18\)'):
        parse_darknet_cfg(str(bad))
    bad.write_text(TINY_CFG + '\n[lstm]\n')
    with pytest.raises(DarknetCfgError, match=r'layer 4 \(lstm, line 29\).*not supported'):
        parse_darknet_cfg(str(bad))
