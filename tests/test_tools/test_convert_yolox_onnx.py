"""``tools/convert_yolox_onnx.py`` as a user runs it: the real YOLOX-Nano export converts into a
state dict that opens with ``weights_only=True``; files that are not that YOLOX are one-line
errors naming what was expected. The bad files are made from the real export with the ``onnx``
package (a truncated copy, unfolded batch norm, another width, a left-over tensor, another
model)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper

from sdag_bench.utils.paths import PROJECT_ROOT

pytestmark = pytest.mark.assets


@pytest.fixture(scope='module')
def onnx_file(shared_assets: Path) -> Path:
    return shared_assets / 'Bigisland1729+object-detection-models' / 'yolox_nano.onnx'


def _convert(onnx_path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, 'tools/convert_yolox_onnx.py', str(onnx_path),
                           str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True)


def _run_main(args, capsys) -> tuple:
    """The tool's ``main()`` in this process (the same code path as the command line, without
    importing torch and mmdet again)."""
    from tools.convert_yolox_onnx import main
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_converts_the_real_export(yolox_nano_checkpoint: Path, onnx_file: Path):
    """The session fixture ran the tool; its output is a plain state dict of mmdet's YOLOX with
    every batch norm the identity carrying the folded bias."""
    state = torch.load(yolox_nano_checkpoint, map_location='cpu', weights_only=True)
    assert len(state) == 642
    convs = [k for k in state if k.endswith('.conv.weight') or '.multi_level_conv_' in k]
    assert len([k for k in convs if k.endswith('weight')]) == 113
    assert torch.equal(state['backbone.stem.conv.bn.weight'], torch.ones(16))
    assert torch.equal(state['backbone.stem.conv.bn.running_mean'], torch.zeros(16))
    inits = {i.name: i for i in onnx.load(str(onnx_file)).graph.initializer}
    folded = numpy_helper.to_array(inits['onnx::Conv_1179'])  # the stem's folded bias
    assert np.array_equal(state['backbone.stem.conv.bn.bias'].numpy(), folded)


def _save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def test_truncated_file(onnx_file, tmp_path, capsys):
    bad = tmp_path / 'truncated.onnx'
    bad.write_bytes(onnx_file.read_bytes()[:1_000_000])
    code, _, err = _run_main([bad, tmp_path / 'out.pth'], capsys)
    assert code == 1 and 'truncated.onnx: not a readable ONNX file' in err, err
    assert not (tmp_path / 'out.pth').exists()


def test_unfolded_batch_norm(onnx_file, tmp_path, capsys):
    """A BatchNormalization node after the stem conv: refused, naming the node."""
    model = onnx.load(str(onnx_file))
    graph = model.graph
    stem = next(n for n in graph.node if n.op_type == 'Conv')
    out = stem.output[0]
    stem.output[0] = 'stem_conv_raw'
    for name, value in (('bn_s', 1.0), ('bn_b', 0.0), ('bn_m', 0.0), ('bn_v', 1.0)):
        graph.initializer.append(numpy_helper.from_array(np.full(16, value, np.float32), name))
    index = list(graph.node).index(stem) + 1
    graph.node.insert(index, helper.make_node(
        'BatchNormalization', ['stem_conv_raw', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], [out],
        name='stem_bn'))
    code, _, err = _run_main([_save(model, tmp_path / 'bn.onnx'), tmp_path / 'o.pth'], capsys)
    assert code == 1 and '1 BatchNormalization nodes (first: stem_bn)' in err, err


def test_another_width(onnx_file, tmp_path, capsys):
    """The stem conv with 24 output channels (a wider model): refused, naming node and shapes."""
    model = onnx.load(str(onnx_file))
    stem = next(n for n in model.graph.node if n.op_type == 'Conv')
    inits = {i.name: i for i in model.graph.initializer}
    for name, shape in ((stem.input[1], (24, 12, 3, 3)), (stem.input[2], (24, ))):
        inits[name].CopyFrom(numpy_helper.from_array(np.zeros(shape, np.float32), name))
    code, _, err = _run_main([_save(model, tmp_path / 'wide.onnx'), tmp_path / 'o.pth'], capsys)
    assert code == 1, err
    assert (f'Conv node {stem.name} weight {stem.input[1]} has shape (24, 12, 3, 3), '
            'backbone.stem.conv expects (16, 12, 3, 3)') in err, err


def test_left_over_tensor(onnx_file, tmp_path, capsys):
    model = onnx.load(str(onnx_file))
    model.graph.initializer.append(numpy_helper.from_array(np.zeros(3, np.float32), 'extra.w'))
    code, _, err = _run_main([_save(model, tmp_path / 'extra.onnx'), tmp_path / 'o.pth'], capsys)
    assert code == 1 and '1 initialisers no node reads (extra.w' in err, err


def test_not_a_yolox_export(tmp_path, capsys):
    """A one-convolution model: refused, saying how many convolutions were expected."""
    weight = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), 'w')
    bias = numpy_helper.from_array(np.zeros(4, np.float32), 'b')
    graph = helper.make_graph(
        [helper.make_node('Conv', ['images', 'w', 'b'], ['out'], pads=[1, 1, 1, 1])], 'tiny',
        [helper.make_tensor_value_info('images', onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info('out', onnx.TensorProto.FLOAT, [1, 4, 8, 8])],
        [weight, bias])
    path = _save(helper.make_model(graph), tmp_path / 'tiny.onnx')
    code, _, err = _run_main([path, tmp_path / 'o.pth'], capsys)
    assert code == 1 and '1 Conv nodes; the target YOLOX has 113' in err, err


def test_missing_file_through_the_command_line(tmp_path):
    done = _convert(tmp_path / 'nothing.onnx', tmp_path / 'o.pth')
    assert done.returncode == 1 and 'file not found' in done.stderr, done.stderr
