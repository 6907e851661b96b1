"""How cells are evaluated: the run options, built once (from the command line) and passed down."""
import dataclasses
from typing import Any, Dict, List, Optional

from .cells import run_settings


@dataclasses.dataclass(frozen=True)
class EvaluationOptions:
    """The settings of a run that are not part of a cell (enhancer, dataset, detector).

    ``extra_metrics``, ``cost_cfg``, ``seed`` and ``batch_size`` change numbers and are part of
    every cell key (:meth:`settings`); the others only say where and how visibly cells run.

    Args:
        device (str): 'cpu', 'cuda' or 'cuda:N'. Defaults to 'cpu'.
        batch_size (int, optional): Overrides the dataset configs' batch size (padding within
            a batch can change a detector's output). Defaults to None.
        extra_metrics (list[dict]): More metric configs (e.g. image quality) fed with the same
            outputs as the dataset's own evaluator. Defaults to none.
        cost_cfg (dict, optional): ``input_size``, ``warmup``, ``repeats`` of the enhancer's
            cost measurement; None skips it. Defaults to None.
        seed (int): Seed of the data loader and of torch. Defaults to 0.
        progress (bool): Show progress bars on the main process. Defaults to True.
        enhance_batch_size (int, optional): Images per enhancer call (see
            ``EnhancedDetDataPreprocessor``). Defaults to None (its default).
    """

    device: str = 'cpu'
    batch_size: Optional[int] = None
    extra_metrics: List[dict] = dataclasses.field(default_factory=list)
    cost_cfg: Optional[dict] = None
    seed: int = 0
    progress: bool = True
    enhance_batch_size: Optional[int] = None

    def settings(self) -> Dict[str, Any]:
        """The settings that change a cell's numbers (part of its key, see ``run_settings``).

        Returns:
            dict: JSON-ready settings.
        """
        return run_settings(self.extra_metrics, self.cost_cfg, self.seed, self.batch_size)

    def replace(self, **changes: Any) -> 'EvaluationOptions':
        """A copy with some options changed, e.g. ``options.replace(progress=False)``.

        Args:
            **changes: New values of named options.

        Returns:
            EvaluationOptions: The changed copy (this one is left as it is).
        """
        return dataclasses.replace(self, **changes)


__all__ = ['EvaluationOptions']
