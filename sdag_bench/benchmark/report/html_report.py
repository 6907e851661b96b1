"""``report.html``: the leaderboard, its plots and a qualitative comparison in one file.

The file is self-contained (no server, no network): plots are inline base64 PNGs, the
qualitative thumbnails inline JPEGs, the sorting and comparison a few lines of inline
JavaScript. A table column sorts on a click on its header, or on load from the address
(``report.html#sort=AP50`` descending, ``#sort=AP50:asc`` ascending).
"""
import base64
import html
import io
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from PIL import Image

from .leaderboard import PROTOCOL_PREFIX, format_value, format_table, protocol_lines
from .detector_columns import (detector_columns_table, format_detector_columns,
                               wants_detector_columns)
from ..cells import BoundRows, CellSpec
from .interval_tables import merge_intervals
from .row_outputs import row_outputs

_STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:12px}
th,td{border:1px solid #ccc;padding:2px 5px;text-align:right;white-space:nowrap}
.wide{overflow-x:auto}
td:first-child,th:first-child{text-align:left}
th{background:#eee;cursor:pointer;white-space:nowrap}
th.sorted{background:#cde}
.cmp{position:relative;display:inline-block;line-height:0}
.cmp img{image-rendering:pixelated;width:384px}
.cmp .top{position:absolute;left:0;top:0}
figure{display:inline-block;margin:0 1em 1em 0}
"""

_SCRIPT = """
function sortBy(col, asc){
  var table=document.getElementById('leaderboard');
  var heads=table.tHead.rows[0].cells, idx=-1;
  for(var i=0;i<heads.length;i++){heads[i].className='';
    if(heads[i].dataset.col===col){idx=i;}}
  if(idx<0){return;}
  heads[idx].className='sorted';
  var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){
    var x=a.cells[idx].dataset.v, y=b.cells[idx].dataset.v;
    var nx=parseFloat(x), ny=parseFloat(y), r;
    if(isNaN(nx)&&isNaN(ny)){r=x<y?-1:(x>y?1:0);}
    else if(isNaN(nx)){return 1;} else if(isNaN(ny)){return -1;}
    else{r=nx-ny;}
    return asc?r:-r;});
  rows.forEach(function(r){body.appendChild(r);});
  table.dataset.sorted=col+(asc?':asc':':desc');
}
function fromHash(){
  var m=/sort=([^:&]+)(:asc)?/.exec(decodeURIComponent(location.hash));
  if(m){sortBy(m[1], !!m[2]);}
}
function setup(){
  var heads=document.querySelectorAll('#leaderboard th');
  heads.forEach(function(h){h.onclick=function(){
    var t=document.getElementById('leaderboard').dataset.sorted||'';
    sortBy(h.dataset.col, t===h.dataset.col+':desc');};});
  fromHash();
  var q=document.getElementById('compare');
  if(q){['rowA','rowB','image','split'].forEach(function(id){
    document.getElementById(id).oninput=showPair;}); showPair();}
}
function showPair(){
  var a=document.getElementById('rowA').value, b=document.getElementById('rowB').value;
  var i=+document.getElementById('image').value, s=document.getElementById('split').value;
  document.getElementById('imgA').src=THUMBS[a][i]||'';
  document.getElementById('imgB').src=THUMBS[b][i]||'';
  document.getElementById('imgA').style.clipPath='inset(0 '+(100-s)+'% 0 0)';
}
window.addEventListener('hashchange', fromHash);
window.addEventListener('DOMContentLoaded', setup);
"""


def image_data_uri(path: str) -> Optional[str]:
    """A PNG file as a ``data:`` URI, None when the file does not exist."""
    if not path or not osp.isfile(path):
        return None
    with open(path, 'rb') as f:
        return 'data:image/png;base64,' + base64.b64encode(f.read()).decode()


def thumbnail_uri(rgb: np.ndarray, max_side: int = 192, quality: int = 85) -> str:
    """A small JPEG ``data:`` URI of an RGB uint8 (or 0-1 float) image."""
    if rgb.dtype != np.uint8:
        rgb = (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)
    image = Image.fromarray(rgb)
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=quality)
    return 'data:image/jpeg;base64,' + base64.b64encode(buffer.getvalue()).decode()


def _sort_value(value) -> str:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return '' if math.isnan(float(value)) else repr(float(value))
    return '' if value is None else str(value)


def table_html(table: pd.DataFrame, bounds: BoundRows = BoundRows()) -> str:
    """The leaderboard as an HTML table: shown as in the markdown, sorted on raw numbers (with
    several detectors on a dataset, the paper-style layout: a column group per detector, the
    bound rows of ``bounds`` first and last)."""
    table = table.drop(columns=[c for c in table.columns if c.startswith(PROTOCOL_PREFIX)])
    if wants_detector_columns(table):
        table = detector_columns_table(table, bounds=bounds)
        shown = format_detector_columns(table, format_value)
    else:
        shown = format_table(merge_intervals(table, format_value))
    head = ''.join(f'<th data-col="{html.escape(str(c))}">{html.escape(str(c))}</th>'
                   for c in shown.columns)
    rows = []
    for (_, raw), (_, text) in zip(table.iterrows(), shown.iterrows()):
        cells = ''.join(
            f'<td data-v="{html.escape(_sort_value(raw.get(c)))}">{html.escape(str(text[c]))}'
            '</td>' for c in shown.columns)
        rows.append(f'<tr data-enhancer="{html.escape(str(raw.get("enhancer", "")))}">'
                    f'{cells}</tr>')
    return (f'<table id="leaderboard"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def script_json(value) -> str:
    """JSON for inside an inline ``<script>``: ``<``, ``>`` and ``&`` (and the JavaScript line
    separators U+2028/U+2029) written as ``\\uXXXX`` escapes, so no value (a row name holding
    ``</script>`` or ``<!--<script>``) can end or re-open the script element."""
    import json
    text = json.dumps(value)
    for char in '<>&\u2028\u2029':
        text = text.replace(char, f'\\u{ord(char):04x}')
    return text


def compare_html(thumbnails: Dict[str, List[Optional[str]]], image_names: Sequence[str]) -> str:
    """Two row pickers, an image picker and a split slider over the same image."""
    names = list(thumbnails)
    options = ''.join(f'<option value="{html.escape(n)}">{html.escape(n)}</option>'
                      for n in names)
    images = ''.join(f'<option value="{i}">{html.escape(n)}</option>'
                     for i, n in enumerate(image_names))
    second = names[1] if len(names) > 1 else names[0]
    return (
        '<h2>Compare two rows</h2><div id="compare">'
        f'<label>left <select id="rowA">{options}</select></label> '
        f'<label>right <select id="rowB">{options}</select></label> '
        f'<label>image <select id="image">{images}</select></label> '
        '<label>split <input id="split" type="range" min="0" max="100" value="50"></label>'
        '<br><div class="cmp"><img id="imgB" alt="right row"><img id="imgA" class="top" '
        'alt="left row"></div>'
        '<p>Left of the split: the left row; right of it: the right row (same test image, '
        'the enhanced output as the detector received it, downscaled).</p></div>'
        f'<script>var THUMBS={script_json(thumbnails)};'
        f'document.addEventListener("DOMContentLoaded",function(){{'
        f'document.getElementById("rowB").value={script_json(second)};showPair();}});</script>')


def write_html_report(table: pd.DataFrame, path: str, title: str, caption: str = '',
                      figures: Sequence[str] = (),
                      thumbnails: Optional[Dict[str, List[Optional[str]]]] = None,
                      image_names: Sequence[str] = (),
                      bounds: BoundRows = BoundRows()) -> str:
    """Write ``report.html``.

    Args:
        table (pd.DataFrame): The leaderboard (with interval columns when computed).
        path (str): Output file.
        title (str): Page title (the benchmark).
        caption (str): Text under the title (e.g. how intervals were computed).
        figures (Sequence[str]): PNG files to inline (missing ones are left out).
        thumbnails (dict, optional): Row name -> data URIs of the same images (None: no
            qualitative comparison, e.g. photos that may not be redistributed).
        image_names (Sequence[str]): Names of the compared images.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        str: ``path``.
    """
    protocol = ''.join(f'<li>{html.escape(line)}</li>' for line in protocol_lines(table))
    plots = ''.join(
        f'<figure><img src="{uri}" alt="{html.escape(osp.basename(p))}" style="max-width:640px">'
        f'<figcaption>{html.escape(osp.basename(p))}</figcaption></figure>'
        for p in figures for uri in [image_data_uri(p)] if uri)
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">',
        f'<title>{html.escape(title)}</title><style>{_STYLE}</style>',
        f'<script>{_SCRIPT}</script></head><body>',
        f'<h1>{html.escape(title)}</h1>',
        ''.join(f'<p>{html.escape(line)}</p>' for line in caption.splitlines() if line.strip()),
        f'<h2>Protocol</h2><ul>{protocol}</ul>' if protocol else '',
        '<h2>Leaderboard</h2><p>Click a column header to sort.</p>',
        f'<div class="wide">{table_html(table, bounds)}</div>',
        compare_html(thumbnails, image_names) if thumbnails else '',
        f'<h2>Plots</h2>{plots}' if plots else '',
        '</body></html>\n',
    ]
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(p for p in parts if p))
    return path


def row_thumbnails(cells: Sequence[CellSpec], num_images: int = 4, device: str = 'cpu',
                   max_side: int = 192) -> Tuple[Dict[str, List[Optional[str]]], List[str]]:
    """Each distinct row's output on the same first test images, as JPEG data URIs.

    Outputs are those of :func:`.row_outputs.row_outputs` (rounded to 8 bits as the detector
    received them; a folder row shows its files, None where one is missing or unreadable).

    Args:
        cells (Sequence[CellSpec]): Cells of one dataset.
        num_images (int): Images per row. Defaults to 4.
        device (str): Defaults to 'cpu'.
        max_side (int): Longest side of a thumbnail in pixels.

    Returns:
        tuple[dict, list[str]]: Row name -> data URIs, and the image names.
    """
    rows, names = row_outputs(cells, num_images, device)
    return {name: [None if image is None else thumbnail_uri(image, max_side) for image in row]
            for name, row in rows.items()}, names


def write_benchmark_report(table, work_dir: str, benchmark: str, caption: str,
                           figures: Sequence[str], cells: Sequence[CellSpec],
                           images: bool, device: str = 'cpu',
                           bounds: BoundRows = BoundRows()) -> str:
    """Write ``<work_dir>/report.html`` for a benchmark run.

    Args:
        table (pd.DataFrame): The leaderboard (with interval columns when computed).
        work_dir (str): The result folder.
        benchmark (str): Its name (title).
        caption (str): The leaderboard's caption.
        figures (Sequence[str]): PNG files to inline.
        cells (Sequence[CellSpec]): The run's cells (rows for the comparison).
        images (bool): Include the qualitative comparison; False for photos that may not be
            redistributed (``qualitative_grid = False``): the report then holds no image of them.
        device (str): For the enhancers of the thumbnails.
        bounds (BoundRows): The benchmark's bound rows (``BoundRows.of(bench_cfg)``).

    Returns:
        str: The report's path.
    """
    thumbs, names = (row_thumbnails([c for c in cells if c.dataset == cells[0].dataset],
                                    device=device) if images and cells else (None, []))
    return write_html_report(table, osp.join(work_dir, 'report.html'),
                             f'Benchmark {benchmark}', caption, figures, thumbs, names,
                             bounds)
