"""The test data loader of a benchmark cell's dataset config."""
import contextlib
import copy
import io
from typing import Any, Dict, Optional

from mmengine.config import Config
from mmengine.runner import Runner

from ..plan.dataset_options import load_dataset_config


def build_test_dataloader(dataset_config: str, overrides: Optional[Dict[str, Any]] = None,
                          batch_size: Optional[int] = None, seed: int = 0,
                          cfg_options: Optional[Dict[str, Any]] = None):
    """Build the ``test_dataloader`` of a dataset config (distributed-aware).

    Args:
        dataset_config (str): Dataset config file (``test_dataloader``, ``test_evaluator``).
        overrides (dict, optional): Keys merged into the loader's ``dataset`` (an enhancer
            row's ``dataset_overrides``, e.g. the normal-light references).
        batch_size (int, optional): Overrides the config's batch size.
        seed (int): Seed of the loader. Defaults to 0.
        cfg_options (dict, optional): The cell's dotted-key overrides of the config
            (``DatasetSpec.cfg_options``).

    Returns:
        tuple[DataLoader, Config]: The loader and the dataset config it was built from.
    """
    cfg = load_dataset_config(dataset_config, cfg_options)
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    if overrides:
        loader_cfg['dataset'] = Config(loader_cfg['dataset'])
        loader_cfg['dataset'].merge_from_dict(overrides)
        loader_cfg['dataset'] = dict(loader_cfg['dataset'].to_dict())
    if batch_size:
        loader_cfg['batch_size'] = batch_size
    loader_cfg['dataset'].setdefault('_scope_', 'sdag_bench')
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints while indexing
        dataloader = Runner.build_dataloader(loader_cfg, seed=seed)
    return dataloader, cfg


__all__ = ['build_test_dataloader']
