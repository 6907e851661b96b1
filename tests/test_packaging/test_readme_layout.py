"""README's "Layout" section names exactly the package's subpackages and top-level modules."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout_block() -> str:
    readme = (ROOT / 'README.md').read_text()
    section = readme.split('\n## Layout\n', 1)[1]
    return re.search(r'```\n(.*?)```', section, re.S).group(1)


def _package_entries(block: str) -> set:
    """Entries indented under ``sdag_bench/`` (``name/`` or ``name.py``) until the next root."""
    entries, inside = set(), False
    for line in block.splitlines():
        if not line.startswith(' '):
            inside = line.startswith('sdag_bench/')
            continue
        match = re.match(r'  (\w+(?:/|\.py))\s', line + ' ')
        if inside and match:
            entries.add(match.group(1))
    return entries


def test_layout_lists_every_subpackage_and_module_of_the_package():
    package = ROOT / 'sdag_bench'
    actual = {f'{p.name}/' for p in package.iterdir() if (p / '__init__.py').is_file()}
    actual |= {p.name for p in package.glob('*.py') if p.name != '__init__.py'}
    assert _package_entries(_layout_block()) == actual


def test_layout_lists_every_top_level_folder_of_the_repository():
    block = _layout_block()
    listed = {line.split()[0] for line in block.splitlines() if line and not line.startswith(' ')}
    for folder in ('sdag_bench/', 'configs/', 'data_tools/', 'tools/', 'bench/', 'tests/',
                   'results/'):
        assert folder in listed and (ROOT / folder).is_dir()


def test_layout_lists_every_room_of_the_benchmark():
    """The entries indented under ``benchmark/`` are its subpackages and top-level modules."""
    block = _layout_block().split('  benchmark/', 1)[1].split('\nconfigs/', 1)[0]
    listed = set(re.findall(r'^    (\w+(?:/|\.py))\s', block, re.M))
    benchmark = ROOT / 'sdag_bench' / 'benchmark'
    actual = {f'{p.name}/' for p in benchmark.iterdir() if (p / '__init__.py').is_file()}
    actual |= {p.name for p in benchmark.glob('*.py') if p.name != '__init__.py'}
    assert listed == actual
