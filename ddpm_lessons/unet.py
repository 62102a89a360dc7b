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
from .validation import (
    MAX_KERNEL_SIZE,
    MAX_LEVELS,
    MAX_WIDTH,
    InputError,
    check_bool,
    check_model_input,
    check_parameter_count,
    check_size,
)

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


def _stage_parameters(in_ch, out_ch, time_dim, use_label_cond, kernel_size, downsample) -> int:
    # UNetStage's layers, counted (sizes already checked)
    return (
        (time_dim + 1) * out_ch  # time_proj
        + (2 * out_ch if use_label_cond else 0)  # label_proj: Linear(1, out_ch)
        + ((in_ch if downsample else 2 * in_ch) * kernel_size**2 + 1) * out_ch  # conv_in
        + (out_ch * 16 + 1) * out_ch  # spatial: 4×4 conv or transposed conv
        + 4 * out_ch  # bn1, bn2
        + (out_ch * 9 + 1) * out_ch  # conv_feat
    )


def _check_time_dim(time_dim) -> int:
    # the sinusoidal encoding's rule (TimePositionalEncoding) within the width ceiling, named as this network's parameter
    time_dim = check_size(time_dim, "time_dim", MAX_WIDTH, "MAX_WIDTH", minimum=4)
    if time_dim % 2:
        raise InputError(f"time_dim must be even (half sines, half cosines), got {time_dim}", parameter="time_dim")
    return time_dim


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
        self.planned_parameters(in_ch, out_ch, time_dim, use_label_cond, kernel_size, downsample)
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

    @staticmethod
    def planned_parameters(in_ch, out_ch, time_dim, use_label_cond=False, kernel_size=3, downsample=True) -> int:
        """The stage's parameter count, computed from its arguments (checked against the ceilings) before any layer
        is built; a count above ``MAX_PARAMETERS`` is refused."""
        in_ch = check_size(in_ch, "in_ch", MAX_WIDTH, "MAX_WIDTH")
        out_ch = check_size(out_ch, "out_ch", MAX_WIDTH, "MAX_WIDTH")
        time_dim = _check_time_dim(time_dim)
        kernel_size = check_size(kernel_size, "kernel_size", MAX_KERNEL_SIZE, "MAX_KERNEL_SIZE")
        count = _stage_parameters(in_ch, out_ch, time_dim, use_label_cond, kernel_size, downsample)
        return check_parameter_count(count, "UNetStage", "out_ch")

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


def _check_channel_sequence(channel_sequence) -> tuple[int, ...]:
    """The seed U-Net's widths as a tuple of 2 … MAX_LEVELS ints, each at most MAX_WIDTH."""
    if isinstance(channel_sequence, (str, bytes)) or not isinstance(channel_sequence, Sequence):
        raise InputError(
            f"channel_sequence must be a sequence of positive integers, got {channel_sequence!r}",
            parameter="channel_sequence",
        )
    if len(channel_sequence) > MAX_LEVELS:
        raise InputError(
            f"channel_sequence has {len(channel_sequence)} widths; the package's ceiling is MAX_LEVELS = {MAX_LEVELS}",
            parameter="channel_sequence",
        )
    channel_sequence = tuple(check_size(c, "channel_sequence", MAX_WIDTH, "MAX_WIDTH") for c in channel_sequence)
    if len(channel_sequence) < 2:
        raise InputError(f"channel_sequence needs at least two widths, got {channel_sequence}")
    return channel_sequence


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
        check_bool(label_conditioning, "label_conditioning")
        channel_sequence = _check_channel_sequence(channel_sequence)
        self.config = {
            "img_channels": img_channels,
            "time_dim": time_dim,
            "label_conditioning": label_conditioning,
            "channel_sequence": list(channel_sequence),
        }
        DiffusionUNet.planned_parameters(self.config)
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

    @staticmethod
    def planned_parameters(config: dict) -> int:
        """The parameter count of ``DiffusionUNet(**config)`` (every argument given), computed from the configuration
        — its sizes checked against the ceilings — before anything is built; above ``MAX_PARAMETERS`` it is refused."""
        img_channels = check_size(config["img_channels"], "img_channels", MAX_WIDTH, "MAX_WIDTH")
        widths = _check_channel_sequence(config["channel_sequence"])
        time_dim = _check_time_dim(config["time_dim"])
        stage = (time_dim, config["label_conditioning"], 3)
        count = (img_channels * 9 + 1) * widths[0] + (widths[0] + 1) * img_channels  # stem, head
        for c_in, c_out in zip(widths, widths[1:]):
            count += _stage_parameters(c_in, c_out, *stage, downsample=True)
        for c_in, c_out in zip(widths[::-1], widths[::-1][1:]):
            count += _stage_parameters(c_in, c_out, *stage, downsample=False)
        return check_parameter_count(count, "DiffusionUNet", "channel_sequence")

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
    alone, as in the article's code), so that a measurement can tell the two apart (lesson 05, section 2).
    """

    def __init__(
        self,
        img_channels: int = 3,
        time_dim: int = 128,
        label_conditioning: bool = False,
        channel_sequence: Sequence[int] = (64, 128, 256, 512, 1024),
        stem_skip: bool = True,
    ):
        if not isinstance(stem_skip, bool):
            raise InputError(f"stem_skip must be True or False, got {stem_skip!r}")
        super().__init__(img_channels, time_dim, label_conditioning, channel_sequence)
        self.config["stem_skip"] = stem_skip
        self.stem_skip = stem_skip
        widths = self.config["channel_sequence"]
        self.up_blocks[0].conv_in = nn.Conv2d(widths[-1], widths[-2], 3, padding=1)  # the bottleneck, once
        if stem_skip:
            self.head = nn.Conv2d(2 * widths[0], img_channels, 1)  # up4's output + the stem's

    @staticmethod
    def planned_parameters(config: dict) -> int:
        """:meth:`DiffusionUNet.planned_parameters` for the diagram's wiring: up1 reads the bottleneck once, and with
        ``stem_skip`` the head reads twice the stem's width."""
        if not isinstance(config["stem_skip"], bool):
            raise InputError(f"stem_skip must be True or False, got {config['stem_skip']!r}", parameter="stem_skip")
        count = DiffusionUNet.planned_parameters(config)
        widths = _check_channel_sequence(config["channel_sequence"])
        count -= widths[-1] * widths[-2] * 9  # up1's first convolution: C_last inputs, not 2·C_last
        return count + (widths[0] * config["img_channels"] if config["stem_skip"] else 0)

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
