"""Turn SDAG guidance on for any ``UnsupervisedEnhancerModel`` from the config alone."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from sdag_bench.losses.sdag_losses import SDAGLoss
from sdag_bench.registry import HOOKS, MODELS

_SCHEDULES = ('constant', 'linear')


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP / FSDP wrapper (or the model itself)."""
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class SDAGGuidanceHook(Hook):
    """Load a frozen SDAG network and add ``w * L1(E(x), SDAG(E(x)))`` to the enhancer's losses.

    In ``before_train`` the SDAG network is built from ``sdag``, filled strictly from
    ``checkpoint`` (our state dict, an exported ``SDAGPretrainModel`` checkpoint or the official
    ``SemanticAwareRecon.pth``), frozen, moved to the model's device and attached as
    ``model.losses[loss_name] = SDAGLoss(...)``. Its weight follows the schedule, set in
    ``before_train_iter``. Without this hook the model trains exactly as its own config says.

    Args:
        checkpoint (str): SDAG weights.
        sdag (dict, optional): :class:`SemanticAwareNet` config (its extractor must match the
            checkpoint). Defaults to the official VGG16-slice net.
        checkpoint_key (str, optional): ``'params'`` / ``'params_ema'`` for the official file.
            Defaults to auto-detection (``params_ema`` first).
        loss_weight (float): Final weight ``w``. Defaults to 1.0.
        schedule (str): ``'constant'`` or ``'linear'`` (warm-up from 0 to ``w`` over
            ``warmup_iters`` iterations). Defaults to ``'constant'``.
        warmup_iters (int): Warm-up length for ``'linear'``. Defaults to 0.
        loss_name (str): Name of the logged term. Defaults to ``'loss_sdag'``.
        reduction (str): Reduction of the L1. Defaults to ``'mean'``.
    """

    priority = 'NORMAL'

    def __init__(self, checkpoint: str, sdag: Optional[dict] = None,
                 checkpoint_key: Optional[str] = None, loss_weight: float = 1.0,
                 schedule: str = 'constant', warmup_iters: int = 0, loss_name: str = 'loss_sdag',
                 reduction: str = 'mean') -> None:
        if schedule not in _SCHEDULES:
            raise ValueError(f'schedule must be one of {_SCHEDULES}, got {schedule!r}')
        if schedule == 'linear' and warmup_iters <= 0:
            raise ValueError("schedule='linear' needs warmup_iters > 0")
        if 'loss' not in loss_name:
            raise ValueError(f'loss_name must contain "loss" to be optimised, got {loss_name!r}')
        self.checkpoint = checkpoint
        self.sdag = dict(sdag) if sdag is not None else dict(type='SemanticAwareNet')
        self.checkpoint_key = checkpoint_key
        self.loss_weight = loss_weight
        self.schedule = schedule
        self.warmup_iters = warmup_iters
        self.loss_name = loss_name
        self.reduction = reduction

    def weight_at(self, iteration: int) -> float:
        """The loss weight at a 0-based training iteration.

        Args:
            iteration (int): ``runner.iter`` before the step.

        Returns:
            float: ``loss_weight``, ramped linearly during a warm-up.
        """
        if self.schedule == 'linear' and iteration < self.warmup_iters:
            return self.loss_weight * (iteration + 1) / self.warmup_iters
        return self.loss_weight

    def build_loss(self) -> SDAGLoss:
        """Build the frozen SDAG network from the config and checkpoint, wrapped as the loss."""
        net = MODELS.build(dict(self.sdag, checkpoint=self.checkpoint,
                                checkpoint_key=self.checkpoint_key, frozen=True))
        return SDAGLoss(net, loss_weight=self.weight_at(0), reduction=self.reduction)

    def before_train(self, runner) -> None:
        """Attach the loss to ``runner.model.losses``."""
        model = unwrap_model(runner.model)
        losses = getattr(model, 'losses', None)
        if not isinstance(losses, nn.ModuleDict):
            raise TypeError(f'SDAGGuidanceHook needs a model with a `losses` ModuleDict '
                            f'(UnsupervisedEnhancerModel), got {type(model).__name__}')
        if self.loss_name in losses:
            raise KeyError(f'the model already has a loss named {self.loss_name!r}')
        loss = self.build_loss()
        tensor = next(iter(model.parameters()), None)
        if tensor is not None:
            loss.to(tensor.device)
        losses[self.loss_name] = loss
        runner.logger.info(f'SDAG guidance: {self.loss_name} from {self.checkpoint} '
                           f'(weight {self.loss_weight}, {self.schedule} schedule)')

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        """Set this iteration's weight."""
        unwrap_model(runner.model).losses[self.loss_name].loss_weight = self.weight_at(runner.iter)
