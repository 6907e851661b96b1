"""Robust image reading for real-world photo collections.

Every readable image comes out the same way: ``uint8``, ``H x W x 3``, in the orientation a viewer
shows (EXIF orientation applied). The rules, one per kind of input:

- EXIF orientation tag: applied (``ImageOps.exif_transpose``); width/height as displayed.
- grey (``L``), palette (``P``): expanded to 3 equal channels / converted to RGB.
- grey + alpha, RGBA: alpha discarded (the stored colour values are kept, not composited).
- 16-bit PNG (grey or colour): reduced to 8 bit by keeping the high byte (``v >> 8``), as
  OpenCV does.
- CMYK / YCCK JPEG: converted to RGB by Pillow.
- zero-byte file: ``ImageReadError`` ``empty file (0 bytes)``.
- truncated file: ``ImageReadError`` ``truncated or corrupt image data (...)``.
- not an image / unknown codec: ``ImageReadError`` ``not a recognised image``.
- missing file: ``ImageReadError`` ``no such file``.
- symbolic link loop, permission denied, any other operating-system error while reading:
  ``ImageReadError`` ``symbolic link loop`` / ``permission denied`` / ``cannot read (...)``.
- any other decoder failure: ``ImageReadError`` ``truncated or corrupt image data (...)``;
  nothing but ``ImageReadError`` leaves :func:`read_image` for a bad file.
- more than ``max_pixels`` pixels (default :data:`MAX_IMAGE_PIXELS`, 100 MP; read from the header,
  before any pixel is decoded): ``ImageReadError`` ``too large``. A 48 MP photo (8000 x 6000)
  decodes (144 MB); a decompression bomb does not.

Decoding is done by Pillow, which (unlike OpenCV) refuses truncated files instead of returning a
half-grey image. Callers that prefer to go on count the failures with :class:`BadImageLog`.
"""
import errno
import io
import os
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

PathLike = Union[str, os.PathLike]

#: Largest image decoded by default (pixels, from the header): 100 MP, 300 MB as uint8 RGB.
MAX_IMAGE_PIXELS = 100_000_000

#: File name extensions treated as images (compared case-insensitively).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class ImageReadError(OSError):
    """An image file that cannot be read; the message names the file and the problem.

    Args:
        path (str): The file that failed.
        problem (str): What is wrong with it, in a few words.
    """

    def __init__(self, path: PathLike, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f'{self.path}: {problem}')

    def __reduce__(self):  # picklable across dataloader workers
        return (type(self), (self.path, self.problem))


def os_error_problem(err: OSError) -> str:
    """Describe an operating-system error met while reading an image file, in a few words.

    Args:
        err (OSError): The error (``open``, ``read``, ``stat``).

    Returns:
        str: ``'no such file'``, ``'symbolic link loop'``, ``'permission denied'``,
        ``'is a directory, not an image'`` or ``'cannot read (<reason>)'``.
    """
    if isinstance(err, FileNotFoundError):
        return 'no such file'
    if isinstance(err, IsADirectoryError):
        return 'is a directory, not an image'
    if isinstance(err, PermissionError):
        return 'permission denied'
    if err.errno == errno.ELOOP:
        return 'symbolic link loop'
    return f'cannot read ({err.strerror or err})'


def _open(data: bytes, path: PathLike) -> Image.Image:
    if len(data) == 0:
        raise ImageReadError(path, 'empty file (0 bytes)')
    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageReadError(path, 'not a recognised image') from None
    except Image.DecompressionBombError as err:  # only when our own limit is lifted
        raise ImageReadError(path, f'too large ({err})') from None
    except Exception as err:  # noqa: BLE001  Pillow plugins raise many types on bad headers
        raise ImageReadError(path, f'corrupt image header ({err})') from None


def _to_uint8_rgb(image: Image.Image) -> np.ndarray:
    """Convert a decoded (and oriented) Pillow image to ``uint8`` RGB."""
    if image.mode in ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I'):
        array = np.asarray(image)
        array = (np.clip(array.astype(np.int64), 0, 65535) >> 8).astype(np.uint8)
        return np.repeat(array[..., None], 3, axis=2)
    if image.mode == 'F':
        array = np.clip(np.asarray(image), 0, 255).astype(np.uint8)
        return np.repeat(array[..., None], 3, axis=2)
    if image.mode != 'RGB':
        image = image.convert('RGB')  # L, LA, P, PA, RGBA, CMYK, YCbCr, 1
    return np.asarray(image, dtype=np.uint8)


def decode_image(data: bytes, path: PathLike = '<bytes>', channel_order: str = 'bgr',
                 max_pixels: Optional[int] = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Decode image bytes with the rules in this module's table.

    Args:
        data (bytes): The encoded file content.
        path (str | PathLike): Name used in error messages. Defaults to ``'<bytes>'``.
        channel_order (str): ``'bgr'`` (mmdet's convention) or ``'rgb'``. Defaults to ``'bgr'``.
        max_pixels (int, optional): Refuse images with more pixels (checked on the header,
            before decoding). None: no limit. Defaults to :data:`MAX_IMAGE_PIXELS`.

    Returns:
        np.ndarray: ``uint8`` array of shape ``(H, W, 3)``, C-contiguous.

    Raises:
        ImageReadError: When the bytes are empty, truncated, corrupt or not an image.
    """
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(f'channel_order must be "bgr" or "rgb", got {channel_order!r}')
    image = _open(data, path)
    width, height = image.size
    if max_pixels is not None and width * height > max_pixels:
        raise ImageReadError(path, f'too large ({width} x {height} = {width * height / 1e6:.1f} '
                             f'MP > {max_pixels / 1e6:g} MP; raise max_pixels to read it)')
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        array = _to_uint8_rgb(image)
    except ImageReadError:
        raise
    except Exception as err:  # noqa: BLE001  OSError, SyntaxError, EOFError, struct.error ...
        raise ImageReadError(path, f'truncated or corrupt image data ({err})') from None
    if channel_order == 'bgr':
        array = array[..., ::-1]
    return np.ascontiguousarray(array)


def _read_bytes(path: PathLike) -> bytes:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as err:
        raise ImageReadError(path, os_error_problem(err)) from None


def read_image(path: PathLike, channel_order: str = 'bgr') -> np.ndarray:
    """Read an image file as ``uint8`` ``H x W x 3``.

    Args:
        path (str | PathLike): The image file.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.

    Returns:
        np.ndarray: The image, EXIF orientation applied.

    Raises:
        ImageReadError: When the file is missing, empty, truncated, corrupt or not an image.
    """
    return decode_image(_read_bytes(path), path, channel_order)


def read_image_size(path: PathLike) -> Tuple[int, int]:
    """Read the displayed ``(width, height)`` of an image from its header only.

    EXIF orientations 5-8 (rotations by 90 degrees) swap width and height, as
    :func:`read_image` does. Truncated pixel data is *not* detected here.

    Args:
        path (str | PathLike): The image file.

    Returns:
        tuple[int, int]: ``(width, height)`` in pixels.

    Raises:
        ImageReadError: When the file is missing, empty or has no readable header.
    """
    try:
        size = os.path.getsize(path)
    except OSError as err:
        raise ImageReadError(path, os_error_problem(err)) from None
    if size == 0:
        raise ImageReadError(path, 'empty file (0 bytes)')
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except UnidentifiedImageError:
        raise ImageReadError(path, 'not a recognised image') from None
    except Image.DecompressionBombError as err:
        raise ImageReadError(path, f'too large ({err})') from None
    except OSError as err:
        if err.errno is not None:  # open() itself failed: permission, directory, ...
            raise ImageReadError(path, os_error_problem(err)) from None
        raise ImageReadError(path, f'corrupt image header ({err})') from None
    except Exception as err:  # noqa: BLE001  SyntaxError, ValueError, DecompressionBombError
        raise ImageReadError(path, f'corrupt image header ({err})') from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return int(width), int(height)


@dataclass
class BadImageLog:
    """A thread-safe record of images that were skipped, with the reason for each.

    Attributes:
        entries (list[tuple[str, str]]): ``(path, problem)`` per skipped image, in order.
    """
    entries: List[Tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, error: ImageReadError) -> None:
        """Record one skipped image."""
        with self._lock:
            self.entries.append((error.path, error.problem))

    @property
    def count(self) -> int:
        """Number of skipped images."""
        return len(self.entries)

    def by_problem(self) -> Dict[str, int]:
        """Count skipped images per problem (the text before any parenthesis)."""
        counts: Dict[str, int] = {}
        for _, problem in self.entries:
            key = problem.split(' (')[0]
            counts[key] = counts.get(key, 0) + 1
        return counts

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self.entries.clear()


def try_read_image(path: PathLike,
                   log: Optional[BadImageLog] = None,
                   channel_order: str = 'bgr') -> Optional[np.ndarray]:
    """Read an image, or record it in ``log`` and return None when it is unreadable.

    Args:
        path (str | PathLike): The image file.
        log (BadImageLog, optional): Where skips are counted. Defaults to None (not counted).
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.

    Returns:
        np.ndarray | None: The image, or None for a bad file.
    """
    try:
        return read_image(path, channel_order)
    except ImageReadError as err:
        if log is not None:
            log.add(err)
        return None
