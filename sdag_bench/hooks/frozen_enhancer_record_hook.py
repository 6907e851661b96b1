"""Write into each detector checkpoint which frozen enhancer it was trained behind."""
from typing import Optional

import torch
from mmengine.hooks import Hook

from sdag_bench.registry import HOOKS


def find_frozen_enhancer_preprocessor(model: torch.nn.Module) -> Optional[torch.nn.Module]:
    """The model's ``FrozenEnhancerDetDataPreprocessor`` (through DDP and wrapper detectors).

    Args:
        model (nn.Module): The runner's model.

    Returns:
        nn.Module | None: The preprocessor, or None if the model trains without one.
    """
    from sdag_bench.models.data_preprocessors.frozen_enhancer import \
        FrozenEnhancerDetDataPreprocessor
    for module in model.modules():
        if isinstance(module, FrozenEnhancerDetDataPreprocessor):
            return module
    return None


@HOOKS.register_module()
class FrozenEnhancerRecordHook(Hook):
    """Store ``meta['frozen_enhancer']`` (enhancer config, type, checkpoint and its sha256) in
    every checkpoint, and log it once when training starts.

    Added by
    :func:`~sdag_bench.models.data_preprocessors.frozen_enhancer.apply_frozen_enhancer`; the
    record is plain strings, so ``torch.load(..., weights_only=True)`` opens the checkpoint and
    ``tools/export_state_dict.py`` carries it over.
    """

    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        preprocessor = find_frozen_enhancer_preprocessor(runner.model)
        if preprocessor is None:
            raise RuntimeError('FrozenEnhancerRecordHook: the model has no '
                               'FrozenEnhancerDetDataPreprocessor')
        runner.logger.info(f'training behind a frozen enhancer: {preprocessor.record()}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        from sdag_bench.models.data_preprocessors.frozen_enhancer import META_KEY
        preprocessor = find_frozen_enhancer_preprocessor(runner.model)
        if preprocessor is not None:
            checkpoint.setdefault('meta', {})[META_KEY] = preprocessor.record()
