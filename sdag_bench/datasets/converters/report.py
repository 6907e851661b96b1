"""The report every converter keeps: what was mapped, fixed, skipped or refused, with file and line.

Kinds of finding and the rule applied to each when not ``strict`` (``strict`` refuses every kind
that is not informational, after the whole input has been read, listing all of them):

====================  ===========================================================  ==============
kind                  what                                                         rule
====================  ===========================================================  ==============
class_alias           a class name written another way (``people``, ``PEOPLE``)    mapped (info)
extension_mismatch    annotation names ``a.JPG``, the file on disk is ``a.jpg``    matched (info)
unknown_class         a class name / index outside the dataset's classes           box dropped
malformed_line        a line that does not parse                                   line dropped
zero_area             width or height <= 0 (or below 1 px after clipping)          box dropped
out_of_image          box partly outside the image                                 clipped
count_mismatch        DARK FACE count line differs from the number of boxes        boxes kept
no_boxes              annotation file with no valid box                            image kept
no_annotation_file    image on disk with no annotation file                        image dropped
no_image              annotation (or list entry) whose image is absent             image dropped
no_size               image size unknown (image absent, no size table entry)       image dropped
bad_image             image file unreadable (empty, corrupt header)                image dropped
not_in_split_list     image not listed by the split list file                      image dropped
split_mismatch        YOLO folder split differs from imageclasslist                list wins
duplicate_image       two image files with the same stem                           first kept
====================  ===========================================================  ==============
"""
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

#: Findings that describe a normalisation, not a defect; never refused by ``strict``.
INFO_KINDS = frozenset({'class_alias', 'extension_mismatch'})


@dataclass
class Finding:
    """One thing the converter noticed.

    Attributes:
        kind (str): One of the kinds in this module's table.
        file (str): The input file concerned (relative to the input root where possible).
        line (int | None): 1-based line number in ``file``, None for whole-file findings.
        message (str): What is wrong, in words.
        action (str): What the converter did about it.
    """
    kind: str
    file: str
    line: Optional[int]
    message: str
    action: str

    def __str__(self) -> str:
        where = f'{self.file}:{self.line}' if self.line is not None else self.file
        return f'{where}: [{self.kind}] {self.message} -> {self.action}'


class StrictConversionError(ValueError):
    """Raised in strict mode when the input has defects; lists every one of them.

    Args:
        findings (list[Finding]): The defects found.
    """

    def __init__(self, findings: List[Finding]) -> None:
        self.findings = findings
        shown = '\n'.join(f'  {f}' for f in findings[:50])
        more = f'\n  ... and {len(findings) - 50} more' if len(findings) > 50 else ''
        super().__init__(f'strict mode refuses {len(findings)} defect(s) in the input:\n'
                         f'{shown}{more}')


@dataclass
class ConversionReport:
    """Collects findings, class-name mappings and counts during one conversion.

    Attributes:
        findings (list[Finding]): Everything noticed, in input order.
        mapped (dict[str, str]): Raw class name -> dataset class name, for every alias seen.
        mapped_counts (Counter): How many boxes each raw alias had.
        counts (dict): Summary numbers filled in by the converter (images/boxes per subset).
    """
    findings: List[Finding] = field(default_factory=list)
    mapped: Dict[str, str] = field(default_factory=dict)
    mapped_counts: Counter = field(default_factory=Counter)
    counts: Dict[str, dict] = field(default_factory=dict)

    def add(self, kind: str, file: str, line: Optional[int], message: str, action: str) -> None:
        """Record a finding (see the module table for kinds and actions)."""
        self.findings.append(Finding(kind, str(file), line, message, action))

    def add_alias(self, raw: str, canonical: str, file: str, line: Optional[int]) -> None:
        """Record a class name mapped to its dataset spelling (first occurrence is a finding)."""
        if raw not in self.mapped:
            self.mapped[raw] = canonical
            self.add('class_alias', file, line, f'class "{raw}" read as "{canonical}"', 'mapped')
        self.mapped_counts[raw] += 1

    def defects(self) -> List[Finding]:
        """Findings that strict mode refuses (everything but the informational kinds)."""
        return [f for f in self.findings if f.kind not in INFO_KINDS]

    def kinds(self) -> Dict[str, int]:
        """Number of findings per kind."""
        return dict(Counter(f.kind for f in self.findings))

    def raise_if_strict(self, strict: bool) -> None:
        """Raise :class:`StrictConversionError` when ``strict`` and there are defects."""
        defects = self.defects()
        if strict and defects:
            raise StrictConversionError(defects)

    def to_dict(self) -> dict:
        """JSON-ready form of the report."""
        return dict(
            counts=self.counts,
            kinds=self.kinds(),
            mapped={raw: dict(to=name, boxes=self.mapped_counts[raw])
                    for raw, name in sorted(self.mapped.items())},
            findings=[asdict(f) for f in self.findings])

    def summary(self, max_lines: int = 20) -> str:
        """A short human-readable text: counts, kinds, and the first findings."""
        lines = [f'{subset}: {c["images"]} images, {c["boxes"]} boxes'
                 for subset, c in self.counts.items()]
        if self.mapped:
            lines.append('class names mapped: ' + ', '.join(
                f'{raw}->{name} ({self.mapped_counts[raw]})'
                for raw, name in sorted(self.mapped.items())))
        if self.findings:
            kinds = sorted(self.kinds().items())
            lines.append('findings: ' + ', '.join(f'{k}={n}' for k, n in kinds))
            lines += [f'  {f}' for f in self.findings[:max_lines]]
            if len(self.findings) > max_lines:
                lines.append(f'  ... {len(self.findings) - max_lines} more in the report file')
        return '\n'.join(lines)


def run_and_report(convert: Callable[[], Tuple[dict, ConversionReport]]) -> int:
    """Run a conversion for a command-line tool: print the summary, or the strict refusal.

    Args:
        convert (Callable): Runs the conversion, returns ``(paths, report)``.

    Returns:
        int: Exit status, 0 on success, 1 when strict mode refused the input.
    """
    try:
        paths, report = convert()
    except StrictConversionError as err:
        print(err, file=sys.stderr)
        return 1
    print(report.summary())
    for name, path in paths.items():
        print(f'{name}: {path}')
    return 0
