"""Registries of sdag_bench: children of mmdet's / mmengine's, scope ``sdag_bench``.

Components registered here are found by configs with ``default_scope='sdag_bench'``; anything
not found here (e.g. ``RetinaNet``, ``LoadImageFromFile``) falls back to mmdet and mmengine.
"""
import datetime
import importlib
import os
import os.path as osp
import pkgutil
import warnings
from typing import List

from mmdet import registry as mmdet_registry
from mmengine.registry import Registry


def modules_of(*subpackages: str) -> List[str]:
    """Every module of the given sdag_bench subpackages, found on disk (nothing is imported).

    These are the registries' ``locations``: the first look-up of a name in a registry imports
    them, so that a config with ``default_scope='sdag_bench'`` builds through mmengine and mmdet
    alone (``init_detector``, ``DetInferencer``, ``Runner.from_cfg``) without a prior
    :func:`register_all_modules`.

    Args:
        subpackages (str): Folder names under ``sdag_bench/`` (e.g. ``'detectors'``).

    Returns:
        list[str]: Dotted module names, sorted.
    """
    root = osp.dirname(osp.abspath(__file__))
    names = []
    for sub in subpackages:
        for folder, dirs, files in os.walk(osp.join(root, sub)):
            dirs[:] = [d for d in dirs if osp.isfile(osp.join(folder, d, '__init__.py'))]
            package = 'sdag_bench.' + osp.relpath(folder, root).replace(os.sep, '.')
            names += [f'{package}.{f[:-3]}' if f != '__init__.py' else package
                      for f in files if f.endswith('.py')]
    return sorted(names)


MODELS = Registry(
    'model',
    parent=mmdet_registry.MODELS,
    locations=modules_of('enhancers', 'models', 'losses', 'sdag', 'detectors'))
DATASETS = Registry(
    'dataset', parent=mmdet_registry.DATASETS, locations=modules_of('datasets'))
TRANSFORMS = Registry(
    'transform', parent=mmdet_registry.TRANSFORMS, locations=modules_of('transforms'))
METRICS = Registry('metric', parent=mmdet_registry.METRICS, locations=modules_of('metrics'))
HOOKS = Registry('hook', parent=mmdet_registry.HOOKS, locations=modules_of('hooks'))

# The other registries get a (so far empty) child too, so that a config with
# ``default_scope='sdag_bench'`` still finds mmdet's samplers, loops, visualizers, ...
RUNNERS = Registry('runner', parent=mmdet_registry.RUNNERS)
RUNNER_CONSTRUCTORS = Registry('runner constructor', parent=mmdet_registry.RUNNER_CONSTRUCTORS)
LOOPS = Registry('loop', parent=mmdet_registry.LOOPS)
DATA_SAMPLERS = Registry('data sampler', parent=mmdet_registry.DATA_SAMPLERS)
MODEL_WRAPPERS = Registry('model_wrapper', parent=mmdet_registry.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=mmdet_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = Registry('optimizer', parent=mmdet_registry.OPTIMIZERS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=mmdet_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=mmdet_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=mmdet_registry.PARAM_SCHEDULERS)
EVALUATOR = Registry('evaluator', parent=mmdet_registry.EVALUATOR)
TASK_UTILS = Registry('task util', parent=mmdet_registry.TASK_UTILS)
VISUALIZERS = Registry('visualizer', parent=mmdet_registry.VISUALIZERS)
VISBACKENDS = Registry('vis_backend', parent=mmdet_registry.VISBACKENDS)
LOG_PROCESSORS = Registry('log_processor', parent=mmdet_registry.LOG_PROCESSORS)

#: Degradation factors of SDAG pretraining: batch tensor operations (N, 3, H, W) -> same shape,
#: built by ``sdag_bench.sdag.degradations.build_degradation``. Not data-pipeline transforms, so
#: they have a registry of their own, with no parent.
DEGRADATIONS = Registry('degradation', locations=['sdag_bench.sdag.degradations'])

#: The subpackages that register components (``benchmark`` registers none: importing it here
#: would only load pandas and matplotlib into every process that builds a model).
_SUBPACKAGES = ('enhancers', 'models', 'losses', 'sdag', 'detectors', 'datasets', 'transforms',
                'metrics', 'hooks')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all sdag_bench (and mmdet) modules so their components are registered.

    Args:
        init_default_scope (bool): Whether to make ``sdag_bench`` the current default scope.
            Defaults to True.
    """
    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)
    for name in _SUBPACKAGES:
        full_name = f'sdag_bench.{name}'
        try:
            package = importlib.import_module(full_name)
        except ModuleNotFoundError as err:
            if err.name == full_name:
                continue  # subpackage not present in this build
            raise
        for module in pkgutil.walk_packages(package.__path__, prefix=f'{full_name}.'):
            importlib.import_module(module.name)
    if init_default_scope:
        from mmengine.registry import DefaultScope
        never_created = DefaultScope.get_current_instance() is None or \
            not DefaultScope.check_instance_created('sdag_bench')
        if never_created:
            DefaultScope.get_instance('sdag_bench', scope_name='sdag_bench')
            return
        current = DefaultScope.get_current_instance()
        if current.scope_name != 'sdag_bench':
            warnings.warn(f'The current default scope "{current.scope_name}" is not '
                          '"sdag_bench"; register_all_modules switches to a new instance.')
            name = f'sdag_bench-{datetime.datetime.now()}'
            DefaultScope.get_instance(name, scope_name='sdag_bench')
