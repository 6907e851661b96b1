"""AP50 by lighting condition, from the stored per-image predictions (nothing is re-run).

ExDark's ``imageclasslist.txt`` gives every photo a lighting type (1 Low, 2 Ambient, 3 Object,
4 Single, 5 Weak, 6 Strong, 7 Screen, 8 Window, 9 Shadow, 10 Twilight) and indoor/outdoor;
``data_tools/exdark_to_coco.py --image-list`` writes them into each image of the COCO json
(``light``, ``in_out``). For every cell with stored predictions and a test json that has them,
each condition's images are a subset: its AP50 is the VOC area AP of the cell's matches with
weight 1 on those images and 0 elsewhere, and its interval comes from resampling those images
(seeded by the subset, so every row of one subset sees the same resamples and any two rows are
paired). Reported per (dataset, detector, enhancer, condition): images, boxes, AP50 [interval],
ΔAP50 against no enhancement [paired interval] and its p-value (groups of fewer than
:data:`MIN_TEST_IMAGES` photos: AP50 only).
"""
import json
import math
import os.path as osp
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd

from sdag_bench.stats import bootstrap_weights, percentile_interval, voc_ap_draws
from sdag_bench.stats.paired import paired_difference
from ..cells import BoundRows
from .intervals import cell_voc_matches, predictions_path

#: ExDark's lighting types (imageclasslist column 3).
LIGHT_TYPES = {1: 'Low', 2: 'Ambient', 3: 'Object', 4: 'Single', 5: 'Weak', 6: 'Strong',
               7: 'Screen', 8: 'Window', 9: 'Shadow', 10: 'Twilight'}
#: ExDark's indoor/outdoor (imageclasslist column 4).
IN_OUT = {1: 'indoor', 2: 'outdoor'}
#: Groups with fewer images get an AP50 but no interval or test (a resample of 1-9 photos says
#: nothing; ExDark600 has a single Shadow photo).
MIN_TEST_IMAGES = 10
#: Image field of the COCO json -> (condition name, code -> group name).
CONDITIONS = {'light': ('light', LIGHT_TYPES), 'in_out': ('in/out', IN_OUT)}


def image_conditions(ann_file: str) -> Dict[str, Dict[int, str]]:
    """Each image's group per condition, from the test set's COCO json.

    Args:
        ann_file (str): The COCO json (``light`` / ``in_out`` fields per image).

    Returns:
        dict[str, dict[int, str]]: Condition name -> image id -> group name; conditions no
        image carries are absent.
    """
    with open(ann_file) as f:
        images = json.load(f)['images']
    out: Dict[str, Dict[int, str]] = {}
    for field, (condition, names) in CONDITIONS.items():
        groups = {int(i['id']): names.get(i[field], str(i[field])) for i in images if field in i}
        if groups:
            out[condition] = groups
    return out


def _subset_weights(mask: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """(draws, N) resample counts over the images in ``mask`` (0 elsewhere)."""
    weights = np.zeros((draws, len(mask)), np.int32)
    weights[:, mask] = bootstrap_weights(int(mask.sum()), draws, seed)
    return weights


def per_light_draws(records: Sequence[Dict[str, Any]], cell_dirs: Sequence[str],
                    draws: int = 1000, seed: int = 0
                    ) -> Tuple[Dict[tuple, dict], List[str]]:
    """AP50 per condition group of every cell that allows it.

    Args:
        records (Sequence[dict]): Cell records.
        cell_dirs (Sequence[str]): Folders of their predictions files.
        draws (int): Resamples. Defaults to 1000.
        seed (int): Resampling seed. Defaults to 0.

    Returns:
        tuple[dict, list[str]]: (dataset, detector, enhancer, condition, group) -> ``point``,
        ``draws`` (B,), ``img_ids``, ``images``, ``boxes``; and notes (cells left out, why).
    """
    from ..store.predictions import PredictionsMismatch, load_bound_predictions
    out: Dict[tuple, dict] = {}
    notes: List[str] = []
    for record in records:
        cell = record['cell']
        name = f"{cell['enhancer']['name']} / {cell['dataset']['name']} / " \
               f"{cell['detector']['name']}"
        ann_file = (record.get('protocol') or {}).get('ann_file')
        path = next((p for p in (predictions_path(record, d) for d in cell_dirs) if p), None)
        if path is None or not ann_file or not osp.isfile(str(ann_file)):
            notes.append(f'{name}: no per-light AP (no stored predictions or test json)')
            continue
        conditions = image_conditions(ann_file)
        if not conditions:
            continue
        try:  # the predictions file its record was written with, nothing else
            arrays = load_bound_predictions(record, path)
        except (PredictionsMismatch, ValueError) as err:
            notes.append(f'{name}: no per-light AP ({err})')
            continue
        img_ids = np.array([int(i) for i in arrays['img_ids']])
        matches, truth, _ = cell_voc_matches(record, arrays)
        boxes_per_image = np.array([len(truth[int(i)]['labels']) for i in img_ids])
        for condition, groups in conditions.items():
            group_of = np.array([groups.get(int(i), '') for i in img_ids])
            for group in sorted(set(group_of) - {''}):
                mask = group_of == group
                # seeded by the subset: every cell on these images gets the same resamples
                subset_seed = seed + sum(int(i) for i in img_ids[mask]) % 100003
                (point, ), _ = voc_ap_draws(matches, mask[None].astype(np.int32))
                mean, _ = voc_ap_draws(matches, _subset_weights(mask, draws, subset_seed))
                out[(cell['dataset']['name'], cell['detector']['name'], cell['enhancer']['name'],
                     condition, group)] = dict(
                    point=float(point), draws=mean, img_ids=tuple(img_ids[mask]),
                    images=int(mask.sum()), boxes=int(boxes_per_image[mask].sum()))
    return out, notes


def per_light_table(subsets: Dict[tuple, dict], level: float = 0.95,
                    bounds: BoundRows = BoundRows()) -> pd.DataFrame:
    """Long table of :func:`per_light_draws` with intervals and paired tests against no
    enhancement (the lower bound of ``bounds``).

    Returns:
        pd.DataFrame: ``dataset, detector, enhancer, condition, group, images, boxes, AP50,
        AP50_lo, AP50_hi, ΔAP50, ΔAP50_lo, ΔAP50_hi, p(ΔAP50)``.
    """
    lines = []
    for key, own in sorted(subsets.items()):
        dataset, detector, enhancer, condition, group = key
        enough = own['images'] >= MIN_TEST_IMAGES
        low, high = percentile_interval(own['draws'], level) if enough else (math.nan, math.nan)
        line = dict(dataset=dataset, detector=detector, enhancer=enhancer, condition=condition,
                    group=group, images=own['images'], boxes=own['boxes'], AP50=own['point'],
                    AP50_lo=low, AP50_hi=high)
        base = subsets.get((dataset, detector, bounds.lower, condition, group))
        if base is not None and enhancer != bounds.lower and base['img_ids'] == own['img_ids'] \
                and enough:
            diff = paired_difference(own['draws'], base['draws'], own['point'], base['point'],
                                     level)
            line.update({'ΔAP50': diff['delta'], 'ΔAP50_lo': diff['low'],
                         'ΔAP50_hi': diff['high'], 'p(ΔAP50)': diff['p']})
        lines.append(line)
    return pd.DataFrame(lines)
