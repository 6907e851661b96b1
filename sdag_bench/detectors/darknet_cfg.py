"""Read a darknet ``.cfg`` file: its layers, in order, with the channels each one outputs.

A darknet cfg is a list of ``[section]`` headers, each followed by ``key=value`` lines (``#`` and
``;`` start comments). The first section is ``[net]`` (input size and training settings); the
others are the layers, indexed from 0 in the order they appear (``[route] layers=-4`` and
``[shortcut] from=-3`` count back from the layer itself). Only what the weight file depends on
is interpreted here: the output channels of every layer, so that a convolution knows its input
channels.
"""
from dataclasses import dataclass, field
from typing import Dict, List

#: Layer types whose output has as many channels as their input.
_SAME_CHANNELS = ('maxpool', 'upsample', 'yolo', 'shortcut', 'region', 'dropout', 'avgpool',
                  'softmax', 'batchnorm', 'activation')


class DarknetCfgError(ValueError):
    """A darknet cfg file cannot be read; the message names the file, line or layer."""


@dataclass
class DarknetLayer:
    """One layer of a darknet cfg.

    Attributes:
        index (int): Layer index (0 = first section after ``[net]``).
        type (str): Section name without brackets, e.g. ``'convolutional'``.
        options (dict[str, str]): The ``key=value`` lines, as strings.
        line (int): Line number of the section header in the cfg file.
        in_channels (int): Channels of the layer's input (set by :func:`parse_darknet_cfg`).
        out_channels (int): Channels of the layer's output.
    """

    index: int
    type: str
    options: Dict[str, str] = field(default_factory=dict)
    line: int = 0
    in_channels: int = 0
    out_channels: int = 0

    def get_int(self, key: str, default: int) -> int:
        """An integer option, or ``default`` when absent."""
        try:
            return int(self.options.get(key, default))
        except ValueError as err:
            raise DarknetCfgError(f'{self.describe()}: {key}={self.options[key]!r} is not an '
                                  'integer') from err

    def describe(self) -> str:
        """``'layer 14 (convolutional, line 97)'``: how errors name this layer."""
        return f'layer {self.index} ({self.type}, line {self.line})'

    @property
    def batch_normalize(self) -> bool:
        """Whether a convolutional layer has batch norm (darknet's ``batch_normalize=1``)."""
        return self.get_int('batch_normalize', 0) != 0


@dataclass
class DarknetCfg:
    """A parsed darknet cfg.

    Attributes:
        path (str): The file it was read from.
        net (dict[str, str]): The ``[net]`` options.
        layers (list[DarknetLayer]): The layers in order.
    """

    path: str
    net: Dict[str, str]
    layers: List[DarknetLayer]


def _read_sections(path: str) -> List[DarknetLayer]:
    sections: List[DarknetLayer] = []
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, start=1):
            line = raw.split('#')[0].split(';')[0].strip()
            if not line:
                continue
            if line.startswith('['):
                if not line.endswith(']'):
                    raise DarknetCfgError(f'{path}, line {lineno}: bad section header {line!r}')
                sections.append(DarknetLayer(len(sections) - 1, line[1:-1].strip(), line=lineno))
            elif '=' in line and sections:
                key, value = line.split('=', 1)
                sections[-1].options[key.strip()] = value.strip()
            else:
                raise DarknetCfgError(f'{path}, line {lineno}: expected [section] or key=value, '
                                      f'got {line!r}')
    return sections


def _source(layer: DarknetLayer, offset: int, layers: List[DarknetLayer]) -> DarknetLayer:
    """The layer a route / shortcut refers to (negative offsets count back)."""
    index = layer.index + offset if offset < 0 else offset
    if not 0 <= index < layer.index:
        raise DarknetCfgError(f'{layer.describe()}: refers to layer {offset}, which is not an '
                              'earlier layer')
    return layers[index]


def parse_darknet_cfg(path: str) -> DarknetCfg:
    """Parse a darknet cfg and work out every layer's input and output channels.

    Args:
        path (str): The ``.cfg`` file.

    Returns:
        DarknetCfg: ``[net]`` options and the layers.

    Raises:
        DarknetCfgError: Naming the file and line or layer: no ``[net]`` first, a layer type
            whose channels are unknown, a route to a later layer.
    """
    sections = _read_sections(path)
    if not sections or sections[0].type not in ('net', 'network'):
        raise DarknetCfgError(f'{path}: the first section must be [net]')
    net, layers = sections[0].options, sections[1:]
    channels = int(net.get('channels', 3))
    for layer in layers:
        layer.in_channels = channels
        if layer.type in ('convolutional', 'conv'):
            layer.out_channels = layer.get_int('filters', 1)
        elif layer.type in _SAME_CHANNELS:
            layer.out_channels = channels
        elif layer.type == 'route':
            if 'groups' in layer.options:
                raise DarknetCfgError(f'{path}: {layer.describe()}: [route] groups= is not '
                                      'supported')
            offsets = [int(v) for v in layer.options.get('layers', '').split(',') if v.strip()]
            if not offsets:
                raise DarknetCfgError(f'{path}: {layer.describe()} has no layers=')
            layer.out_channels = sum(_source(layer, o, layers).out_channels for o in offsets)
        elif layer.type == 'reorg':
            layer.out_channels = channels * layer.get_int('stride', 2) ** 2
        else:
            raise DarknetCfgError(f'{path}: {layer.describe()}: layer type [{layer.type}] is not '
                                  'supported')
        channels = layer.out_channels
    return DarknetCfg(path=path, net=net, layers=layers)
