"""ImageQualityMetric: NIQE / PSNR / SSIM of the enhanced tensors, through mmengine's Evaluator."""
import math

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.evaluator import Evaluator
from mmengine.structures import BaseDataElement

from sdag_bench.metrics import ImageQualityMetric, lower_better, psnr, ssim
from sdag_bench.metrics.niqe import niqe
from sdag_bench.registry import METRICS


def _images(n: int, size=(200, 300), seed: int = 0) -> list:
    gen = torch.Generator().manual_seed(seed)
    base = torch.linspace(0, 1, size[1]).expand(3, *size)
    return [(base * 0.8 + 0.2 * torch.rand(3, *size, generator=gen)).clamp(0, 1)
            for _ in range(n)]


def _sample(img: torch.Tensor, **metainfo) -> DetDataSample:
    sample = DetDataSample(metainfo=metainfo)
    sample.set_field(img, 'enhanced_img')
    return sample


def test_built_from_registry_and_directions():
    metric = METRICS.build(dict(type='ImageQualityMetric', metrics=['niqe']))
    assert isinstance(metric, ImageQualityMetric) and metric.prefix == 'quality'
    assert ImageQualityMetric.directions == {'niqe': 'lower', 'psnr': 'higher', 'ssim': 'higher'}
    assert lower_better('niqe') and not lower_better('ssim')
    with pytest.raises(ValueError, match='supported'):
        ImageQualityMetric(metrics=['brisque'])


def test_evaluator_means_and_references_from_the_input_batch():
    enhanced = _images(3)
    refs = [(img * 255).round().to(torch.uint8) for img in _images(3, seed=1)]
    evaluator = Evaluator([dict(type='ImageQualityMetric')])
    outputs = [_sample(img, img_shape=img.shape[1:]) for img in enhanced]
    batch = dict(data_samples=[BaseDataElement(gt_img=ref) for ref in refs])
    evaluator.process(data_samples=outputs, data_batch=batch)
    result = evaluator.evaluate(3)
    ref_float = torch.stack(refs).float() / 255
    expected_niqe = niqe(torch.stack(enhanced)).mean().item()
    assert result['quality/niqe'] == pytest.approx(expected_niqe, rel=1e-9)
    assert result['quality/psnr'] == pytest.approx(
        psnr(torch.stack(enhanced), ref_float).mean().item(), rel=1e-9)
    assert result['quality/ssim'] == pytest.approx(
        ssim(torch.stack(enhanced), ref_float).mean().item(), rel=1e-9)
    assert result['quality/num_images'] == 3 and result['quality/nonfinite_images'] == 0
    assert result['quality/psnr_count'] == 3


def test_nonfinite_images_are_counted_not_averaged():
    good = _images(2)
    with_nan = good[0].clone()
    with_nan[0, 5, 5] = float('nan')
    with_inf = good[1].clone()
    with_inf[1, 0, 0] = float('inf')
    metric = ImageQualityMetric(metrics=['niqe'])
    samples = [dict(enhanced_img=good[0]), dict(enhanced_img=with_nan),
               dict(enhanced_img=with_inf), _sample(good[1], enhancer_nonfinite=7).to_dict()]
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    assert out['nonfinite_images'] == 3 and out['niqe_count'] == 1
    assert out['niqe'] == pytest.approx(niqe(good[0]).item(), rel=1e-12)


def test_unpaired_and_small_images_skip_what_they_cannot_score():
    metric = ImageQualityMetric()
    small = torch.rand(3, 64, 300)  # below the 96x96 NIQE block
    metric.process({}, [dict(enhanced_img=small), dict(enhanced_img=_images(1)[0])])
    out = metric.compute_metrics(metric.results)
    assert out['niqe_count'] == 1 and out['psnr_count'] == 0 and out['ssim_count'] == 0
    assert math.isnan(out['psnr']) and math.isfinite(out['niqe'])


def test_missing_enhanced_image_is_a_clear_error():
    metric = ImageQualityMetric()
    with pytest.raises(KeyError, match='keep_enhanced'):
        metric.process({}, [dict(img_path='x.png')])
