"""``count_parameters``: the model size every family reports as ``params``."""

import torch

from harness import count_parameters


def test_counts_every_weight_and_bias():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert count_parameters(model) == (3 * 4 + 4) + (4 * 2 + 2)


def test_frozen_parameters_count_only_when_asked():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    model[0].requires_grad_(False)
    assert count_parameters(model) == 4 * 2 + 2
    assert count_parameters(model, trainable_only=False) == (3 * 4 + 4) + (4 * 2 + 2)


def test_buffers_are_not_parameters():
    norm = torch.nn.BatchNorm1d(5)  # weight, bias; running mean/var and count are buffers
    assert count_parameters(norm) == 10


def test_a_complex_parameter_counts_as_two_reals():
    module = torch.nn.Module()
    module.weight = torch.nn.Parameter(torch.zeros(3, 4, dtype=torch.cfloat))
    module.stored_as_reals = torch.nn.Parameter(torch.zeros(3, 4, 2))
    assert count_parameters(module) == 2 * 24
