"""The package reads top-down: no module imports from a package above its own.

Layers, lowest first (README "Layout" and DESIGN.md name the same order). A module may import from
its own package and from packages of lower layers; packages of one layer do not import each other.
Imports inside functions count too: a lazy import is still a dependency.
"""
import ast
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / 'sdag_bench'

LAYERS = (
    ('registry', 'utils'),
    ('transforms', ),
    ('datasets', 'metrics', 'losses', 'stats'),
    ('enhancers', 'sdag'),
    ('models', ),
    ('detectors', 'hooks'),
    ('benchmark', ),
)
LAYER_OF: Dict[str, int] = {name: i for i, names in enumerate(LAYERS) for name in names}


def _unit(path: Path) -> str:
    """First-level unit of a module file: the subpackage, or the module for a top-level file."""
    parts = path.relative_to(PACKAGE).with_suffix('').parts
    return '__init__' if parts == ('__init__', ) else parts[0]


def _imported_modules(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute dotted name) of every module a file imports."""
    package_parts = ['sdag_bench', *path.relative_to(PACKAGE).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level + 1]
                names = ['.'.join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or '']
        else:
            continue
        for name in names:
            yield node.lineno, name


def _edges() -> Iterator[Tuple[str, str, str]]:
    for path in sorted(PACKAGE.rglob('*.py')):
        source = _unit(path)
        for line, name in _imported_modules(path):
            if name != 'sdag_bench' and not name.startswith('sdag_bench.'):
                continue
            parts = name.split('.')
            target = parts[1] if len(parts) > 1 else '__init__'
            if target != source:
                yield source, target, f'{path.relative_to(PACKAGE.parent)}:{line} imports {name}'


def test_every_unit_has_a_layer():
    units = {_unit(path) for path in PACKAGE.rglob('*.py')} - {'__init__'}
    assert sorted(units - set(LAYER_OF)) == [], 'add new subpackages to LAYERS (and README)'


def test_no_module_imports_upward_or_sideways():
    offending = []
    for source, target, where in _edges():
        if target == '__init__':
            continue  # the root holds the version and imports only layer 0 (checked below)
        if source == '__init__':
            if LAYER_OF[target] != 0:
                offending.append(f'{where} (the package root imports layer 0 only)')
        elif LAYER_OF[target] >= LAYER_OF[source]:
            offending.append(f'{where} ({source} is layer {LAYER_OF[source]}, '
                             f'{target} layer {LAYER_OF[target]})')
    assert offending == []


@pytest.mark.parametrize('folder', ['tools', 'data_tools', 'bench', 'tests'])
def test_package_never_imports_scripts_or_tests(folder):
    offending = [f'{path}:{line} imports {name}' for path in PACKAGE.rglob('*.py')
                 for line, name in _imported_modules(path)
                 if name == folder or name.startswith(folder + '.')]
    assert offending == []


#: Inside ``benchmark/``, lowest first: the cell (what is computed), the store and the run
#: options, planning, running, reports, and the command-line glue on top.
BENCHMARK = PACKAGE / 'benchmark'
BENCHMARK_LAYERS = (
    ('cells', ),
    ('options', 'store'),
    ('plan', ),
    ('run', ),
    ('report', ),
    ('cli', ),
)
BENCHMARK_LAYER_OF: Dict[str, int] = {
    name: i for i, names in enumerate(BENCHMARK_LAYERS) for name in names}


def _benchmark_unit(path: Path) -> str:
    return path.relative_to(BENCHMARK).with_suffix('').parts[0]


def test_every_benchmark_unit_has_a_layer():
    units = {_benchmark_unit(p) for p in BENCHMARK.rglob('*.py')} - {'__init__'}
    assert sorted(units - set(BENCHMARK_LAYER_OF)) == [], 'add it to BENCHMARK_LAYERS'


def test_benchmark_rooms_import_downward_only():
    offending = []
    for path in sorted(BENCHMARK.rglob('*.py')):
        source = _benchmark_unit(path)
        for line, name in _imported_modules(path):
            parts = name.split('.')
            if parts[:2] != ['sdag_bench', 'benchmark'] or len(parts) < 3:
                continue
            target = parts[2]
            if target == source:
                continue
            if source == '__init__' or target == '__init__' or \
                    BENCHMARK_LAYER_OF[target] >= BENCHMARK_LAYER_OF[source]:
                offending.append(f'{path.relative_to(PACKAGE.parent)}:{line} imports {name}')
    assert offending == []


def test_no_private_name_is_imported_across_modules():
    """``from x import _name`` between modules: a private name is the module's own business."""
    offending = []
    roots = [PACKAGE, PACKAGE.parent / 'tools', PACKAGE.parent / 'bench',
             PACKAGE.parent / 'data_tools']
    for root in roots:
        for path in sorted(root.rglob('*.py')):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ImportFrom) and (
                        node.level or (node.module or '').startswith('sdag_bench')):
                    offending += [f'{path.relative_to(PACKAGE.parent)}:{node.lineno} imports '
                                  f'{alias.name}' for alias in node.names
                                  if alias.name.startswith('_') and alias.name != '__version__']
    assert offending == []
