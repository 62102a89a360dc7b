"""The seed article's U-Net, kept faithful (lesson 05; the seed's U-Net神经网络 section).

``UNetStage`` and ``DiffusionUNet`` have the article's constructor arguments, defaults, layer order and forward pass:
conv → ReLU → BatchNorm, the time projection added, an optional label projection ``nn.Linear(1, out_ch)``, a second
conv → ReLU → BatchNorm, then a strided conv (down) or transposed conv (up). With its defaults (3 channels,
widths 64…1024) it has 62,714,307 parameters. Some of its choices are not best practice — BatchNorm couples the
samples of a batch and behaves differently in train and eval mode; each stage builds its own copy of the
(parameter-free) time encoding — and lessons 05 and 08 measure what they cost. The only additions are input
checks that raise clear errors; the computation is the article's.

``DiagramWiredUNet`` is the one deliberate departure, kept apart: the same stages wired as the article's *diagram*
draws the skips (its code wires them differently; lesson 05 shows both and compares them trained).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn

from .embedding import TimePositionalEncoding
from .validation import InputError, check_bool, check_model_input, check_positive_int

__all__ = ["UNetStage", "DiffusionUNet", "DiagramWiredUNet", "check_spatial_size"]


def check_spatial_size(x: torch.Tensor, depth: int, channels: int) -> None:
    """Raise a clear error unless ``x`` is ``(B, channels, H, W)`` with H and W divisible by ``2**depth``."""
    if x.dim() != 4:
        raise InputError(f"x must have shape (B, C, H, W), got {tuple(x.shape)}")
    if x.shape[1] != channels:
        raise InputError(f"x must have {channels} channels (img_channels), got {x.shape[1]} in shape {tuple(x.shape)}")
    factor = 2**depth
    for name, size in (("height", x.shape[2]), ("width", x.shape[3])):
        if size % factor:
            lower, upper = (size // factor) * factor, (size // factor + 1) * factor
            nearest = f"{lower} or {upper}" if lower else f"{upper}"
            raise InputError(
                f"x {name} {size} is not divisible by 2**{depth} = {factor} (the network halves the size {depth} "
                f"times); nearest valid sizes: {nearest}"
            )


def _check_time_dim(time_dim) -> None:
    # the sinusoidal encoding's rule (TimePositionalEncoding), named as this network's parameter
    check_positive_int(time_dim, "time_dim", minimum=4)
    if time_dim % 2:
        raise InputError(f"time_dim must be even (half sines, half cosines), got {time_dim}", parameter="time_dim")


class UNetStage(nn.Module):
    """One encoder or decoder stage of the seed's U-Net (seed §3, ``UNetStage``).

    Down: ``(B, C_in, H, W) → (B, C_out, H/2, W/2)``. Up: ``(B, 2·C_in, H, W) → (B, C_out, 2H, 2W)`` (the input is
    the previous output concatenated with the skip connection, hence twice the channels).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        time_dim: int,
        use_label_cond: bool = False,
        kernel_size: int = 3,
        downsample: bool = True,
    ):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("out_ch", out_ch), ("kernel_size", kernel_size)):
            check_positive_int(value, name)
        _check_time_dim(time_dim)
        self.use_label_cond = check_bool(use_label_cond, "use_label_cond")
        self.is_down = check_bool(downsample, "downsample")

        self.time_encoder = TimePositionalEncoding(time_dim)
        self.time_proj = nn.Linear(time_dim, out_ch)
        if use_label_cond:
            self.label_proj = nn.Linear(1, out_ch)

        if downsample:
            self.conv_in = nn.Conv2d(in_ch, out_ch, kernel_size, padding=1)
            self.spatial = nn.Conv2d(out_ch, out_ch, 4, stride=2, padding=1)
        else:
            self.conv_in = nn.Conv2d(2 * in_ch, out_ch, kernel_size, padding=1)
            self.spatial = nn.ConvTranspose2d(out_ch, out_ch, 4, stride=2, padding=1)

        self.bn1 = nn.BatchNorm2d(out_ch)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.conv_feat = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        out = self.bn1(self.act(self.conv_in(x)))
        t_emb = self.act(self.time_proj(self.time_encoder(timesteps)))
        out = out + t_emb[..., None, None]
        if self.use_label_cond:
            if labels is None:
                raise InputError("labels are required: this stage was built with use_label_cond=True")
            lbl_emb = self.act(self.label_proj(labels))
            out = out + lbl_emb[..., None, None]
        out = self.bn2(self.act(self.conv_feat(out)))
        return self.spatial(out)


class DiffusionUNet(nn.Module):
    """The seed's U-Net for ε-prediction (seed §3, ``DiffusionUNet``): ``(B, C, H, W), (B,) → (B, C, H, W)``.

    Args:
        img_channels: image channels in and out (3 for the article's photo).
        time_dim: size of each stage's sinusoidal time encoding.
        label_conditioning: add ``nn.Linear(1, out_ch)(labels)`` in every stage; labels are floats of shape (B, 1).
        channel_sequence: widths, the first after the stem; ``len − 1`` halvings of the spatial size.
    """

    def __init__(
        self,
        img_channels: int = 3,
        time_dim: int = 128,
        label_conditioning: bool = False,
        channel_sequence: Sequence[int] = (64, 128, 256, 512, 1024),
    ):
        super().__init__()
        check_positive_int(img_channels, "img_channels")
        _check_time_dim(time_dim)
        check_bool(label_conditioning, "label_conditioning")
        if isinstance(channel_sequence, (str, bytes)) or not isinstance(channel_sequence, Sequence):
            raise InputError(f"channel_sequence must be a sequence of positive integers, got {channel_sequence!r}")
        channel_sequence = tuple(check_positive_int(c, "channel_sequence") for c in channel_sequence)
        if len(channel_sequence) < 2:
            raise InputError(f"channel_sequence needs at least two widths, got {channel_sequence}")
        self.config = {
            "img_channels": img_channels,
            "time_dim": time_dim,
            "label_conditioning": label_conditioning,
            "channel_sequence": list(channel_sequence),
        }
        self.img_channels = img_channels
        self.time_dim = time_dim
        self.label_conditioning = label_conditioning
        self.depth = len(channel_sequence) - 1

        self.stem = nn.Conv2d(img_channels, channel_sequence[0], 3, padding=1)
        self.down_blocks = nn.ModuleList(
            [
                UNetStage(c_in, c_out, time_dim, label_conditioning, downsample=True)
                for c_in, c_out in zip(channel_sequence, channel_sequence[1:])
            ]
        )
        rev_channels = channel_sequence[::-1]
        self.up_blocks = nn.ModuleList(
            [
                UNetStage(c_in, c_out, time_dim, label_conditioning, downsample=False)
                for c_in, c_out in zip(rev_channels, rev_channels[1:])
            ]
        )
        self.head = nn.Conv2d(channel_sequence[0], img_channels, 1)

    def check_inputs(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None) -> None:
        """Raise a clear error unless ``forward`` can run on these arguments (not part of the article's code)."""
        name = type(self).__name__
        check_model_input(self, x, timesteps, data_dims=3)
        check_spatial_size(x, self.depth, self.img_channels)
        if self.label_conditioning and labels is None:
            raise InputError(f"labels are required: this {name} was built with label_conditioning=True")
        if not self.label_conditioning and labels is not None:
            raise InputError(f"labels were given but this {name} was built with label_conditioning=False")
        if labels is not None and labels.shape != (x.shape[0], 1):
            raise InputError(f"labels must have shape (B, 1) = ({x.shape[0]}, 1), got {tuple(labels.shape)}")

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        self.check_inputs(x, timesteps, labels)
        return self.unchecked_forward(x, timesteps, labels)

    def unchecked_forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None):
        """The article's forward pass without :meth:`check_inputs` (lesson 08 evaluates unseen timesteps on purpose)."""
        skips = []
        h = self.stem(x)
        for down in self.down_blocks:
            h = down(h, timesteps, labels=labels)
            skips.append(h)
        for up, skip in zip(self.up_blocks, reversed(skips)):
            h = up(torch.cat([h, skip], dim=1), timesteps, labels=labels)
        return self.head(h)


class DiagramWiredUNet(DiffusionUNet):
    """The seed's U-Net with the skips its diagram draws, not the ones its code makes (lesson 05, section 2).

    The article's code concatenates the bottleneck with itself in the first up stage and never uses the stem's
    output again. Here every skip joins the up stage whose *output* has the same resolution, at the next layer's
    input: up1 reads the bottleneck once (its first convolution takes ``C_last`` channels, not ``2·C_last``);
    down3 → up1's output (at up2's input), down2 → up2's, down1 → up3's; and the stem's output joins up4's output
    at the head, a 1×1 convolution from ``2·C_0`` channels. Everything else — stages, arguments, checks — is
    :class:`DiffusionUNet`'s, so a comparison of the two measures the wiring alone.

    ``stem_skip=False`` keeps only the first of the two changes (up1 reads the bottleneck once; the head reads up4
    alone, as in the article's code), so that a measurement can tell the two apart (lesson 05, section 6).
    """

    def __init__(
        self,
        img_channels: int = 3,
        time_dim: int = 128,
        label_conditioning: bool = False,
        channel_sequence: Sequence[int] = (64, 128, 256, 512, 1024),
        stem_skip: bool = True,
    ):
        super().__init__(img_channels, time_dim, label_conditioning, channel_sequence)
        if not isinstance(stem_skip, bool):
            raise InputError(f"stem_skip must be True or False, got {stem_skip!r}")
        self.config["stem_skip"] = stem_skip
        self.stem_skip = stem_skip
        widths = self.config["channel_sequence"]
        self.up_blocks[0].conv_in = nn.Conv2d(widths[-1], widths[-2], 3, padding=1)  # the bottleneck, once
        if stem_skip:
            self.head = nn.Conv2d(2 * widths[0], img_channels, 1)  # up4's output + the stem's

    def unchecked_forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None):
        """The diagram's wiring without :meth:`check_inputs` (:meth:`forward` checks, then calls this)."""
        h = self.stem(x)
        skips = [h]  # the stem, down1, …, down_{n−1}: one per resolution above the bottleneck
        for down in self.down_blocks:
            h = down(h, timesteps, labels=labels)
            skips.append(h)
        skips.pop()  # the bottleneck is h itself, not a skip
        h = self.up_blocks[0](h, timesteps, labels=labels)
        for up in self.up_blocks[1:]:
            h = up(torch.cat([h, skips.pop()], dim=1), timesteps, labels=labels)
        return self.head(torch.cat([h, skips.pop()], dim=1) if self.stem_skip else h)
