"""Procedural normal-light scenes with exact boxes, for the embedded demo benchmark.

Each scene is a textured background with clutter and a few objects of five shape classes, drawn
in varied size, colour, texture and partial occlusion. Boxes are read from each object's own
rendered mask, so they are exact (amodal: the whole shape, also where a later object covers it).
"""
from typing import Dict, List, Tuple

import cv2
import numpy as np

DEMO_CLASSES: Tuple[str, ...] = ('circle', 'square', 'triangle', 'star', 'cross')
DEMO_PALETTE: List[Tuple[int, int, int]] = [(220, 20, 60), (0, 130, 230), (60, 180, 75),
                                            (250, 190, 20), (145, 30, 180)]


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth gradient, a low-frequency noise field and a little clutter (RGB uint8)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    c0, c1 = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    angle = rng.uniform(0, np.pi)
    t = np.clip(np.cos(angle) * xx + np.sin(angle) * yy, 0, 1)[..., None]
    img = c0 * (1 - t) + c1 * t
    coarse = rng.normal(0, rng.uniform(5, 25), (8, 8, 3)).astype(np.float32)
    img += cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(rng.integers(2, 7)):  # clutter: thin lines and faint ellipses, not objects
        colour = tuple(int(v) for v in rng.uniform(30, 230, 3))
        if rng.random() < 0.5:
            p1, p2 = rng.integers(0, size, 2), rng.integers(0, size, 2)
            cv2.line(img, tuple(int(v) for v in p1), tuple(int(v) for v in p2), colour,
                     int(rng.integers(1, 3)), cv2.LINE_AA)
        else:
            centre = tuple(int(v) for v in rng.integers(0, size, 2))
            axes = tuple(int(v) for v in rng.integers(size // 10, size // 3, 2))
            overlay = img.copy()
            cv2.ellipse(overlay, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
            img = cv2.addWeighted(overlay, 0.25, img, 0.75, 0)
    return img


def _shape_mask(cls: str, size: int, cx: float, cy: float, radius: float,
                angle: float) -> np.ndarray:
    """Binary mask (uint8 0/1) of one shape."""
    mask = np.zeros((size, size), np.uint8)
    if cls == 'circle':
        cv2.circle(mask, (round(cx), round(cy)), round(radius), 1, -1, cv2.LINE_8)
        return mask
    if cls == 'square':
        corners = [(radius, radius), (-radius, radius), (-radius, -radius), (radius, -radius)]
        pts = [(x * 0.8, y * 0.8) for x, y in corners]
    elif cls == 'triangle':
        pts = [(radius * np.cos(a), radius * np.sin(a))
               for a in np.deg2rad([-90, 30, 150])]
    elif cls == 'star':
        pts = [((radius if i % 2 == 0 else radius * 0.45) * np.cos(a),
                (radius if i % 2 == 0 else radius * 0.45) * np.sin(a))
               for i, a in enumerate(np.deg2rad(np.arange(-90, 270, 36)))]
    elif cls == 'cross':
        w, r = radius * 0.33, radius
        pts = [(w, r), (-w, r), (-w, w), (-r, w), (-r, -w), (-w, -w), (-w, -r), (w, -r),
               (w, -w), (r, -w), (r, w), (w, w)]
    else:
        raise KeyError(f'unknown demo class {cls!r}')
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    poly = (np.array(pts) @ rot.T + [cx, cy])
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A colour texture (solid, stripes, checker or speckle) covering the canvas (RGB float)."""
    base = rng.uniform(20, 255, 3)
    alt = np.clip(base * rng.uniform(0.4, 0.8), 0, 255)
    kind = rng.integers(0, 4)
    yy, xx = np.mgrid[0:size, 0:size]
    if kind == 0:
        pattern = np.zeros((size, size), bool)
    elif kind == 1:
        period = int(rng.integers(4, 10))
        pattern = ((xx + yy) // period) % 2 == 0
    elif kind == 2:
        period = int(rng.integers(4, 10))
        pattern = ((xx // period) + (yy // period)) % 2 == 0
    else:
        pattern = rng.random((size, size)) < 0.3
    return np.where(pattern[..., None], alt, base).astype(np.float32)


def render_scene(seed: int, size: int = 192, max_objects: int = 5) -> Tuple[np.ndarray, List[Dict]]:
    """Render one normal-light scene.

    Args:
        seed (int): Scene seed; the same seed always gives the same scene.
        size (int): Side of the square image in pixels. Defaults to 192.
        max_objects (int): Upper bound of objects per scene. Defaults to 5.

    Returns:
        tuple[np.ndarray, list[dict]]: The RGB uint8 image and its objects, each
        ``dict(label=int, bbox=[x, y, w, h])`` in COCO pixel convention (exact mask extent).
    """
    rng = np.random.default_rng(seed)
    img = _background(rng, size).astype(np.float32)
    objects: List[Dict] = []
    placed: List[np.ndarray] = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            label = int(rng.integers(0, len(DEMO_CLASSES)))
            radius = float(rng.uniform(size * 0.06, size * 0.2))
            cx, cy = rng.uniform(radius * 0.6, size - radius * 0.6, 2)
            mask = _shape_mask(DEMO_CLASSES[label], size, cx, cy, radius,
                               float(rng.uniform(0, 2 * np.pi)))
            area = int(mask.sum())
            if area < 40:
                continue
            # occlusion allowed, but each earlier object keeps most of itself visible
            if any((m & mask).sum() > 0.35 * min(m.sum(), area) for m in placed):
                continue
            break
        else:
            continue
        ys, xs = np.nonzero(mask)
        shade = cv2.GaussianBlur(mask.astype(np.float32), (5, 5), 0)[..., None] * 0.15 + 0.85
        tex = _texture(rng, size) * shade
        img = np.where(mask[..., None] > 0, tex, img)
        bbox = [int(xs.min()), int(ys.min()),
                int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]
        objects.append(dict(label=label, bbox=bbox))
        placed.append(mask)
    return np.clip(img, 0, 255).astype(np.uint8), objects
