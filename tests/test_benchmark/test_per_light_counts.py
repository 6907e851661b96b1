"""``per_light.md`` says how many paired tests it made and how many it flags, so a reader can
weigh one flagged cell against what chance alone would flag. Checked on the committed real
ExDark table (``results/exdark600/per_light.csv``, written by ``tools/benchmark.py``): the
counts are recomputed here from the csv with pandas, and every enhancer named in a "helps" or
"hurts" line is one flagged test."""
import re

import pandas as pd

from sdag_bench.benchmark.report.per_light_report import format_per_light
from sdag_bench.utils.paths import PROJECT_ROOT

TABLE = PROJECT_ROOT / 'results' / 'exdark600' / 'per_light.csv'
HEADER = re.compile(r'helps or hurts \((\d+) of (\d+) paired tests at p < 0\.05; were no '
                    r'enhancer to change anything, about (\d+) would be flagged')


def test_per_light_counts_its_tests_and_its_flags():
    table = pd.read_csv(TABLE)
    text = format_per_light(table)
    sections = text.split('\n## ')[1:]
    assert len(sections) == 2  # one per detector
    for section in sections:
        dataset, detector = section.split('\n', 1)[0].split(' / ')
        part = table[(table.dataset == dataset) & (table.detector == detector)]
        tested = part[(part.images >= 10) & part['p(ΔAP50)'].notna()]
        flagged = int((tested['p(ΔAP50)'] < 0.05).sum())
        match = HEADER.search(section)
        assert match, section[-600:]
        assert (int(match[1]), int(match[2])) == (flagged, len(tested)), detector
        assert int(match[3]) == round(len(tested) * 0.05)
        named = re.findall(r'\w+ \([+-]\d\.\d{3}\)', section.split('helps or hurts', 1)[1])
        assert len(named) == flagged, detector
