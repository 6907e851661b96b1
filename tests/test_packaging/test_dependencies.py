"""Every package the code imports is declared in setup.cfg and pinned in the constraints file."""
import ast
import configparser
import importlib.metadata as metadata
import re
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = PROJECT_ROOT / 'requirements' / 'constraints.txt'
#: Folders whose Python files are the project's code (library, command lines, benchmarks, tests).
CODE_DIRS = ('sdag_bench', 'tools', 'data_tools', 'bench', 'tests')
#: Packages used without an import statement: name -> what needs it.
INDIRECT = {'tabulate': 'pandas.DataFrame.to_markdown (leaderboards, tables)'}


def _canonical(name: str) -> str:
    """PEP 503 name: ``scikit_image`` / ``Scikit-Image`` -> ``scikit-image``."""
    return re.sub(r'[-_.]+', '-', name).lower()


def _requirement_name(line: str) -> str:
    return _canonical(re.split(r'[\s<>=!~;\[]', line.strip(), maxsplit=1)[0])


def _declared() -> tuple[set, set]:
    """Distribution names in ``install_requires`` and in the ``tests`` extra of setup.cfg."""
    cfg = configparser.ConfigParser()
    cfg.read(PROJECT_ROOT / 'setup.cfg')
    runtime = {_requirement_name(x) for x in cfg['options']['install_requires'].splitlines()
               if x.strip()}
    tests = {_requirement_name(x) for x in cfg['options.extras_require']['tests'].splitlines()
             if x.strip()}
    return runtime, tests


def _pins() -> dict:
    """``{name: version}`` of every ``name==version`` line of the constraints file."""
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            name, sep, version = line.partition('==')
            assert sep, f'{CONSTRAINTS.name}: "{line}" is not pinned with =='
            pins[_canonical(name)] = version.strip()
    return pins


def _is_local(module: str, source: Path) -> bool:
    """First-party: the package itself, the tools folder, a module next to the importer, or the
    tests' shared data helpers (``bench/bootstrap.py`` reads ``tests/synthetic_cells.py``)."""
    if module in ('sdag_bench', 'tools') or (PROJECT_ROOT / 'tests' / f'{module}.py').exists():
        return True
    return any((folder / f'{module}.py').exists() or (folder / module).is_dir()
               for folder in (source.parent, *source.parents[:2]))


def _optional() -> set:
    """Distribution names of the extras other than ``tests`` (e.g. ``onnx``)."""
    cfg = configparser.ConfigParser()
    cfg.read(PROJECT_ROOT / 'setup.cfg')
    return {_requirement_name(x) for extra, text in cfg['options.extras_require'].items()
            if extra != 'tests' for x in text.splitlines() if x.strip()}


def _imports(tree: ast.AST, lazy: bool = False):
    """``(module, lazy)`` of every absolute import; lazy: inside a function body."""
    for node in ast.iter_child_nodes(tree):
        inside = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if isinstance(node, ast.Import):
            yield from ((alias.name, lazy) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, lazy
        yield from _imports(node, inside)


def _third_party_imports() -> dict:
    """``{top-level module: (first file importing it, whether every import of it is lazy)}``
    over the project's code."""
    found = {}
    for folder in CODE_DIRS:
        for source in sorted((PROJECT_ROOT / folder).rglob('*.py')):
            for name, lazy in _imports(ast.parse(source.read_text(), str(source))):
                top = name.split('.')[0]
                if top in sys.stdlib_module_names or _is_local(top, source):
                    continue
                first, all_lazy = found.get(top, (source.relative_to(PROJECT_ROOT), True))
                # a test may import what the tests extra declares; the library only lazily
                found[top] = (first, all_lazy and (lazy or folder == 'tests'))
    return found


def test_every_import_is_declared_in_setup_cfg():
    runtime, tests = _declared()
    dists = metadata.packages_distributions()
    missing = []
    optional = _optional()
    for module, (source, lazy) in sorted(_third_party_imports().items()):
        names = {_canonical(d) for d in dists.get(module, [module])}
        allowed = tests | runtime if source.parts[0] == 'tests' else runtime
        if lazy:  # imported only where an optional feature runs (an extra, e.g. onnx)
            allowed = allowed | optional
        if not names & allowed:
            missing.append(f'{module} (imported by {source}, distribution {sorted(names)})')
    for name, why in INDIRECT.items():
        if name not in runtime:
            missing.append(f'{name} (needed by {why})')
    assert not missing, 'not declared in setup.cfg: ' + '; '.join(missing)


def test_every_declared_package_is_pinned():
    runtime, tests = _declared()
    pins = _pins()
    assert not (runtime | tests) - set(pins), f'declared but not pinned in {CONSTRAINTS.name}'
    for name in ('torch', 'mmcv', 'mmdet', 'mmengine', 'numpy', 'opencv-python', 'pycocotools',
                 'pandas', 'scipy', 'scikit-image', 'matplotlib', 'tabulate', 'pytest'):
        assert name in pins, name


def test_installed_versions_are_the_pinned_ones():
    """The suite runs on the stack the constraints file names (a CUDA torch ``2.13.0+cu128``
    counts as ``2.13.0``)."""
    wrong = []
    for name, version in _pins().items():
        try:
            installed = metadata.version(name).split('+')[0]
        except metadata.PackageNotFoundError:
            installed = 'not installed'
        if installed != version:
            wrong.append(f'{name}: {installed} installed, {version} pinned')
    assert not wrong, '; '.join(wrong)
