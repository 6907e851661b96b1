"""Turn a benchmark config and CLI choices into the list of cells to run."""
import glob
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from sdag_bench.paths import resolve_project_path
from .cells import CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec

resolve_path = resolve_project_path


def discover_enhancers(dirs: Sequence[str]) -> Dict[str, EnhancerSpec]:
    """Every config under ``dirs`` that defines a top-level ``enhancer``.

    A config may also define ``checkpoint`` (weights), ``label`` (shown in tables) and
    ``base_method`` (for guided variants: the name of the unguided row).

    Args:
        dirs (Sequence[str]): Folders of enhancer configs.

    Returns:
        dict[str, EnhancerSpec]: By name (the config file's stem), in sorted order.
    """
    found: Dict[str, EnhancerSpec] = {}
    for folder in dirs:
        for path in sorted(glob.glob(osp.join(resolve_path(folder), '*.py'))):
            cfg = Config.fromfile(path)
            if 'enhancer' not in cfg:
                continue
            name = Path(path).stem
            found[name] = EnhancerSpec(
                name=name, config=path, checkpoint=resolve_path(cfg.get('checkpoint')),
                label=cfg.get('label'), base=cfg.get('base_method'))
    return dict(sorted(found.items()))


def _pick(names: str, known: Dict, what: str) -> List[str]:
    if names == 'all':
        return list(known)
    chosen = [n.strip() for n in names.split(',') if n.strip()]
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise KeyError(f'unknown {what} {unknown}; known {what}s: {", ".join(known) or "none"}')
    return chosen


def plan_cells(bench_cfg: Config, enhancers: str = 'all', datasets: str = 'all',
               detectors: str = 'all', detector_checkpoint: Optional[str] = None,
               with_bounds: bool = True) -> Tuple[List[CellSpec], List[str]]:
    """List the cells to run.

    Args:
        bench_cfg (Config): Benchmark config (``datasets``, ``detectors``, ``enhancer_dirs``,
            optional ``upper_bound``).
        enhancers (str): 'all' or comma-separated names. 'all' skips learnable enhancers
            whose checkpoint file is missing (reported); named ones must be complete.
        datasets (str): 'all' or comma-separated names of ``bench_cfg.datasets``.
        detectors (str): 'all' or comma-separated names of ``bench_cfg.detectors``.
        detector_checkpoint (str, optional): Overrides the checkpoint of the (single) detector.
        with_bounds (bool): Add the identity (lower bound) and normal-light (upper bound) rows.
            Defaults to True.

    Returns:
        tuple[list[CellSpec], list[str]]: The cells and human-readable notes on skipped rows.
    """
    known_enhancers = discover_enhancers(bench_cfg.enhancer_dirs)
    chosen = _pick(enhancers, known_enhancers, 'enhancer')
    notes: List[str] = []
    rows: List[EnhancerSpec] = []
    for name in chosen:
        spec = known_enhancers[name]
        if spec.checkpoint and not osp.isfile(spec.checkpoint):
            message = (f'enhancer {name}: checkpoint {spec.checkpoint} not found (convert or '
                       f'train it first, see README)')
            if enhancers != 'all':
                raise FileNotFoundError(message)
            notes.append(f'skipped {message}')
            continue
        rows.append(spec)
    if with_bounds:
        if 'identity' in known_enhancers and 'identity' not in chosen:
            rows.insert(0, known_enhancers['identity'])
        upper = bench_cfg.get('upper_bound')
        if upper:
            rows.insert(0, EnhancerSpec(
                name=upper['name'], config=resolve_path(upper['config']),
                label=upper.get('label'), dataset_overrides=dict(upper['dataset_overrides'])))

    dataset_specs = [
        DatasetSpec(name=n, config=resolve_path(bench_cfg.datasets[n]['config']),
                    split=bench_cfg.datasets[n].get('split', 'test'))
        for n in _pick(datasets, bench_cfg.datasets, 'dataset')
    ]
    detector_names = _pick(detectors, bench_cfg.detectors, 'detector')
    if detector_checkpoint and len(detector_names) != 1:
        raise ValueError('--checkpoint needs exactly one detector (use --detectors NAME)')
    detector_specs = []
    for n in detector_names:
        checkpoint = detector_checkpoint or bench_cfg.detectors[n].get('checkpoint')
        checkpoint = resolve_path(checkpoint)
        if checkpoint and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'detector {n}: checkpoint {checkpoint} not found. Pass a local file with '
                f'--checkpoint, or download it on a machine with internet and copy it here')
        detector_specs.append(DetectorSpec(name=n, config=resolve_path(
            bench_cfg.detectors[n]['config']), checkpoint=checkpoint))
    cells = [CellSpec(e, d, t) for d in dataset_specs for t in detector_specs for e in rows]
    return cells, notes
