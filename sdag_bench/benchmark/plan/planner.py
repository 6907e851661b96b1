"""Turn a benchmark config and CLI choices into the list of cells to run."""
import ast
import glob
import hashlib
import os.path as osp
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from sdag_bench.utils.paths import resolve_project_path
from ...utils.file_hashes import file_sha256
from ..cells import (BoundRows, CellSpec, DatasetSpec, DetectorSpec, EnhancerSpec,
                     load_config)
from .dataset_options import dataset_cfg_options, split_label
from .finetuned_rows import PAIRING_KEY, enhancer_pairing, paired_cells

#: Converted third-party weights live here (tools/convert_official.py); rows using them are
#: labelled 'official weights' unless their config sets ``label``.
OFFICIAL_DIR = 'checkpoints/official/'


def find_benchmark_config(name: str) -> Optional[str]:
    """A benchmark config file: ``name`` itself, or ``configs/benchmark/<name>.py``.

    Args:
        name (str): A path or a benchmark name (``demo``, ``exdark``, ...).

    Returns:
        str | None: The existing file, or None.
    """
    for candidate in (name, osp.join('configs', 'benchmark', f'{name}.py')):
        path = resolve_project_path(candidate)
        if path and osp.isfile(path):
            return path
    return None


_STATIC_FIELDS = ('enhancer', 'checkpoint', 'label', 'base_method')
_UNKNOWN = object()  # a value that is not a literal (computed when the config runs)


def static_config_fields(path: str, _seen: Optional[set] = None) -> Dict[str, Any]:
    """Top-level ``enhancer``, ``checkpoint``, ``label`` and ``base_method`` of a config,
    read without executing it (``ast``), following its local ``_base_`` files.

    Config files are Python and run when parsed; discovery must not run every file of the
    enhancer folders, only the selected ones. Values that are not literals read as unknown.

    Args:
        path (str): Config file.

    Returns:
        dict: The fields found (``enhancer`` maps to True when assigned).
    """
    _seen = _seen if _seen is not None else set()
    path = osp.abspath(path)
    if path in _seen or not osp.isfile(path):
        return {}
    _seen.add(path)
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    fields: Dict[str, Any] = {}
    own: Dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and
                isinstance(node.targets[0], ast.Name)):
            continue
        name = node.targets[0].id
        if name == '_base_':
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                continue
            for base in [bases] if isinstance(bases, str) else list(bases):
                if isinstance(base, str) and '::' not in base:
                    fields.update(static_config_fields(
                        osp.join(osp.dirname(path), base), _seen))
        elif name in _STATIC_FIELDS:
            if name == 'enhancer':
                own[name] = True
                continue
            try:
                own[name] = ast.literal_eval(node.value)
            except ValueError:
                own[name] = _UNKNOWN
    fields.update(own)
    return fields


def discover_enhancers(dirs: Sequence[str],
                       official_suffix: Optional[str] = None) -> Dict[str, EnhancerSpec]:
    """Every config under ``dirs`` that defines a top-level ``enhancer`` (read statically).

    A config may also define ``checkpoint`` (weights), ``label`` (shown in tables; defaults to
    'official weights' for checkpoints under ``checkpoints/official/``) and ``base_method`` (for
    guided variants: the name of the unguided row). Discovery reads these with ``ast`` and runs
    no config; :func:`load_enhancer_spec` runs a selected one and takes its real values.

    Rows are named after the config file's stem. Two configs with the same stem are an error,
    unless ``official_suffix`` is given: then rows with official weights are renamed
    ``<stem><official_suffix>`` (stems already ending in it are kept), and so is a
    ``base_method`` naming such a row. The demo uses this to list the project-trained
    ``zerodce`` next to ``zerodce_official``.

    Args:
        dirs (Sequence[str]): Folders of enhancer configs.
        official_suffix (str, optional): Suffix for rows with official weights. Defaults to
            None (names are the stems).

    Returns:
        dict[str, EnhancerSpec]: By name, in sorted order.

    Raises:
        ValueError: Two configs give the same row name.
    """
    specs: List[EnhancerSpec] = []
    for folder in dirs:
        for path in sorted(glob.glob(osp.join(resolve_project_path(folder), '*.py'))):
            fields = static_config_fields(path)
            if not fields.get('enhancer'):
                continue
            known = {k: (None if v is _UNKNOWN else v) for k, v in fields.items()}
            checkpoint = known.get('checkpoint') if isinstance(known.get('checkpoint'),
                                                               str) else None
            label = known.get('label')
            if label is None and checkpoint and OFFICIAL_DIR in checkpoint.replace('\\', '/'):
                label = 'official weights'
            specs.append(EnhancerSpec(
                name=Path(path).stem, config=path, checkpoint=resolve_project_path(checkpoint),
                label=label, base=known.get('base_method')))
    if official_suffix:
        renamed = {
            s.name: s.name if s.name.endswith(official_suffix) else s.name + official_suffix
            for s in specs if s.label == 'official weights'
        }
        for spec in specs:
            if spec.label == 'official weights':
                spec.name = renamed[spec.name]
                spec.base = renamed.get(spec.base, spec.base)
    found: Dict[str, EnhancerSpec] = {}
    for spec in specs:
        if spec.name in found:
            raise ValueError(f'enhancer row {spec.name!r} is defined twice: '
                             f'{found[spec.name].config} and {spec.config}; rename one config')
        found[spec.name] = spec
    return dict(sorted(found.items()))


def load_enhancer_spec(spec: EnhancerSpec) -> EnhancerSpec:
    """Run a selected enhancer config and take its real ``checkpoint``, ``label`` and
    ``base_method`` (discovery only read literals).

    Args:
        spec (EnhancerSpec): A discovered row.

    Returns:
        EnhancerSpec: The same row with the config's values.

    Raises:
        ValueError: The config defines no ``enhancer`` when run.
    """
    cfg = load_config(spec.config)
    if 'enhancer' not in cfg:
        raise ValueError(f'{spec.config}: no top-level `enhancer` when the config is run')
    checkpoint = resolve_project_path(cfg.get('checkpoint'))
    label = cfg.get('label', spec.label)
    if label is None and checkpoint and OFFICIAL_DIR in checkpoint.replace('\\', '/'):
        label = 'official weights'
    base = cfg.get('base_method', None)
    if base is not None and spec.base is not None and spec.base != base:
        base = spec.base  # renamed to its official-suffixed row by discovery
    return EnhancerSpec(name=spec.name, config=spec.config, checkpoint=checkpoint, label=label,
                        base=spec.base if base is None else base,
                        dataset_overrides=dict(spec.dataset_overrides))


def pick_names(names: str, known: Dict, what: str) -> List[str]:
    if names == 'all':
        return list(known)
    chosen = [n.strip() for n in names.split(',') if n.strip()]
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise KeyError(f'unknown {what} {unknown}; known {what}s: {", ".join(known) or "none"} '
                       f'(or give a config file path)')
    return chosen


def add_config_paths(names: str, known: Dict) -> Tuple[str, Dict]:
    """Let ``--datasets`` / ``--detectors`` name config files as well as configured names.

    Each item that is an existing ``.py`` file becomes an entry named after the file's stem.

    Returns:
        tuple[str, dict]: The names with paths replaced by stems, and the extended table.
    """
    if names == 'all':
        return names, known
    known = dict(known)
    items = []
    for item in (n.strip() for n in names.split(',') if n.strip()):
        path = resolve_project_path(item)
        if item.endswith('.py') and path and osp.isfile(path):
            known[Path(path).stem] = dict(config=path)
            item = Path(path).stem
        items.append(item)
    return ','.join(items), known


def resolve_detector_checkpoint(name: str, config: str,
                                checkpoint: Optional[str]) -> Optional[str]:
    """The local weights file of a detector, or a clear error saying how to get it.

    The checkpoint comes from the CLI / benchmark config, else from the detector config's own
    ``checkpoint``. A detector config that defines ``checkpoint`` (even ``None``) needs weights;
    its ``checkpoint_url`` names the official file. URLs are never downloaded here: a URL is
    used only if its file is already in torch's checkpoint cache.

    Args:
        name (str): Detector name (for messages).
        config (str): Detector config path.
        checkpoint (str, optional): Given path or URL.

    Returns:
        str | None: Existing local path, or None for a config that needs no weights.

    Raises:
        FileNotFoundError: Naming the missing file and how to get it.
    """
    det_cfg = load_config(config)
    checkpoint = checkpoint or det_cfg.get('checkpoint')
    url = det_cfg.get('checkpoint_url')
    if checkpoint and checkpoint.startswith(('http://', 'https://')):
        url, checkpoint = checkpoint, osp.join(_torch_checkpoint_cache(), osp.basename(checkpoint))
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'detector {name}: checkpoint {url} is a URL and nothing is downloaded at run '
                f'time. Download it on a machine with internet (e.g. wget {url}), then copy it '
                f'to {checkpoint} or pass --checkpoint PATH')
    checkpoint = resolve_project_path(checkpoint)
    if checkpoint and not osp.isfile(checkpoint):
        how = f'download {url}' if url else 'train or convert it (see the header of ' + config + ')'
        raise FileNotFoundError(
            f'detector {name}: checkpoint {checkpoint} not found; {how} and pass --checkpoint '
            'PATH')
    if not checkpoint and 'checkpoint' in det_cfg:
        how = (f'download the official weights {url}' if url else
               f'train it (see the header of {config})')
        raise FileNotFoundError(f'detector {name} ({config}) needs weights: {how}, then pass '
                                '--checkpoint PATH (with --detectors ' + name + ')')
    return checkpoint


def detector_row_name(name: str, config: str, checkpoint: Optional[str],
                      entry: Dict[str, Any]) -> str:
    """The detector's row (and cell file) name: ``name`` with its default weights,
    ``name@<sha256[:8]>`` with any other checkpoint, so different weights never share a cell.

    Args:
        name (str): Detector name in the benchmark config.
        config (str): Detector config.
        checkpoint (str, optional): The weights used.
        entry (dict): The benchmark config's entry (its ``checkpoint`` is the default).

    Returns:
        str: The row name.
    """
    try:
        default = resolve_detector_checkpoint(name, config, entry.get('checkpoint'))
    except FileNotFoundError:
        default = None
    if not checkpoint or (default and osp.isfile(default) and
                          osp.samefile(default, checkpoint)):
        return name
    with open(checkpoint, 'rb') as f:
        digest = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    if default and osp.isfile(default) and digest.hexdigest() == file_sha256(default):
        return name  # a copy of the default weights
    return f'{name}@{digest.hexdigest()[:8]}'


def _torch_checkpoint_cache() -> str:
    import torch.hub
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def plan_cells(bench_cfg: Config, enhancers: str = 'all', datasets: str = 'all',
               detectors: str = 'all', detector_checkpoint: Optional[str] = None,
               with_bounds: bool = True, data_root: Optional[str] = None,
               cfg_options: Optional[Dict] = None) -> Tuple[List[CellSpec], List[str]]:
    """List the cells to run.

    Args:
        bench_cfg (Config): Benchmark config: ``datasets`` (name -> ``config``, ``split``,
            optional ``upper_bound`` row, optional ``detectors``: the names of the only
            detectors that test it), ``detectors`` (name -> ``config``, ``checkpoint``),
            ``enhancer_dirs``, optional ``official_suffix`` (see :func:`discover_enhancers`).
        enhancers (str): 'all' or comma-separated names. 'all' skips learnable enhancers
            whose checkpoint file is missing (reported); named ones must be complete.
        datasets (str): 'all' or comma-separated names of ``bench_cfg.datasets`` or dataset
            config files (defining ``test_dataloader`` and ``test_evaluator``).
        detectors (str): 'all' or comma-separated names of ``bench_cfg.detectors`` or detector
            config files (defining ``model``; weights from ``--checkpoint`` or ``checkpoint``).
        detector_checkpoint (str, optional): Overrides the checkpoint of the (single) detector.
        with_bounds (bool): Add the identity (lower bound) and normal-light (upper bound) rows.
            Defaults to True.
        data_root (str, optional): Moves the (single) dataset's test set to this folder
            (``--data-root``). Defaults to None.
        cfg_options (dict, optional): Dotted-key overrides of every chosen dataset config
            (``--cfg-options``), after the benchmark entry's own ``cfg_options``.

    Returns:
        tuple[list[CellSpec], list[str]]: The cells and human-readable notes on skipped rows.
    """
    known_enhancers = discover_enhancers(bench_cfg.enhancer_dirs,
                                         bench_cfg.get('official_suffix'))
    chosen = pick_names(enhancers, known_enhancers, 'enhancer')
    notes: List[str] = []
    rows: List[EnhancerSpec] = []
    for name in chosen:
        spec = load_enhancer_spec(known_enhancers[name])
        if spec.checkpoint and not osp.isfile(spec.checkpoint):
            message = (f'enhancer {name}: checkpoint {spec.checkpoint} not found (convert or '
                       f'train it first, see README)')
            if enhancers != 'all':
                raise FileNotFoundError(message)
            notes.append(f'skipped {message}')
            continue
        rows.append(spec)
    lower = BoundRows.of(bench_cfg).lower
    if with_bounds and lower in known_enhancers and lower not in chosen:
        rows.insert(0, load_enhancer_spec(known_enhancers[lower]))

    datasets, known_datasets = add_config_paths(datasets, dict(bench_cfg.datasets))
    dataset_names = pick_names(datasets, known_datasets, 'dataset')
    if data_root and len(dataset_names) != 1:
        raise ValueError('--data-root needs exactly one dataset (use --datasets NAME)')
    dataset_specs = []
    for n in dataset_names:
        config = resolve_project_path(known_datasets[n]['config'])
        options = dataset_cfg_options(config, n, known_datasets[n].get('cfg_options'),
                                      data_root, cfg_options)
        split = split_label(config, options, known_datasets[n].get('split', 'test'))
        dataset_specs.append(DatasetSpec(name=n, config=config, split=split,
                                         cfg_options=options))
    detectors, known_detectors = add_config_paths(detectors, dict(bench_cfg.detectors))
    detector_names = pick_names(detectors, known_detectors, 'detector')
    if detector_checkpoint and len(detector_names) != 1:
        raise ValueError('--checkpoint needs exactly one detector (use --detectors NAME)')
    detector_specs = []
    pairings: Dict[str, Dict[str, str]] = {}  # fine-tuned rows: enhancer -> checkpoint
    for n in detector_names:
        config = resolve_project_path(known_detectors[n]['config'])
        pairing = enhancer_pairing(n, known_detectors[n])
        if pairing is not None:
            if detector_checkpoint:
                raise ValueError(f'detector {n} pairs each enhancer with its own checkpoint '
                                 f'({PAIRING_KEY}); --checkpoint cannot replace them')
            pairings[n] = pairing
            detector_specs.append(DetectorSpec(name=n, config=config))
            continue
        checkpoint = resolve_detector_checkpoint(
            n, config, detector_checkpoint or known_detectors[n].get('checkpoint'))
        detector_specs.append(DetectorSpec(name=detector_row_name(n, config, checkpoint,
                                                                  known_detectors[n]),
                                           config=config, checkpoint=checkpoint))

    cells = []
    for dataset in dataset_specs:
        # the upper bound (e.g. normal-light references) belongs to a dataset that has them
        upper = known_datasets[dataset.name].get('upper_bound') if with_bounds else None
        dataset_rows = list(rows)
        if upper:
            dataset_rows.insert(0, EnhancerSpec(
                name=upper['name'], config=resolve_project_path(upper['config']),
                label=upper.get('label'), dataset_overrides=dict(upper['dataset_overrides'])))
        # a dataset entry may name the detectors that read its labels (`detectors=[...]`, e.g.
        # ExDark classes through a label map vs the 80 COCO classes); the others skip it
        allowed = known_datasets[dataset.name].get('detectors')
        dataset_detectors = [t for t in detector_specs
                             if allowed is None or t.name.split('@')[0] in allowed]
        if not dataset_detectors:
            notes.append(f'skipped dataset {dataset.name}: none of the chosen detectors is one '
                         f'of its detectors {list(allowed)}')
        for t in dataset_detectors:
            if t.name in pairings:
                cells += paired_cells(dataset_rows, dataset, t, pairings[t.name], notes)
            else:
                cells += [CellSpec(e, dataset, t) for e in dataset_rows]
    return cells, notes
