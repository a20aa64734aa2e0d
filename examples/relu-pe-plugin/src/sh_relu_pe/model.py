"""The model: a positional encoding followed by the task's ReLU backbone size."""

import math

import torch
from torch import nn

from sh_relu_pe import ReluPEConfig


class PositionalEncoding(nn.Module):
    """[x, sin(2^k π x), cos(2^k π x)] for k = 0 … L-1, per input coordinate."""

    def __init__(self, num_frequencies: int) -> None:
        super().__init__()
        self.register_buffer("scales", (2.0 ** torch.arange(num_frequencies)) * math.pi)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angles = (x[..., None] * self.scales).flatten(-2)
        return torch.cat([x, torch.sin(angles), torch.cos(angles)], dim=-1)


def build(cfg: ReluPEConfig, problem) -> nn.Module:
    """``problem`` is the ``inr_init`` slot's InrProblem: input/output and backbone sizes."""
    encoded = problem.in_features * (1 + 2 * cfg.num_frequencies)
    layers: list[nn.Module] = [PositionalEncoding(cfg.num_frequencies)]
    width = encoded
    for _ in range(problem.hidden_layers + 1):
        layers += [nn.Linear(width, problem.hidden_features), nn.ReLU()]
        width = problem.hidden_features
    layers.append(nn.Linear(width, problem.out_features))
    return nn.Sequential(*layers)
