"""Optional VGG19 perceptual feature extractor (ESRGAN's ``conv5_4`` before ReLU).

ImageNet weights cannot be downloaded here, so the loss is used only when the user points
``vgg_weights`` at a torchvision-format VGG19 state dict (``features.<i>.weight`` keys).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

# torchvision's VGG19 "E" configuration; "M" = 2×2 max pooling
VGG19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M"]
VGG19 += [512, 512, 512, 512]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Vgg19Conv54(nn.Module):
    """VGG19 features up to conv5_4 (pre-activation), ImageNet input normalisation, frozen."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for item in VGG19:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, int(item), 3, padding=1), nn.ReLU(inplace=True)]
                channels = int(item)
        self.features = nn.Sequential(*layers[:-1])  # drop the last ReLU: conv5_4 pre-activation
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    @classmethod
    def from_file(cls, path: Path) -> Vgg19Conv54:
        """Load the ``features.*`` weights of a torchvision VGG19 checkpoint; freeze them."""
        if not path.is_file():
            raise FileNotFoundError(f"vgg_weights={path} does not exist")
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = cls()
        wanted = {k: v for k, v in state.items() if k.startswith("features.")}
        missing = [k for k in model.state_dict() if k.startswith("features.") and k not in wanted]
        if missing:
            raise ValueError(f"{path} is not a torchvision VGG19 state dict (missing {missing[0]})")
        model.load_state_dict({**model.state_dict(), **wanted})
        for p in model.parameters():
            p.requires_grad_(False)
        return model.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features((x - self.mean) / self.std)
