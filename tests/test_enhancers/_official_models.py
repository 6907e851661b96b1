"""The official PairLIE and CLIP-LIT networks re-expressed with their official parameter names
(net/net.py; model_small.UNet_emb_oneBranch_symmetry), to check our modules against."""
import torch
import torch.nn.functional as F
from torch import nn


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
