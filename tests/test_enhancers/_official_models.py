"""The official Zero-DCE, Zero-DCE++ (model.py), PairLIE (net/net.py) and CLIP-LIT
(model_small.UNet_emb_oneBranch_symmetry) networks re-expressed with their official parameter
names, to check our modules and key maps against."""
import json
from pathlib import Path
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

#: Names and shapes of the released checkpoints' tensors (Zero-DCE ``Epoch99.pth``, Zero-DCE++
#: ``Epoch99.pth``, RUAS ``ckpt/lol.pt`` and ``model/denoise.pt``), listed from the files.
OFFICIAL_KEYS = Path(__file__).parent / 'data' / 'official_keys.json'


def official_keys(name: str) -> Dict[str, List[int]]:
    """Tensor name -> shape of one released checkpoint (``zerodce``, ``zerodce_pp``, ``ruas``,
    ``ruas_denoiser``)."""
    return json.loads(OFFICIAL_KEYS.read_text())[name]['keys']


def _pairlie_stack(out_channels):
    layers = []
    for i, (cin, cout) in enumerate(zip([3, 64, 64, 64, 64], [64, 64, 64, 64, out_channels])):
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3, 1, 0)]
        if i < 4:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _Named(nn.Module):
    def __init__(self, attr, module):
        super().__init__()
        setattr(self, attr, module)
        self.attr = attr

    def forward(self, x):
        return torch.sigmoid(getattr(self, self.attr)(x))


class OfficialPairLIE(nn.Module):
    def __init__(self):
        super().__init__()
        self.L_net = _Named('L_net', _pairlie_stack(1))
        self.R_net = _Named('R_net', _pairlie_stack(3))
        self.N_net = _Named('N_net', _pairlie_stack(3))

    def forward(self, x):
        x = self.N_net(x)
        return torch.pow(self.L_net(x), 0.2) * self.R_net(x)


class _Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False, padding_mode='reflect')
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False, padding_mode='reflect')

    def forward(self, x):
        return F.leaky_relu(self.conv2(F.leaky_relu(self.conv1(x), 0.2)) + x, 0.2)


class _PPM1(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(32, 8, 1, bias=False), nn.PReLU())
            for b in (1, 2, 3, 6))
        self.fuse = nn.Sequential(nn.Conv2d(64, 32, 3, padding=1, bias=False), nn.PReLU())

    def forward(self, x):
        out = [x] + [F.interpolate(f(x), x.shape[2:], mode='bilinear', align_corners=True)
                     for f in self.features]
        return self.fuse(torch.cat(out, 1))


class OfficialCLIPLIT(nn.Module):
    def __init__(self):
        super().__init__()
        conv = dict(kernel_size=3, stride=1, padding=1, bias=True, padding_mode='reflect')
        self.cond1 = nn.Conv2d(3, 32, **conv)
        self.cond_add1 = nn.Conv2d(32, 1, **conv)
        self.condx = nn.Conv2d(32, 64, **conv)
        self.condy = nn.Conv2d(64, 32, **conv)
        for i, c in enumerate((32, 32, 64, 64, 32, 32), 1):
            setattr(self, f'ResidualBlock{i}', _Res(c))
        self.PPM1 = _PPM1()

    def forward(self, x):
        r = self.ResidualBlock2(self.ResidualBlock1(F.leaky_relu(self.cond1(x), 0.2)))
        r = self.ResidualBlock4(self.ResidualBlock3(self.condx(self.PPM1(r))))
        r = self.ResidualBlock6(self.ResidualBlock5(self.condy(r)))
        light_map = F.relu(self.cond_add1(r))
        return torch.clamp(x / light_map, 0, 1)


class OfficialZeroDCE(nn.Module):
    """Zero-DCE's ``enhance_net_nopool`` (Li-Chongyi/Zero-DCE, ``model.py``): 7 convolutions
    ``e_conv1..7``, 8 curve maps applied in turn."""

    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)
        number_f = 32
        self.e_conv1 = nn.Conv2d(3, number_f, 3, 1, 1, bias=True)
        self.e_conv2 = nn.Conv2d(number_f, number_f, 3, 1, 1, bias=True)
        self.e_conv3 = nn.Conv2d(number_f, number_f, 3, 1, 1, bias=True)
        self.e_conv4 = nn.Conv2d(number_f, number_f, 3, 1, 1, bias=True)
        self.e_conv5 = nn.Conv2d(number_f * 2, number_f, 3, 1, 1, bias=True)
        self.e_conv6 = nn.Conv2d(number_f * 2, number_f, 3, 1, 1, bias=True)
        self.e_conv7 = nn.Conv2d(number_f * 2, 24, 3, 1, 1, bias=True)

    def forward(self, x):
        x1 = self.relu(self.e_conv1(x))
        x2 = self.relu(self.e_conv2(x1))
        x3 = self.relu(self.e_conv3(x2))
        x4 = self.relu(self.e_conv4(x3))
        x5 = self.relu(self.e_conv5(torch.cat([x3, x4], 1)))
        x6 = self.relu(self.e_conv6(torch.cat([x2, x5], 1)))
        x_r = torch.tanh(self.e_conv7(torch.cat([x1, x6], 1)))
        for r in torch.split(x_r, 3, dim=1):
            x = x + r * (torch.pow(x, 2) - x)
        return x


class _CSDNTem(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.depth_conv = nn.Conv2d(in_ch, in_ch, 3, 1, 1, groups=in_ch)
        self.point_conv = nn.Conv2d(in_ch, out_ch, 1, 1, 0, groups=1)

    def forward(self, x):
        return self.point_conv(self.depth_conv(x))


class OfficialZeroDCEPP(nn.Module):
    """Zero-DCE++'s ``enhance_net_nopool`` (Li-Chongyi/Zero-DCE_extension, ``model.py``):
    depthwise-separable ``e_conv1..7`` on the input downscaled by ``scale_factor``, one curve
    map upsampled by ``nn.UpsamplingBilinear2d`` and applied 8 times."""

    def __init__(self, scale_factor):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)
        self.scale_factor = scale_factor
        self.upsample = nn.UpsamplingBilinear2d(scale_factor=self.scale_factor)
        number_f = 32
        self.e_conv1 = _CSDNTem(3, number_f)
        self.e_conv2 = _CSDNTem(number_f, number_f)
        self.e_conv3 = _CSDNTem(number_f, number_f)
        self.e_conv4 = _CSDNTem(number_f, number_f)
        self.e_conv5 = _CSDNTem(number_f * 2, number_f)
        self.e_conv6 = _CSDNTem(number_f * 2, number_f)
        self.e_conv7 = _CSDNTem(number_f * 2, 3)

    def forward(self, x):
        if self.scale_factor == 1:
            x_down = x
        else:
            x_down = F.interpolate(x, scale_factor=1 / self.scale_factor, mode='bilinear')
        x1 = self.relu(self.e_conv1(x_down))
        x2 = self.relu(self.e_conv2(x1))
        x3 = self.relu(self.e_conv3(x2))
        x4 = self.relu(self.e_conv4(x3))
        x5 = self.relu(self.e_conv5(torch.cat([x3, x4], 1)))
        x6 = self.relu(self.e_conv6(torch.cat([x2, x5], 1)))
        x_r = torch.tanh(self.e_conv7(torch.cat([x1, x6], 1)))
        if self.scale_factor != 1:
            x_r = self.upsample(x_r)
        for _ in range(8):
            x = x + x_r * (torch.pow(x, 2) - x)
        return x
