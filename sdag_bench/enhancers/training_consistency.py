"""An enhancer config trains the enhancer it benchmarks: ``model.enhancer`` matches ``enhancer``.

An enhancer config defines its enhancer once, as the top-level ``enhancer`` (what the benchmark
builds, :func:`~sdag_bench.enhancers.builder.build_enhancer_from_config`), and trains it with
``model = dict(type='UnsupervisedEnhancerModel', enhancer=enhancer, ...)``. Where training
differs, the config declares it in that one line::

    enhancer=dict(enhancer, scale_factor=1),  # trained at full scale; the official test: 1/12

The keywords of ``dict(enhancer, ...)`` are the declared differences (read from the config files'
source, since the resolved config cannot tell a declared value from a copied one). mmengine merges
a child config's new ``enhancer`` without touching the ``model`` it inherits, whose enhancer stays
the base's: a child that changes ``enhancer`` alone would train one network and benchmark another.
:func:`training_enhancer_mismatch` names every such difference that no file declares.
"""
import ast
import os.path as osp
from typing import List, Optional, Set

from mmengine.config import Config


class _Unset:
    """A keyword one side does not set."""

    def __repr__(self) -> str:
        return 'unset'


_MISSING = _Unset()


def config_files(path: str) -> List[str]:
    """A config file and, recursively, the files its ``_base_`` names (child first).

    Args:
        path (str): A pure-Python config file.

    Returns:
        list[str]: Absolute paths; package-scoped bases (``'mmdet::...'``) are left out (they
        define no enhancer of this project).
    """
    path = osp.abspath(path)
    files = [path]
    for base in _base_names(_parse(path)):
        if '::' not in base:
            files += config_files(osp.join(osp.dirname(path), base))
    return files


def declared_training_differences(path: str) -> Set[str]:
    """The enhancer arguments a config (or one of its bases) declares trained differently.

    Args:
        path (str): A pure-Python config file.

    Returns:
        set[str]: Keywords of ``model = dict(..., enhancer=dict(enhancer, <keyword>=...))``.
    """
    declared: Set[str] = set()
    for file in config_files(path):
        for model in _top_level_assignments(_parse(file), 'model'):
            trained = _keyword(model, 'enhancer')
            if (_is_dict_call(trained) and trained.args and isinstance(trained.args[0], ast.Name)
                    and trained.args[0].id == 'enhancer'):
                declared.update(kw.arg for kw in trained.keywords if kw.arg)
    return declared


def training_enhancer_mismatch(cfg: Config) -> Optional[str]:
    """Why ``cfg.model.enhancer`` (trained) is not ``cfg.enhancer`` (benchmarked), if it is not.

    Args:
        cfg (Config): A config loaded with ``Config.fromfile`` (its ``filename`` is read for the
            declarations, see :func:`declared_training_differences`; a config built from a dict
            declares none).

    Returns:
        str | None: A message naming the file and each undeclared difference; None when the two
        agree apart from declared keywords, or when the config lacks one of them.
    """
    benchmarked = cfg.get('enhancer')
    model = cfg.get('model')
    trained = model.get('enhancer') if isinstance(model, dict) else None
    if not isinstance(benchmarked, dict) or not isinstance(trained, dict):
        return None
    fix = ('a config that changes `enhancer` must also set `model = dict(enhancer=enhancer)` '
           "(the model it inherits keeps its base's enhancer)")
    if trained.get('type') != benchmarked.get('type'):
        return (f'{cfg.filename}: model.enhancer trains a {trained.get("type")} but `enhancer` '
                f'(what the benchmark builds) is a {benchmarked.get("type")}; {fix}')
    declared = declared_training_differences(cfg.filename) if cfg.filename else set()
    undeclared = [
        f'{key}={trained.get(key, _MISSING)!r} trained vs {benchmarked.get(key, _MISSING)!r} '
        'benchmarked' for key in sorted(set(trained) | set(benchmarked))
        if key not in declared and trained.get(key, _MISSING) != benchmarked.get(key, _MISSING)
    ]
    if not undeclared:
        return None
    return (f'{cfg.filename}: model.enhancer and `enhancer` differ in {"; ".join(undeclared)}; '
            f'{fix}, and a deliberate difference is declared in one line of model: '
            '`enhancer=dict(enhancer, <key>=<value>)`')


def _parse(path: str) -> ast.Module:
    with open(path, encoding='utf-8') as f:
        return ast.parse(f.read(), filename=path)


def _top_level_assignments(tree: ast.Module, name: str) -> List[ast.expr]:
    return [node.value for node in tree.body if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]


def _base_names(tree: ast.Module) -> List[str]:
    names: List[str] = []
    for value in _top_level_assignments(tree, '_base_'):
        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        names += [item.value for item in items
                  if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return names


def _is_dict_call(node: Optional[ast.expr]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict'


def _keyword(node: ast.expr, name: str) -> Optional[ast.expr]:
    if not _is_dict_call(node):
        return None
    return next((kw.value for kw in node.keywords if kw.arg == name), None)
