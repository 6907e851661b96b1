"""Physics-based low-light synthesis ("unprocessing", after Brooks et al. 2019 and MAET 2021).

An sRGB image is taken back to a linear raw-like signal (inverse gamma, inverse colour-correction
matrix, inverse white balance), darkened by an exposure scale ``k``, corrupted by Poisson-Gaussian
(shot + read) noise and quantised, then sent forward through the same ISP again. Every random
parameter is drawn from a range in the config, from a seeded generator, and returned so it can be
logged next to the image it produced.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from sdag_bench.registry import TRANSFORMS

Range = Tuple[float, float]

#: Default parameter ranges (uniform unless noted). ``exposure`` is the linear-light scale k.
DEFAULT_RANGES: Dict[str, Range] = dict(
    gamma=(2.0, 2.6),  # display gamma undone and redone
    exposure=(0.03, 0.15),  # k: fraction of the original linear light
    red_gain=(1.9, 2.4),  # white-balance gains (Brooks et al.)
    blue_gain=(1.5, 1.9),
    ccm_jitter=(0.0, 0.15),  # off-diagonal strength of the colour-correction matrix
    shot_noise=(1e-4, 3e-3),  # variance per unit signal, sampled log-uniformly
    read_noise=(1e-3, 2e-2),  # std of the signal-independent noise, sampled log-uniformly
)
_LOG_UNIFORM = ('shot_noise', 'read_noise')


def sample_low_light_params(rng: np.random.Generator,
                            ranges: Optional[Dict[str, Range]] = None) -> Dict[str, object]:
    """Draw one set of degradation parameters.

    Args:
        rng (np.random.Generator): Source of randomness.
        ranges (dict, optional): Overrides of :data:`DEFAULT_RANGES` (``(low, high)`` tuples; equal
            bounds fix a value).

    Returns:
        dict: Scalars ``gamma, exposure, red_gain, blue_gain, shot_noise, read_noise`` and the
        3x3 ``ccm`` (rows sum to 1) as a nested list.
    """
    merged = dict(DEFAULT_RANGES)
    for key, value in (ranges or {}).items():
        if key not in DEFAULT_RANGES:
            raise KeyError(f'unknown low-light parameter {key!r}; known: {sorted(DEFAULT_RANGES)}')
        low, high = float(value[0]), float(value[1])
        if low > high:
            raise ValueError(f'range of {key!r} is empty: {value}')
        merged[key] = (low, high)
    params: Dict[str, object] = {}
    for key in ('gamma', 'exposure', 'red_gain', 'blue_gain', 'ccm_jitter', 'shot_noise',
                'read_noise'):
        low, high = merged[key]
        if key in _LOG_UNIFORM and low > 0:
            params[key] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        else:
            params[key] = float(rng.uniform(low, high))
    off_diagonal = rng.uniform(0, params.pop('ccm_jitter'), size=(3, 3))
    np.fill_diagonal(off_diagonal, 0)
    ccm = np.eye(3) * (1 + off_diagonal.sum(1, keepdims=True)) - off_diagonal
    params['ccm'] = ccm.tolist()  # rows sum to 1: grey stays grey
    return params


def _split_channels(img: np.ndarray) -> Tuple[np.ndarray, Optional[np.ndarray], bool]:
    """Return (colour HxWxC, alpha or None, was_2d) and refuse shapes we cannot process."""
    if img.ndim == 2:
        return img[..., None], None, True
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise ValueError(f'LowLightDegrade expects HxW, HxWx1, HxWx3 or HxWx4 images, '
                         f'got shape {img.shape}')
    if img.shape[2] == 4:
        return img[..., :3], img[..., 3:], False
    return img, None, False


def low_light_degrade(img: np.ndarray,
                      seed: Union[int, np.random.Generator, None] = None,
                      ranges: Optional[Dict[str, Range]] = None,
                      params: Optional[Dict[str, object]] = None,
                      bits: int = 8) -> Tuple[np.ndarray, Dict[str, object]]:
    """Synthesise a low-light version of a normal-light sRGB image.

    Args:
        img (np.ndarray): HxW (grey), HxWx1, HxWx3 (RGB) or HxWx4 (RGBA) image, uint8 in
            [0, 255] or float in [0, 1]. Alpha is passed through untouched; grey images skip
            the colour steps (CCM and white balance).
        seed (int | np.random.Generator, optional): Seed or generator for parameters and noise.
        ranges (dict, optional): Parameter ranges overriding :data:`DEFAULT_RANGES`.
        params (dict, optional): Use these parameters instead of sampling them.
        bits (int): Quantisation depth of the simulated sensor. Defaults to 8.

    Returns:
        tuple[np.ndarray, dict]: The dark image (same shape and dtype as ``img``) and the
        parameters that produced it.
    """
    if not isinstance(img, np.ndarray):
        raise TypeError(f'expected a numpy array, got {type(img).__name__}')
    if img.dtype == np.uint8:
        scale = 255.0
    elif np.issubdtype(img.dtype, np.floating):
        scale = 1.0
        if img.size and (not np.isfinite(img).all() or img.min() < 0 or img.max() > 1):
            raise ValueError('float images must be finite and in [0, 1]')
    else:
        raise TypeError(f'unsupported dtype {img.dtype}: use uint8 [0, 255] or float [0, 1]')
    colour, alpha, was_2d = _split_channels(img)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if params is None:
        params = sample_low_light_params(rng, ranges)

    x = colour.astype(np.float64) / scale
    is_colour = x.shape[2] == 3
    gamma = float(params['gamma'])
    ccm = np.asarray(params['ccm'], dtype=np.float64)
    gains = np.array([params['red_gain'], 1.0, params['blue_gain']])

    # sRGB -> linear camera space
    x = np.power(x, gamma)
    if is_colour:
        x = np.clip(x @ np.linalg.inv(ccm).T, 0, 1)
        x = x / gains
    # low light: fewer photons, then shot (Poisson-like) and read (Gaussian) noise
    x = x * float(params['exposure'])
    variance = float(params['shot_noise']) * x + float(params['read_noise'])**2
    x = x + rng.standard_normal(x.shape) * np.sqrt(variance)
    levels = 2**int(bits) - 1
    x = np.round(np.clip(x, 0, 1) * levels) / levels
    # back through the ISP
    if is_colour:
        x = np.clip(x * gains, 0, 1)
        x = np.clip(x @ ccm.T, 0, 1)
    x = np.power(x, 1.0 / gamma)

    out = x * scale
    out = np.round(out).astype(np.uint8) if img.dtype == np.uint8 else out.astype(img.dtype)
    if alpha is not None:
        out = np.concatenate([out, alpha], axis=2)
    if was_2d:
        out = out[..., 0]
    return out, params


@TRANSFORMS.register_module()
class LowLightDegrade(BaseTransform):
    """Pipeline transform wrapping :func:`low_light_degrade`.

    Required keys: ``img``. Modified keys: ``img``. Added keys: ``low_light_params``.

    Args:
        ranges (dict, optional): Parameter ranges overriding :data:`DEFAULT_RANGES`.
        seed (int, optional): Base seed. With a seed, each image gets its own generator seeded
            by ``(seed, sample_idx)`` so results do not depend on worker order; without one,
            fresh randomness is used.
        channel_order (str): Channel order of ``results['img']``: ``'bgr'`` (mmcv's loading
            default) or ``'rgb'``. Defaults to ``'bgr'``.
        bits (int): Sensor quantisation depth. Defaults to 8.
    """

    def __init__(self,
                 ranges: Optional[Dict[str, Sequence[float]]] = None,
                 seed: Optional[int] = None,
                 channel_order: str = 'bgr',
                 bits: int = 8) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.ranges = {k: tuple(v) for k, v in (ranges or {}).items()}
        sample_low_light_params(np.random.default_rng(0), self.ranges)  # validate early
        self.seed = seed
        self.channel_order = channel_order
        self.bits = bits

    def transform(self, results: dict) -> dict:
        img = results['img']
        flip = self.channel_order == 'bgr' and img.ndim == 3 and img.shape[2] >= 3
        if flip:
            img = np.concatenate([img[..., 2::-1], img[..., 3:]], axis=2)
        seed = None
        if self.seed is not None:
            seed = np.random.default_rng([self.seed, int(results.get('sample_idx', 0))])
        dark, params = low_light_degrade(img, seed=seed, ranges=self.ranges, bits=self.bits)
        if flip:
            dark = np.concatenate([dark[..., 2::-1], dark[..., 3:]], axis=2)
        results['img'] = np.ascontiguousarray(dark)
        results['low_light_params'] = params
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ranges={self.ranges}, seed={self.seed}, '
                f'channel_order={self.channel_order!r}, bits={self.bits})')
