"""One pass over a test set: enhance each batch once, then let every detector look at it."""
import dataclasses
from typing import List, Optional

import torch
from mmengine.dist import get_world_size, is_main_process
from mmengine.evaluator import Evaluator
from tqdm import tqdm

from sdag_bench.metrics.image_quality_metric import NONFINITE_KEY
from .detector_transforms import DetectorTestTransforms, to_uint8_images
from .frozen_detector import inner_detector, run_detector
from .nonfinite import NonFiniteOutputCounter
from .enhanced_folder import PrecomputedOutputs, empty_predictions
from ..store.predictions import PredictionCollector


@dataclasses.dataclass
class DetectorPass:
    """One detector's part of a shared pass: the detector, its own test-time transforms and
    what collects its outputs.

    Args:
        detector (nn.Module): From ``build_frozen_detector``.
        transforms (DetectorTestTransforms): The detector config's test-time transforms.
        evaluator (Evaluator): The dataset's metrics (and extra detector metrics) of its cell.
        collector (PredictionCollector): Its per-image predictions (stored with the cell).
        watcher (NonFiniteOutputCounter): Counts images with NaN/Inf detector outputs.
    """

    detector: torch.nn.Module
    transforms: DetectorTestTransforms
    evaluator: Evaluator
    collector: PredictionCollector
    watcher: NonFiniteOutputCounter


@dataclasses.dataclass
class PassCounts:
    """What one rank counted during a pass (summed over ranks by the caller).

    Args:
        nonfinite_images (int): Enhanced images with NaN/Inf (replaced before detection).
        resized_for_enhancement (int): Images the dataset pipeline resized before enhancement.
    """

    nonfinite_images: int = 0
    resized_for_enhancement: int = 0


def enhancing_preprocessor(detector: torch.nn.Module, enhancer: torch.nn.Module,
                           enhance_batch_size: Optional[int] = None):
    """Set up a detector's preprocessor to enhance the shared images.

    It enhances with its channel order and rounds to 8 bits, as saving to PNG would; every
    detector then takes the same uint8 images.

    Args:
        detector (nn.Module): The detector whose preprocessor enhances (the first of a pass).
        enhancer (nn.Module): The cell's enhancer.
        enhance_batch_size (int, optional): Images per enhancer call; None keeps the
            preprocessor's default.

    Returns:
        EnhancedDetDataPreprocessor: The preprocessor, enhancing.
    """
    enhancing = inner_detector(detector).data_preprocessor
    enhancing.set_enhancer(enhancer)
    enhancing.quantize = True
    enhancing.keep_enhanced = True
    if enhance_batch_size is not None:
        enhancing.enhance_batch_size = enhance_batch_size
    return enhancing


def run_single_pass(dataloader, enhancing, detector_passes: List[DetectorPass],
                    image_evaluator: Optional[Evaluator] = None,
                    outputs_folder: Optional[PrecomputedOutputs] = None, desc: str = '',
                    progress: bool = True) -> PassCounts:
    """Enhance every batch once and feed the same uint8 images to every detector.

    Image-only metrics (``image_evaluator``) see the enhanced images; each detector's outputs
    go to its own evaluator and collector (see :func:`run_detector`).

    Args:
        dataloader (DataLoader): The cells' test data loader.
        enhancing (EnhancedDetDataPreprocessor): From :func:`enhancing_preprocessor`.
        detector_passes (list[DetectorPass]): One per detector (cell).
        image_evaluator (Evaluator, optional): Metrics of the enhanced images alone.
        outputs_folder (PrecomputedOutputs, optional): A folder of enhanced images whose files
            replace the enhancer's outputs.
        desc (str): Label of the progress bar. Defaults to ''.
        progress (bool): Show a progress bar on the main process. Defaults to True.

    Returns:
        PassCounts: This rank's counts.
    """
    counts = PassCounts()
    bar = tqdm(total=len(dataloader.dataset), desc=desc, unit='img', leave=False,
               disable=not (progress and is_main_process()))
    with torch.inference_mode():
        for data_batch in dataloader:
            data = enhancing.cast_data(data_batch)
            samples = data['data_samples']
            enhanced = to_uint8_images(enhancing.enhance_inputs(data['inputs'], samples))
            failed = outputs_folder.substitute(enhanced, samples, enhancing.input_channel_order) \
                if outputs_folder else []
            counts.nonfinite_images += sum(
                1 for s in samples if s.metainfo.get(NONFINITE_KEY, 0) > 0)
            counts.resized_for_enhancement += sum(1 for s in samples if _resized_when_loaded(s))
            if image_evaluator:
                image_evaluator.process(data_samples=samples, data_batch=data_batch)
                for one in detector_passes:
                    one.collector.add_quality_from(image_evaluator, samples)
            for one in detector_passes:
                outputs = run_detector(one.detector, one.transforms, enhanced, samples)
                one.watcher.update(outputs)
                empty_predictions(outputs, failed)  # no usable output: nothing found
                one.evaluator.process(data_samples=outputs, data_batch=data_batch)
                one.collector.add(outputs)
            bar.update(len(samples) * get_world_size())
    bar.close()
    return counts


def _resized_when_loaded(sample) -> bool:
    """Whether the dataset pipeline changed the image size before enhancement."""
    meta = sample.metainfo
    ori, shape = meta.get('ori_shape'), meta.get('img_shape')
    return ori is not None and shape is not None and tuple(ori[:2]) != tuple(shape[:2])


__all__ = ['DetectorPass', 'PassCounts', 'enhancing_preprocessor', 'run_single_pass']
