"""Low-light degradation factors: the augmented signals SDAG learns to be aware of.

Each factor maps a batch of RGB images in [0, 1], shape (N, 3, H, W), to a degraded batch of the
same shape. Its parameters are drawn per image, uniformly from the factor's own range, from an
optional ``torch.Generator`` (same generator state -> same output). Factors are registered in
``DEGRADATIONS`` (not in the data pipeline's ``TRANSFORMS``: they act on batches inside the
model) and compose with :class:`ComposeDegradations`; ``name`` keys their logged losses.

The official SDAG pretraining uses two factors, both reproduced exactly by the defaults here:
:class:`GammaDegradation` (``x ** (1 / 0.3)``) and :class:`GaussianNoiseDegradation`
(sigma = 50 / 255, not clipped). Exposure scaling, Poisson-Gaussian noise, colour cast and blur
follow the low-light image formation that ``LowLightDegrade`` simulates.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from sdag_bench.registry import DEGRADATIONS

Range = Tuple[float, float]


def _check_range(value_range: Sequence[float], what: str, minimum: float = 0.0) -> Range:
    low, high = (float(v) for v in value_range)
    if not minimum <= low <= high:
        raise ValueError(f'{what} must satisfy {minimum} <= low <= high, got {value_range}')
    return low, high


def _noise_device(x: Tensor, generator: Optional[torch.Generator]) -> torch.device:
    return generator.device if generator is not None else x.device


def sample_uniform(n: int, value_range: Range, x: Tensor,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """Draw ``n`` values uniformly from ``value_range``, shaped (n, 1, 1, 1) like ``x``.

    Args:
        n (int): How many values (one per image).
        value_range (tuple[float, float]): ``(low, high)``; equal ends give a constant.
        x (Tensor): Reference tensor for dtype and device.
        generator (torch.Generator, optional): Random source. Defaults to the global one.

    Returns:
        Tensor: Shape (n, 1, 1, 1), on ``x``'s device.
    """
    low, high = value_range
    u = torch.rand(n, generator=generator, device=_noise_device(x, generator))
    return (low + (high - low) * u).to(device=x.device, dtype=x.dtype).view(n, 1, 1, 1)


def _randn_like(x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
    noise = torch.randn(x.shape, generator=generator, device=_noise_device(x, generator))
    return noise.to(device=x.device, dtype=x.dtype)


class DegradationFactor:
    """Base class of degradation factors.

    Args:
        name (str): Short name used in logged loss keys.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """Degrade a batch.

        Args:
            x (Tensor): RGB in [0, 1], shape (N, 3, H, W).
            generator (torch.Generator, optional): Random source. Defaults to the global one.

        Returns:
            Tensor: The degraded batch, same shape.
        """
        if x.dim() != 4:
            raise ValueError(f'{type(self).__name__} expects (N, C, H, W), got {tuple(x.shape)}')
        return self.apply(x, generator)

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f'{type(self).__name__}(name={self.name!r})'


@DEGRADATIONS.register_module()
class GammaDegradation(DegradationFactor):
    """Darken by a power curve ``x ** exponent`` (official: exponent 1 / 0.3).

    Args:
        exponent_range (tuple[float, float]): Range of the exponent. Defaults to (1/0.3, 1/0.3).
        name (str): Log name. Defaults to ``'gamma'``.
    """

    def __init__(self, exponent_range: Sequence[float] = (1 / 0.3, 1 / 0.3),
                 name: str = 'gamma') -> None:
        super().__init__(name)
        self.exponent_range = _check_range(exponent_range, 'exponent_range')

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        exponent = sample_uniform(x.shape[0], self.exponent_range, x, generator)
        return x.clamp(min=0) ** exponent


@DEGRADATIONS.register_module()
class GaussianNoiseDegradation(DegradationFactor):
    """Add zero-mean Gaussian noise (official: sigma = 50 / 255, no clipping).

    Args:
        sigma_range (tuple[float, float]): Range of the standard deviation (image scale [0, 1]).
            Defaults to (50/255, 50/255).
        clip (bool): Clip the result to [0, 1]. Defaults to False (official).
        name (str): Log name. Defaults to ``'noise'``.
    """

    def __init__(self, sigma_range: Sequence[float] = (50 / 255, 50 / 255), clip: bool = False,
                 name: str = 'noise') -> None:
        super().__init__(name)
        self.sigma_range = _check_range(sigma_range, 'sigma_range')
        self.clip = clip

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        sigma = sample_uniform(x.shape[0], self.sigma_range, x, generator)
        out = x + sigma * _randn_like(x, generator)
        return out.clamp(0, 1) if self.clip else out


@DEGRADATIONS.register_module()
class ExposureDegradation(DegradationFactor):
    """Scale the exposure linearly: ``x * k``.

    Args:
        scale_range (tuple[float, float]): Range of ``k``. Defaults to (0.05, 0.4).
        name (str): Log name. Defaults to ``'exposure'``.
    """

    def __init__(self, scale_range: Sequence[float] = (0.05, 0.4), name: str = 'exposure') -> None:
        super().__init__(name)
        self.scale_range = _check_range(scale_range, 'scale_range')

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        return x * sample_uniform(x.shape[0], self.scale_range, x, generator)


@DEGRADATIONS.register_module()
class PoissonGaussianDegradation(DegradationFactor):
    """Sensor noise: Poisson shot noise plus Gaussian read noise, clipped to [0, 1].

    With shot-noise gain ``a`` the clean signal ``x`` becomes ``a * Poisson(x / a) + N(0, b^2)``
    (variance ``a * x + b^2``).

    Args:
        shot_range (tuple[float, float]): Range of the gain ``a`` (> 0). Defaults to (0.002, 0.02).
        read_range (tuple[float, float]): Range of the read-noise std ``b``.
            Defaults to (0.002, 0.03).
        name (str): Log name. Defaults to ``'poisson_gaussian'``.
    """

    def __init__(self, shot_range: Sequence[float] = (0.002, 0.02),
                 read_range: Sequence[float] = (0.002, 0.03),
                 name: str = 'poisson_gaussian') -> None:
        super().__init__(name)
        self.shot_range = _check_range(shot_range, 'shot_range', minimum=1e-8)
        self.read_range = _check_range(read_range, 'read_range')

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        n = x.shape[0]
        gain = sample_uniform(n, self.shot_range, x, generator)
        read = sample_uniform(n, self.read_range, x, generator)
        rate = (x.clamp(0, 1) / gain).to(_noise_device(x, generator))
        shot = torch.poisson(rate.detach(), generator=generator).to(x.device, x.dtype)
        return (gain * shot + read * _randn_like(x, generator)).clamp(0, 1)


@DEGRADATIONS.register_module()
class ColourCastDegradation(DegradationFactor):
    """Per-channel gains (a white-balance error), normalised to mean 1, clipped to [0, 1].

    Args:
        gain_range (tuple[float, float]): Range of each channel's gain. Defaults to (0.6, 1.4).
        name (str): Log name. Defaults to ``'colour_cast'``.
    """

    def __init__(self, gain_range: Sequence[float] = (0.6, 1.4),
                 name: str = 'colour_cast') -> None:
        super().__init__(name)
        self.gain_range = _check_range(gain_range, 'gain_range', minimum=1e-8)

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        n, c = x.shape[:2]
        gains = sample_uniform(n * c, self.gain_range, x, generator).view(n, c, 1, 1)
        gains = gains / gains.mean(dim=1, keepdim=True)
        return (x * gains).clamp(0, 1)


@DEGRADATIONS.register_module()
class BlurDegradation(DegradationFactor):
    """Gaussian blur (defocus / motion-free camera shake), a separable kernel per image.

    Args:
        sigma_range (tuple[float, float]): Range of the kernel's std in pixels (> 0).
            Defaults to (0.8, 2.0).
        name (str): Log name. Defaults to ``'blur'``.
    """

    def __init__(self, sigma_range: Sequence[float] = (0.8, 2.0), name: str = 'blur') -> None:
        super().__init__(name)
        self.sigma_range = _check_range(sigma_range, 'sigma_range', minimum=1e-3)
        self.radius = int(math.ceil(3 * self.sigma_range[1]))

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        n, c, h, w = x.shape
        sigma = sample_uniform(n, self.sigma_range, x, generator).view(n, 1)
        offsets = torch.arange(-self.radius, self.radius + 1, device=x.device, dtype=x.dtype)
        kernel = torch.exp(-0.5 * (offsets.view(1, -1) / sigma)**2)
        kernel = (kernel / kernel.sum(dim=1, keepdim=True)).repeat_interleave(c, dim=0)
        k = kernel.shape[1]
        out = F.pad(x.reshape(1, n * c, h, w), [self.radius] * 4, mode='replicate')
        out = F.conv2d(out, kernel.view(n * c, 1, 1, k), groups=n * c)
        out = F.conv2d(out, kernel.view(n * c, 1, k, 1), groups=n * c)
        return out.view(n, c, h, w)


@DEGRADATIONS.register_module()
class ComposeDegradations(DegradationFactor):
    """Apply several factors in sequence (e.g. exposure, then noise).

    Args:
        factors (list[dict | DegradationFactor]): Factors or their configs, applied in order.
        name (str, optional): Log name. Defaults to the factors' names joined by ``'+'``.
    """

    def __init__(self, factors: List[Union[dict, DegradationFactor]],
                 name: Optional[str] = None) -> None:
        built = [build_degradation(f) for f in factors]
        if not built:
            raise ValueError('ComposeDegradations needs at least one factor')
        super().__init__(name or '+'.join(f.name for f in built))
        self.factors = built

    def apply(self, x: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        for factor in self.factors:
            x = factor(x, generator)
        return x


def build_degradation(cfg: Union[dict, DegradationFactor]) -> DegradationFactor:
    """Build a degradation factor from its config (or return it if already built).

    Args:
        cfg (dict | DegradationFactor): E.g. ``dict(type='GammaDegradation')``.

    Returns:
        DegradationFactor: The factor.

    Raises:
        KeyError: For a type not registered in ``DEGRADATIONS`` (e.g. a data-pipeline transform).
    """
    if isinstance(cfg, DegradationFactor):
        return cfg
    factor = DEGRADATIONS.build(cfg)
    if not isinstance(factor, DegradationFactor):
        raise TypeError(f'{cfg!r} is not a degradation factor ({type(factor).__name__})')
    return factor
