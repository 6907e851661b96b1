"""WeightsOnlyCheckpointHook: the message hub of a Runner checkpoint survives a weights_only
save/load round trip (buffers, their statistics, numpy scalars), and nothing else is needed."""
import io

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from sdag_bench.hooks.weights_only_checkpoint_hook import (WeightsOnlyCheckpointHook,
                                                           non_plain_entries)


def _checkpoint():
    hub = MessageHub(f'hub-{id(object())}')
    for i, loss in enumerate([0.5, 0.25, 0.125]):
        hub.update_scalar('train/loss', loss)
        hub.update_scalar('train/iters', i, count=2)
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('keep_ckpt_ids', [2, 4])
    model = torch.nn.Linear(2, 1)
    return {'meta': {'iter': 3, 'seed': 0}, 'state_dict': model.state_dict(),
            'message_hub': hub.state_dict(), 'extra': {'table': np.arange(6).reshape(2, 3)}}


def _roundtrip(checkpoint):
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_plain_runner_checkpoint_is_refused_by_weights_only():
    with pytest.raises(Exception, match='weights_only|Unsupported global'):
        _roundtrip(_checkpoint())


def test_round_trip_restores_buffers_and_values():
    original = _checkpoint()
    checkpoint = _checkpoint()
    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(None, checkpoint)
    assert non_plain_entries(checkpoint) == []
    assert checkpoint['state_dict'] is not None and hasattr(checkpoint['state_dict'], '_metadata')
    loaded = _roundtrip(checkpoint)
    hook.after_load_checkpoint(None, loaded)
    scalars = loaded['message_hub']['log_scalars']
    for name, buffer in original['message_hub']['log_scalars'].items():
        assert isinstance(scalars[name], HistoryBuffer)
        for got, want in zip(scalars[name].data, buffer.data):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype
        assert scalars[name].max_length == buffer.max_length
        assert scalars[name].mean() == buffer.mean()
    assert loaded['message_hub']['runtime_info']['eta'] == 12.5
    np.testing.assert_array_equal(loaded['extra']['table'], np.arange(6).reshape(2, 3))
    hub = MessageHub('restored')
    hub.load_state_dict(loaded['message_hub'])
    assert hub.get_scalar('train/loss').current() == 0.125


def test_leftover_object_is_named():
    assert non_plain_entries({'a': [1, {'b': object()}]}) == ['a/1/b (object)']
