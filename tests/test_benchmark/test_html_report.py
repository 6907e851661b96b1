"""report.html through tools/benchmark.py, loaded in a real headless browser (Debian chromium).

A 4-image demo run (identity, gamma, histeq, clahe; NIQE; bootstrap intervals) writes one
self-contained page: the browser shows one table row per enhancer, ``#sort=AP50:asc`` reorders
them by the stored AP50, the comparison shows two rows' thumbnails; a screenshot is kept under
the test's tmp dir. A benchmark with ``qualitative_grid = False`` gets a report with no image of
its test photos.
"""
import contextlib
import csv
import io
import os
import re
import shutil
import subprocess

import pytest

from small_bench import PROJECT_ROOT, benchmark_cmd, make_small_bench

ENHANCERS = ['identity', 'gamma', 'histeq', 'clahe']
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--hide-scrollbars']


def _chromium() -> str:
    for name in ('chromium', 'chromium-browser'):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip('chromium is not installed (tools/setup_env.sh installs it with apt-get where '
                'it can; Debian package `chromium`)')


def _browser(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f'profile{len(list(tmp_path.glob("profile*")))}'
    return subprocess.run([_chromium(), *FLAGS, f'--user-data-dir={profile}', *args],
                          capture_output=True, text=True, timeout=120)


def _run(bench, work, *extra) -> str:
    from tools.benchmark import main
    argv = [a for a in benchmark_cmd(bench, work, ','.join(ENHANCERS)) if a != '--no-plots'][2:]
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv + list(extra))
    finally:
        os.chdir(cwd)
    assert code == 0, err.getvalue()
    return out.getvalue()


def _rows(dom: str) -> list:
    body = dom[dom.index('<tbody>'):dom.index('</tbody>')]
    return re.findall(r'<tr data-enhancer="([^"]+)"', body)


@pytest.mark.slow  # a headless browser: ~20 s
def test_report_in_headless_chromium(tmp_path):
    _chromium()
    small = make_small_bench(tmp_path, 4)
    work = tmp_path / 'work'
    _run(small['bench'], work, '--bootstrap', '50')
    report = work / 'report.html'
    text = report.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched
    assert '<link' not in text and text.count('data:image/png;base64,') >= 2  # plots inline
    assert 'AP50_lo' not in text and re.search(r'\d\.\d+ \[\d\.\d+, \d\.\d+\]', text)
    with open(work / 'leaderboard.csv') as f:
        ap50 = {r['enhancer']: float(r['AP50']) for r in csv.DictReader(f)}
    assert sorted(ap50) == sorted(ENHANCERS)

    initial = _browser(tmp_path, '--virtual-time-budget=3000', '--dump-dom', report.as_uri())
    shown = _rows(initial.stdout)
    assert sorted(shown) == sorted(ENHANCERS), initial.stderr[-2000:]
    asc = _browser(tmp_path, '--virtual-time-budget=3000', '--dump-dom',
                   report.as_uri() + '#sort=AP50:asc')
    order = _rows(asc.stdout)
    assert 'data-sorted="AP50:asc"' in asc.stdout
    assert [ap50[n] for n in order] == sorted(ap50.values())
    assert order != shown  # the leaderboard's own order is by AP50, descending
    desc = _rows(_browser(tmp_path, '--virtual-time-budget=3000', '--dump-dom',
                          report.as_uri() + '#sort=AP50').stdout)
    assert [ap50[n] for n in desc] == sorted(ap50.values(), reverse=True)
    # the comparison: the script put two rows' thumbnails in place
    img_a = re.search(r'<img id="imgA"[^>]*src="([^"]{0,40})', initial.stdout)
    img_b = re.search(r'<img id="imgB"[^>]*src="([^"]{0,40})', initial.stdout)
    assert img_a and img_a.group(1).startswith('data:image/jpeg;base64,')
    assert img_b and img_b.group(1).startswith('data:image/jpeg;base64,')
    shot = tmp_path / 'report_screenshot.png'
    _browser(tmp_path, '--window-size=1280,1800', f'--screenshot={shot}', report.as_uri())
    assert shot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'

    # photos that may not be redistributed: the same run's report carries no image of them
    with open(small['bench'], 'a') as f:
        f.write('qualitative_grid = False\n')
    _run(small['bench'], work, '--bootstrap', '50')
    private = report.read_text()
    assert 'data:image/jpeg' not in private and 'id="compare"' not in private
    assert 'qualitative_grid' not in private and 'AP50' in private
