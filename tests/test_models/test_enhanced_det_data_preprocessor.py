import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.structures import DetDataSample

from sdag_bench.enhancers.base import BaseEnhancer
from sdag_bench.models.data_preprocessors.enhanced_det_data_preprocessor import (
    ENHANCED_FIELD, NONFINITE_KEY, EnhancedDetDataPreprocessor)

DET_ARGS = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                pad_size_divisor=32)


def _batch(sizes=((3, 50, 70), (3, 64, 40)), seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, s, generator=gen, dtype=torch.uint8) for s in sizes]
    samples = [DetDataSample(metainfo=dict(img_shape=s[1:], ori_shape=s[1:])) for s in sizes]
    return dict(inputs=inputs, data_samples=samples)


def test_identity_gives_bit_identical_detector_input():
    plain = DetDataPreprocessor(**DET_ARGS)
    enhanced = EnhancedDetDataPreprocessor(enhancer=dict(type='Identity'), **DET_ARGS)
    out_plain = plain(_batch())
    out_enh = enhanced(_batch())
    assert out_plain['inputs'].shape == out_enh['inputs'].shape
    assert torch.equal(out_plain['inputs'], out_enh['inputs'])


def test_enhancer_changes_input_and_sees_rgb():
    seen = {}

    class RecordingGamma(BaseEnhancer):
        def forward(self, x):
            seen['x'] = x.clone()
            return x.pow(0.5)

    data = _batch(sizes=((3, 32, 32), ))
    raw_bgr = data['inputs'][0].clone()
    prep = EnhancedDetDataPreprocessor(enhancer=RecordingGamma(), **DET_ARGS)
    out = prep(data)
    # the enhancer got RGB in [0, 1]
    assert torch.allclose(seen['x'][0], raw_bgr.flip(0).float() / 255)
    plain = DetDataPreprocessor(**DET_ARGS)(_batch(sizes=((3, 32, 32), )))
    assert not torch.allclose(out['inputs'], plain['inputs'])
    # and the very tensor it returned is attached to the sample for the quality metrics
    kept = out['data_samples'][0].get(ENHANCED_FIELD)
    assert torch.allclose(kept, (raw_bgr.flip(0).float() / 255).pow(0.5))
    assert out['data_samples'][0].metainfo[NONFINITE_KEY] == 0


class _Counting(BaseEnhancer):

    def __init__(self):
        super().__init__()
        self.calls = []
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        self.calls.append(x.shape[0])
        return torch.sigmoid(self.conv(x))


def test_equal_sizes_are_enhanced_together_in_chunks():
    sizes = ((3, 32, 32), ) * 5 + ((3, 16, 48), )
    outputs = {}
    for chunk, expected_calls in ((None, [1] * 6), (2, [2, 2, 1, 1]), (8, [5, 1])):
        torch.manual_seed(0)
        enhancer = _Counting()
        prep = EnhancedDetDataPreprocessor(enhancer=enhancer, enhance_batch_size=chunk,
                                           **DET_ARGS)
        outputs[chunk] = prep(_batch(sizes=sizes))['inputs']
        assert sorted(enhancer.calls, reverse=True) == expected_calls, chunk
    # chunking changes how the work is split, not the result
    assert torch.allclose(outputs[None], outputs[8], atol=1e-4)
    assert torch.allclose(outputs[2], outputs[8], atol=1e-4)


def test_enhance_batch_size_must_be_positive():
    import pytest
    with pytest.raises(ValueError, match='enhance_batch_size must be >= 1'):
        EnhancedDetDataPreprocessor(enhance_batch_size=0, **DET_ARGS)


def test_nonfinite_output_is_counted_and_neutralised():

    class Broken(BaseEnhancer):
        def forward(self, x):
            y = x.clone()
            y[:, :, :2, :2] = float('nan')
            return y

    out = EnhancedDetDataPreprocessor(enhancer=Broken(), **DET_ARGS)(_batch())
    assert torch.isfinite(out['inputs']).all()
    assert [s.metainfo[NONFINITE_KEY] for s in out['data_samples']] == [12, 12]


def test_nonfinite_count_per_image_and_huge_finite_values():
    """Only the image with an Inf counts it; values whose sum overflows float32 are finite
    (0 counted) and clamped like any other."""

    class OneInfOneHuge(BaseEnhancer):
        def forward(self, x):
            y = x.clone()
            y[0, 0, 0, 0] = float('inf')
            y[1] = 3e38
            return y

    class White(BaseEnhancer):
        def forward(self, x):
            return torch.ones_like(x)

    sizes = ((3, 50, 70), (3, 50, 70))  # one batch of two
    out = EnhancedDetDataPreprocessor(enhancer=OneInfOneHuge(), enhance_batch_size=2,
                                      **DET_ARGS)(_batch(sizes))
    assert [s.metainfo[NONFINITE_KEY] for s in out['data_samples']] == [1, 0]
    assert torch.isfinite(out['inputs']).all()
    white = EnhancedDetDataPreprocessor(enhancer=White(), **DET_ARGS)(_batch(sizes))
    assert torch.equal(out['inputs'][1], white['inputs'][1])


def test_enhancer_stays_frozen_in_train_mode():
    prep = EnhancedDetDataPreprocessor(
        enhancer=dict(type='Gamma', gamma=0.5), **DET_ARGS).train()
    assert not prep.enhancer.training
    assert all(not p.requires_grad for p in prep.enhancer.parameters())


def test_quantize_rounds_to_8bit_levels():
    prep = EnhancedDetDataPreprocessor(enhancer=dict(type='Gamma', gamma=0.7), quantize=True,
                                       **DET_ARGS)
    out = prep(_batch())
    kept = out['data_samples'][0].get(ENHANCED_FIELD) * 255
    assert torch.allclose(kept, kept.round(), atol=1e-4)
