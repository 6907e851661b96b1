"""The official checkpoints we convert, and the conversion itself.

Each entry names the file under ``../shared/assets`` (kept with its upstream name), the module
its weights fit and the key map (defined next to that module). Converted files are plain state
dicts, loadable with ``torch.load(..., weights_only=True)`` and :func:`load_weights`.
"""
import os
import os.path as osp
from dataclasses import dataclass
from functools import partial
from typing import Callable, Dict, Mapping

import torch
from torch import Tensor, nn

from sdag_bench.utils.checkpoint import (extract_state_dict, load_checkpoint_file,
                                         load_state_dict_strict)
from .clip_lit import CLIPLIT, convert_clip_lit
from .pairlie import PairLIE, convert_pairlie
from .ruas import RUAS, NoiseRemovalNet, convert_ruas, convert_ruas_denoiser
from .sci import SCI, convert_sci
from .zero_dce import ZeroDCE, ZeroDCEPP, convert_zero_dce, convert_zero_dce_pp


@dataclass(frozen=True)
class OfficialWeights:
    """One official checkpoint.

    Args:
        source (str): Path under the shared assets folder (``owner+repo/upstream/path``).
        build (callable): Builds the module the converted weights fit.
        convert (callable): Key map, official state dict -> ours.
    """
    source: str
    build: Callable[[], nn.Module]
    convert: Callable[[Mapping[str, Tensor]], Dict[str, Tensor]]


OFFICIAL_WEIGHTS: Dict[str, OfficialWeights] = {
    'zerodce_epoch99': OfficialWeights('Li-Chongyi+Zero-DCE/Epoch99.pth', ZeroDCE,
                                       convert_zero_dce),
    'zerodce_sdag': OfficialWeights('zheng980629+SDAG/ZeroDCE_SDAG.pth', ZeroDCE, convert_zero_dce),
    'zerodcepp_epoch99': OfficialWeights('Li-Chongyi+Zero-DCE_extension/Epoch99.pth',
                                         partial(ZeroDCEPP, scale_factor=12), convert_zero_dce_pp),
    **{f'sci_{level}': OfficialWeights(f'vis-opt-group+SCI/weights/{level}.pt', SCI, convert_sci)
       for level in ('easy', 'medium', 'difficult')},
    'ruas_lol': OfficialWeights('KarelZhang+RUAS/ckpt/lol.pt', partial(RUAS, denoise=True),
                                convert_ruas),
    **{f'ruas_{name}': OfficialWeights(f'KarelZhang+RUAS/ckpt/{name}.pt', RUAS, convert_ruas)
       for name in ('upe', 'dark')},
    'ruas_denoiser': OfficialWeights('KarelZhang+RUAS/model/denoise.pt', NoiseRemovalNet,
                                     convert_ruas_denoiser),
    # optional extra rows
    'sgz': OfficialWeights('ShenZheng2000+SGZ/weight/Epoch99.pth',
                           partial(ZeroDCEPP, scale_factor=12), convert_zero_dce_pp),
    'scl_lle': OfficialWeights('LingLIx+SCL-LLE/checkpoints/SCL-LLE.pth', ZeroDCE,
                               convert_zero_dce),
    'pairlie': OfficialWeights('zhenqifu+PairLIE/weights/PairLIE.pth', PairLIE, convert_pairlie),
    'clip_lit': OfficialWeights('ZhexinLiang+CLIP-LIT/pretrained_models/enhancement_model.pth',
                                CLIPLIT, convert_clip_lit),
}


def convert_official(name: str, source: str, target: str) -> Dict[str, Tensor]:
    """Convert one official checkpoint to our plain state dict and save it.

    The converted weights are loaded into the module with ``strict=True`` before saving, so a
    wrong or truncated file fails here, naming missing / unexpected keys.

    Args:
        name (str): Key of :data:`OFFICIAL_WEIGHTS`.
        source (str): The official file.
        target (str): Where to write the converted state dict.

    Returns:
        dict[str, Tensor]: The saved state dict.
    """
    if name not in OFFICIAL_WEIGHTS:
        raise KeyError(f'unknown official checkpoint {name!r}; known: {sorted(OFFICIAL_WEIGHTS)}')
    entry = OFFICIAL_WEIGHTS[name]
    state = extract_state_dict(load_checkpoint_file(source), source)
    module = entry.build()
    load_state_dict_strict(module, entry.convert(state), source)
    converted = {k: v.detach().clone() for k, v in module.state_dict().items()}
    os.makedirs(osp.dirname(osp.abspath(target)), exist_ok=True)
    torch.save(converted, target)
    return converted
