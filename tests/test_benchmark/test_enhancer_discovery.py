"""Only the selected enhancer configs are executed; discovery reads the others statically."""
import glob
import os
import shutil
from pathlib import Path

from small_bench import PROJECT_ROOT, make_small_bench, run_benchmark

from sdag_bench.benchmark.cells import load_config
from sdag_bench.benchmark.plan.planner import OFFICIAL_DIR, discover_enhancers, load_enhancer_spec


def test_unselected_configs_are_never_executed(tmp_path):
    enhancers = tmp_path / 'enhancers'
    enhancers.mkdir()
    for name in ('identity.py', 'gamma.py'):
        shutil.copyfile(PROJECT_ROOT / 'configs' / 'enhancers' / name, enhancers / name)
    marker = tmp_path / 'trap_was_executed'
    (enhancers / 'trap.py').write_text(
        "enhancer = dict(type='Identity')\n"
        f"open({str(marker)!r}, 'w').write('executed')\n")
    bench = make_small_bench(tmp_path, enhancer_dirs=[str(enhancers)])
    result = run_benchmark(bench['bench'], tmp_path / 'work', 'gamma')
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists()
    result = run_benchmark(bench['bench'], tmp_path / 'work', 'trap')
    assert result.returncode == 0, result.stderr[-3000:]
    assert marker.exists()  # a chosen config runs, as every OpenMMLab config does


def test_static_discovery_agrees_with_running_every_config():
    dirs = ['configs/demo_zoo', 'configs/enhancers']
    found = discover_enhancers(dirs, '_official')
    executed = {}
    for folder in dirs:
        for path in sorted(glob.glob(os.path.join(PROJECT_ROOT, folder, '*.py'))):
            cfg = load_config(path)
            if 'enhancer' in cfg:
                official = OFFICIAL_DIR in (cfg.get('checkpoint') or '') and \
                    not cfg.get('label')
                stem = Path(path).stem
                executed[stem + ('_official' if official and not stem.endswith('_official')
                                 else '')] = cfg
    assert sorted(found) == sorted(executed)
    for name, spec in found.items():
        loaded = load_enhancer_spec(spec)
        assert loaded.checkpoint == spec.checkpoint or (
            loaded.checkpoint and spec.checkpoint and
            os.path.samefile(loaded.checkpoint, spec.checkpoint)), name
        assert loaded.label == spec.label and loaded.base == spec.base, name
