"""The networks the course trains on a CPU (lessons 04–07): an improved U-Net and a small MLP for toy data.

``ResidualUNet`` keeps the seed's U shape but uses what the reference implementations use (Ho et al.,
improved-diffusion): residual blocks with GroupNorm and SiLU, one time-embedding MLP shared by all blocks,
optional self-attention at the lowest resolution, class conditioning through an embedding with an extra "null"
class for classifier-free guidance, and a zero-initialised output convolution (the untrained net predicts ε = 0).
GroupNorm normalises each sample on its own, so (without dropout) train and eval mode compute the same function.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .embedding import TimePositionalEncoding
from .unet import DiagramWiredUNet, DiffusionUNet, check_spatial_size
from .validation import (
    MAX_CLASSES,
    MAX_EXAMPLE_VALUES,
    MAX_LAYERS,
    MAX_LEVELS,
    MAX_T,
    MAX_WIDTH,
    InputError,
    check_model_input,
    check_parameter_count,
    check_positive_int,
    check_real,
    check_shape,
    check_size,
)

__all__ = [
    "ResidualUNet",
    "MLPDenoiser",
    "build_model",
    "planned_parameters",
    "MODELS",
    "count_parameters",
    "count_macs",
    "check_example_shape",
    "check_data_shape",
    "check_class_labels",
    "takes_no_labels",
]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable and frozen parameters of ``model`` (lesson 05: 62,714,307 for the seed's network)."""
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model: nn.Module, *inputs, **kwargs) -> int:
    """Multiply-accumulates of one forward pass through the convolutions and linear layers (lesson 05).

    A deterministic measure of compute: a conv producing N output values from C_in/groups·k² inputs each costs
    N·C_in/groups·k²; a transposed conv costs (input values)·C_out/groups·k²; a linear layer N·in_features.
    Normalisation, activations and the attention's matrix products are not counted (they are small here).
    """
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module, got {type(model).__name__}", parameter="model")
    total = 0

    def hook(module, args, output):
        nonlocal total
        if isinstance(module, nn.ConvTranspose2d):
            kh, kw = module.kernel_size
            total += args[0].numel() * module.out_channels // module.groups * kh * kw
        elif isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += output.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))
    ]
    try:
        model(*inputs, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return total


def _zero(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv, add the projected time (and class) embedding, GroupNorm → SiLU → conv, plus skip."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = _zero(nn.Conv2d(out_ch, out_ch, 3, padding=1))  # each block starts as its skip path
        self.skip = nn.Identity() if in_ch == out_ch else nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb_proj(F.silu(emb))[..., None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Single-head self-attention over all pixels, with a residual connection (used at the lowest resolution)."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = _zero(nn.Conv2d(channels, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(dim=1)
        attn = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(c), dim=-1)  # (B, HW, HW)
        return x + self.out((v @ attn.transpose(1, 2)).reshape(b, c, h, w))


def _check_unet_config(in_channels, base_channels, channel_mults, num_res_blocks, num_classes, dropout, groups):
    """ResidualUNet's arguments checked, sizes against the ceilings; returns ``channel_mults`` as a tuple of ints."""
    check_size(base_channels, "base_channels", MAX_WIDTH, "MAX_WIDTH")
    check_size(num_res_blocks, "num_res_blocks", MAX_LAYERS, "MAX_LAYERS")
    check_size(groups, "groups", MAX_WIDTH, "MAX_WIDTH")
    check_real(dropout, "dropout", minimum=0.0, maximum=1.0)
    if isinstance(channel_mults, (str, bytes)) or not isinstance(channel_mults, Sequence) or not channel_mults:
        raise InputError(f"channel_mults must be a non-empty sequence of positive integers, got {channel_mults!r}")
    if len(channel_mults) > MAX_LEVELS:
        raise InputError(
            f"channel_mults has {len(channel_mults)} levels; the package's ceiling is MAX_LEVELS = {MAX_LEVELS}",
            parameter="channel_mults",
        )
    channel_mults = tuple(check_size(m, "channel_mults", MAX_WIDTH, "MAX_WIDTH") for m in channel_mults)
    if isinstance(in_channels, bool) or in_channels not in (1, 3):
        raise InputError(f"in_channels must be 1 or 3, got {in_channels!r}", parameter="in_channels")
    widths = [base_channels * m for m in channel_mults]
    if max(widths) > MAX_WIDTH:
        raise InputError(
            f"base_channels × channel_mults gives level widths {widths}; the package's ceiling is MAX_WIDTH = "
            f"{MAX_WIDTH:,}",
            parameter="base_channels",
        )
    if any(w % groups for w in widths):
        raise InputError(f"groups={groups} must divide every level width {widths}")
    if num_classes is not None:
        check_size(num_classes, "num_classes", MAX_CLASSES, "MAX_CLASSES")
    return channel_mults


def _res_block_parameters(in_ch: int, out_ch: int, emb_dim: int) -> int:
    # norm1, conv1, emb_proj, norm2, conv2, and the 1×1 skip when the width changes (see ResBlock)
    skip = (in_ch + 1) * out_ch if in_ch != out_ch else 0
    return 2 * in_ch + (9 * in_ch + 1) * out_ch + (emb_dim + 1) * out_ch + 2 * out_ch + (9 * out_ch + 1) * out_ch + skip


class ResidualUNet(nn.Module):
    """An ε-predicting U-Net in the style of Ho et al. and improved-diffusion, sized for a CPU (lessons 05–07).

    ``forward(x (B, C, H, W), timesteps (B,), labels (B,) or None) → (B, C, H, W)``.

    Args:
        in_channels: 1 (digits) or 3 (photos).
        base_channels: width of the first level; level i has ``base_channels * channel_mults[i]`` channels.
        channel_mults: one entry per resolution; the size is halved ``len(channel_mults) − 1`` times, so H and W
            must be divisible by ``2 ** (len(channel_mults) − 1)``.
        num_res_blocks: residual blocks per level on the way down (one more on the way up).
        attention: self-attention in the middle, at the lowest resolution.
        num_classes: None for an unconditional model; else labels are ints in ``[0, num_classes]`` where
            ``num_classes`` itself is the "null" label used for classifier-free guidance (``model.null_label``).
        dropout, groups: dropout rate in the blocks and GroupNorm groups (must divide every width).
    """

    def __init__(
        self,
        in_channels: int = 1,
        base_channels: int = 32,
        channel_mults: Sequence[int] = (1, 2, 2),
        num_res_blocks: int = 1,
        attention: bool = True,
        num_classes: int | None = None,
        dropout: float = 0.0,
        groups: int = 8,
    ):
        super().__init__()
        channel_mults = _check_unet_config(
            in_channels, base_channels, channel_mults, num_res_blocks, num_classes, dropout, groups
        )
        widths = [base_channels * m for m in channel_mults]
        check_parameter_count(
            self._count(in_channels, widths, num_res_blocks, attention, num_classes), "ResidualUNet", "base_channels"
        )
        self.config = {
            "in_channels": in_channels,
            "base_channels": base_channels,
            "channel_mults": list(channel_mults),
            "num_res_blocks": num_res_blocks,
            "attention": attention,
            "num_classes": num_classes,
            "dropout": dropout,
            "groups": groups,
        }
        self.in_channels = in_channels
        self.depth = len(channel_mults) - 1
        self.num_classes = num_classes
        emb_dim = 4 * base_channels

        self.time_embed = nn.Sequential(
            TimePositionalEncoding(base_channels),
            nn.Linear(base_channels, emb_dim),
            nn.SiLU(),
            nn.Linear(emb_dim, emb_dim),
        )
        self.label_embed = nn.Embedding(num_classes + 1, emb_dim) if num_classes is not None else None

        self.stem = nn.Conv2d(in_channels, widths[0], 3, padding=1)
        self.down, skip_widths = self._down_path(widths, num_res_blocks, emb_dim, groups, dropout)
        ch = widths[-1]

        self.mid1 = ResBlock(ch, ch, emb_dim, groups, dropout)
        self.mid_attn = SelfAttention(ch, groups) if attention else nn.Identity()
        self.mid2 = ResBlock(ch, ch, emb_dim, groups, dropout)

        self.up = self._up_path(widths, skip_widths, num_res_blocks, emb_dim, groups, dropout)
        ch = widths[0]

        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), _zero(nn.Conv2d(ch, in_channels, 3, padding=1)))

    @staticmethod
    def planned_parameters(config: dict) -> int:
        """The parameter count of ``ResidualUNet(**config)`` (every argument given), computed from the configuration
        — checked as the constructor checks it, ceilings included — before anything is built."""
        mults = _check_unet_config(
            *(config[k] for k in ("in_channels", "base_channels", "channel_mults", "num_res_blocks")),
            *(config[k] for k in ("num_classes", "dropout", "groups")),
        )
        widths = [config["base_channels"] * m for m in mults]
        count = ResidualUNet._count(
            config["in_channels"], widths, config["num_res_blocks"], config["attention"], config["num_classes"]
        )
        return check_parameter_count(count, "ResidualUNet", "base_channels")

    @staticmethod
    def _count(in_channels, widths, num_res_blocks, attention, num_classes) -> int:
        # The layers of __init__, _down_path and _up_path, counted in the same walk (a test compares it with them).
        emb, depth = 4 * widths[0], len(widths) - 1
        count = (widths[0] + 1) * emb + (emb + 1) * emb + (0 if num_classes is None else (num_classes + 1) * emb)
        count += (9 * in_channels + 1) * widths[0] + 2 * widths[0] + (9 * widths[0] + 1) * in_channels  # stem, out
        skips, ch = [widths[0]], widths[0]
        for level, width in enumerate(widths):
            for _ in range(num_res_blocks):
                count, ch = count + _res_block_parameters(ch, width, emb), width
                skips.append(ch)
            if level < depth:
                count += (9 * ch + 1) * ch
                skips.append(ch)
        count += 2 * _res_block_parameters(ch, ch, emb) + (
            2 * ch + (ch + 1) * 3 * ch + (ch + 1) * ch if attention else 0
        )
        for level, width in reversed(list(enumerate(widths))):
            for _ in range(num_res_blocks + 1):
                count, ch = count + _res_block_parameters(ch + skips.pop(), width, emb), width
            if level > 0:
                count += (9 * ch + 1) * ch
        return count

    def _down_path(self, widths, num_res_blocks, emb_dim, groups, dropout) -> tuple[nn.ModuleList, list[int]]:
        # Residual blocks per level, a strided conv between levels; returns them and the width of every skip.
        down, skip_widths, ch = nn.ModuleList(), [widths[0]], widths[0]
        for level, width in enumerate(widths):
            for _ in range(num_res_blocks):
                down.append(ResBlock(ch, width, emb_dim, groups, dropout))
                ch = width
                skip_widths.append(ch)
            if level < self.depth:
                down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skip_widths.append(ch)
        return down, skip_widths

    @staticmethod
    def _up_path(widths, skip_widths, num_res_blocks, emb_dim, groups, dropout) -> nn.ModuleList:
        # One more block per level than on the way down, each reading a skip; nearest-neighbour upsampling.
        up, ch = nn.ModuleList(), widths[-1]
        for level, width in reversed(list(enumerate(widths))):
            for _ in range(num_res_blocks + 1):
                up.append(ResBlock(ch + skip_widths.pop(), width, emb_dim, groups, dropout))
                ch = width
            if level > 0:
                up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, ch, 3, padding=1)))
        return up

    @property
    def null_label(self) -> int:
        """The label meaning "no class" (classifier-free guidance's unconditional model)."""
        if self.num_classes is None:
            raise InputError("this ResidualUNet is unconditional (num_classes=None): it has no null label")
        return self.num_classes

    def embed(self, timesteps: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.time_embed(timesteps)
        if self.num_classes is None:
            if labels is not None:
                raise InputError("labels were given but this ResidualUNet is unconditional (num_classes=None)")
            return emb
        if labels is None:
            raise InputError(
                f"labels are required: this ResidualUNet is class-conditional (num_classes={self.num_classes}); "
                f"pass model.null_label ({self.num_classes}) for the unconditional prediction"
            )
        if labels.dtype != torch.long or labels.shape != timesteps.shape:
            raise InputError(
                f"labels must be a long tensor of shape {tuple(timesteps.shape)}, got {labels.dtype} "
                f"{tuple(labels.shape)}"
            )
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) > self.num_classes):
            raise InputError(
                f"labels must lie in [0, {self.num_classes}] ({self.num_classes} = null label), got "
                f"{int(labels.min()) if int(labels.min()) < 0 else int(labels.max())}"
            )
        return emb + self.label_embed(labels)

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_model_input(self, x, timesteps, data_dims=3)
        check_spatial_size(x, self.depth, self.in_channels)
        return self.unchecked_forward(x, timesteps, labels)

    def unchecked_forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None):
        """The network without the input checks of :meth:`forward`: for lesson 08's deliberately wrong timesteps."""
        emb = self.embed(timesteps, labels)
        h = self.stem(x)
        skips = [h]
        for layer in self.down:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
            skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for layer in self.up:
            h = layer(torch.cat([h, skips.pop()], dim=1), emb) if isinstance(layer, ResBlock) else layer(h)
        return self.out(h)


class MLPDenoiser(nn.Module):
    """ε-prediction for 1-D and 2-D toy data: ``(B, D), (B,) → (B, D)`` (lessons 04, 06).

    Args:
        data_dim: D, the dimension of a data point.
        hidden: width of the hidden layers; num_layers: residual MLP blocks.
        time_input: ``"sinusoidal"`` (the seed's embedding, default), ``"scalar"`` (the index scaled to t/T, as
            some tutorials do), ``"raw"`` (the index 0 … T−1 itself) or ``"none"`` (the network never sees t) —
            lesson 04 compares them.
        time_dim: size of the sinusoidal embedding; num_timesteps: T, used to scale the scalar input.
    """

    TIME_INPUTS = ("sinusoidal", "scalar", "raw", "none")

    def __init__(
        self,
        data_dim: int = 2,
        hidden: int = 128,
        num_layers: int = 3,
        time_input: str = "sinusoidal",
        time_dim: int = 32,
        num_timesteps: int = 1000,
    ):
        super().__init__()
        self.config = {
            "data_dim": data_dim,
            "hidden": hidden,
            "num_layers": num_layers,
            "time_input": time_input,
            "time_dim": time_dim,
            "num_timesteps": num_timesteps,
        }
        self.planned_parameters(self.config)
        self.data_dim = data_dim
        self.time_input = time_input
        self.num_timesteps = num_timesteps
        self.time_encoding = TimePositionalEncoding(time_dim) if time_input == "sinusoidal" else None
        t_features = {"sinusoidal": time_dim, "scalar": 1, "raw": 1, "none": 0}[time_input]
        self.inp = nn.Linear(data_dim + t_features, hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
            for _ in range(num_layers)
        )
        self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, data_dim))

    @staticmethod
    def planned_parameters(config: dict) -> int:
        """The parameter count of ``MLPDenoiser(**config)`` (every argument given), computed from the configuration —
        checked as the constructor checks it, sizes against the ceilings — before anything is built."""
        data_dim = check_size(config["data_dim"], "data_dim", MAX_WIDTH, "MAX_WIDTH")
        hidden = check_size(config["hidden"], "hidden", MAX_WIDTH, "MAX_WIDTH")
        num_layers = check_size(config["num_layers"], "num_layers", MAX_LAYERS, "MAX_LAYERS", minimum=0)
        time_dim = check_size(config["time_dim"], "time_dim", MAX_WIDTH, "MAX_WIDTH")
        check_size(config["num_timesteps"], "num_timesteps", MAX_T, "MAX_T")
        time_input = config["time_input"]
        if time_input not in MLPDenoiser.TIME_INPUTS:
            raise InputError(f"time_input must be one of {MLPDenoiser.TIME_INPUTS}, got {time_input!r}")
        t_features = {"sinusoidal": time_dim, "scalar": 1, "raw": 1, "none": 0}[time_input]
        count = (data_dim + t_features + 1) * hidden  # inp
        count += num_layers * (2 * hidden + 2 * (hidden + 1) * hidden)  # blocks: LayerNorm, two Linear
        count += 2 * hidden + (hidden + 1) * data_dim  # out: LayerNorm, Linear
        return check_parameter_count(count, "MLPDenoiser", "hidden")

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is not None:
            raise InputError("labels were given but MLPDenoiser is unconditional")
        check_model_input(self, x, timesteps, data_dims=1, integer_time=False)
        if x.shape[1] != self.data_dim:
            raise InputError(f"x must have shape (B, {self.data_dim}) (data_dim), got {tuple(x.shape)}")
        return self.unchecked_forward(x, timesteps)

    def unchecked_forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None):
        """The network without the input checks of :meth:`forward`: for lesson 08's deliberately wrong timesteps."""
        if self.time_input == "sinusoidal":
            features = [x, self.time_encoding(timesteps)]
        elif self.time_input == "scalar":
            features = [x, (timesteps.to(x.dtype) / self.num_timesteps)[:, None]]
        elif self.time_input == "raw":
            features = [x, timesteps.to(x.dtype)[:, None]]
        else:
            features = [x]
        h = self.inp(torch.cat(features, dim=1))
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


MODELS = {
    "DiffusionUNet": DiffusionUNet,
    "DiagramWiredUNet": DiagramWiredUNet,
    "ResidualUNet": ResidualUNet,
    "MLPDenoiser": MLPDenoiser,
}


def build_model(kind: str, config: dict) -> nn.Module:
    """Rebuild a model from its class name and ``model.config`` (as stored in checkpoints)."""
    if not isinstance(kind, str) or kind not in MODELS:
        raise InputError(f"model kind must be one of {sorted(MODELS)}, got {kind!r}", parameter="kind")
    if not isinstance(config, dict):
        raise InputError(f"config must be a dict of {kind} arguments, got {type(config).__name__}", parameter="config")
    unknown = sorted(set(config) - set(inspect.signature(MODELS[kind]).parameters))
    if unknown:
        raise InputError(f"config has keys {kind} does not take: {unknown}", parameter="config")
    return MODELS[kind](**config)


def planned_parameters(kind: str, config: dict) -> int:
    """The number of parameters ``build_model(kind, config)`` would build, computed from the configuration alone:
    its arguments are checked as the constructor checks them, sizes against the package's ceilings (an
    :class:`InputError` naming the argument), and nothing is allocated — so a file's configuration that asks for
    billions of weights is refused in microseconds."""
    if not isinstance(kind, str) or kind not in MODELS:
        raise InputError(f"model kind must be one of {sorted(MODELS)}, got {kind!r}", parameter="kind")
    if not isinstance(config, dict):
        raise InputError(f"config must be a dict of {kind} arguments, got {type(config).__name__}", parameter="config")
    try:
        bound = inspect.signature(MODELS[kind]).bind(**config)
    except TypeError as error:
        raise InputError(f"config is not a set of {kind} arguments: {error}", parameter="config") from None
    bound.apply_defaults()
    return MODELS[kind].planned_parameters(dict(bound.arguments))


def check_example_shape(shape: tuple, model: nn.Module, what: str, dtype=None) -> None:
    """A batch shape ``(N, …)`` against the example shape the package's networks declare (``in_channels`` or
    ``img_channels`` with ``depth`` for the U-Nets, ``data_dim`` for the MLP; other modules are not inspected), so
    :func:`~ddpm_lessons.train` and :func:`~ddpm_lessons.sample` refuse a wrong shape before any work, naming
    ``what`` (the data set, or the requested shape) rather than a batch deep inside the network. A requested shape
    (``dtype`` None) must also lie within the ceilings (:func:`~ddpm_lessons.validation.check_shape`), for any model."""
    channels = next((getattr(model, a) for a in ("in_channels", "img_channels") if hasattr(model, a)), None)
    shape = tuple(shape) if dtype is not None else check_shape(shape, what)  # a request: sizes within the ceilings
    described = f"{what} is {shape}" if dtype is None else f"{what} has shape {shape} and dtype {dtype}"
    if isinstance(channels, int) and hasattr(model, "depth"):
        expected, wanted = f"(N, C, H, W) with C = {channels}", (len(shape) == 4 and shape[1] == channels)
    elif isinstance(getattr(model, "data_dim", None), int):
        expected, wanted = f"(N, {model.data_dim})", (len(shape) == 2 and shape[1] == model.data_dim)
    else:
        return
    if not wanted:
        fix = "x.unsqueeze(1)" if dtype is not None else f"{(shape[0], 1, *shape[1:])}"
        hint = f"; add the channel axis: {fix}" if channels == 1 and len(shape) == 3 else ""
        raise InputError(f"{described}; the model ({type(model).__name__}) expects {expected}{hint}", parameter=what)
    if channels is not None:
        try:
            check_spatial_size(torch.empty(shape, device="meta"), model.depth, channels)  # reads the shape only
        except InputError as error:
            raise InputError(
                f"{described}, which {type(model).__name__} cannot take: {error}", parameter=what
            ) from None


def check_data_shape(data_shape, model: nn.Module, name: str = "data_shape") -> tuple[int, ...]:
    """One example's shape (a checkpoint's ``train_config["data_shape"]``, which sampling and evaluation draw)
    as a tuple of ints, checked against the ceilings and against ``model``: a file cannot ask for samples its model
    cannot take, or for gigabytes per sample."""
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module, got {type(model).__name__}", parameter="model")
    if isinstance(data_shape, (str, bytes)) or not isinstance(data_shape, (list, tuple)):
        raise InputError(f"{name} must be a list of sizes, got {type(data_shape).__name__}", parameter=name)
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in data_shape):
        raise InputError(f"{name} must be a list of integer sizes >= 1, got {list(data_shape)}", parameter=name)
    values = math.prod(int(s) for s in data_shape)
    if values > MAX_EXAMPLE_VALUES:
        raise InputError(
            f"{name} {list(data_shape)} asks for {values:,} values per example; the package's ceiling is "
            f"MAX_EXAMPLE_VALUES = {MAX_EXAMPLE_VALUES:,}",
            parameter=name,
        )
    shape = tuple(int(s) for s in data_shape)
    check_example_shape((1, *shape), model, name)
    return shape


def takes_no_labels(model: nn.Module) -> bool:
    """True for a model built unconditional (``num_classes=None``), the MLP, or a forward without a labels parameter."""
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module, got {type(model).__name__}", parameter="model")
    if isinstance(model, MLPDenoiser) or (hasattr(model, "num_classes") and model.num_classes is None):
        return True
    parameters = inspect.signature(model.forward).parameters.values()
    return not any(p.kind is p.VAR_POSITIONAL for p in parameters) and len(parameters) < 3


def check_class_labels(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Class labels as int64 in [0, num_classes): index num_classes is the model's null class (classifier-free
    guidance's ∅), never a label, so a label there is refused instead of silently giving an unconditional sample."""
    check_positive_int(num_classes, "num_classes")
    if not isinstance(labels, torch.Tensor):
        raise InputError(f"labels must be an integer tensor, got {type(labels).__name__}", parameter="labels")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise InputError(
            f"labels must be an integer tensor (class indices) for a class-conditional model, got {labels.dtype}",
            parameter="labels",
        )
    outside = labels[(labels < 0) | (labels >= num_classes)].unique()
    if len(outside):
        shown = ", ".join(str(int(v)) for v in outside[:10]) + (", …" if len(outside) > 10 else "")
        raise InputError(
            f"labels must lie in [0, {num_classes}) for a model with num_classes = {num_classes} (index {num_classes} "
            f"is its null class for classifier-free guidance), got {shown}",
            parameter="labels",
        )
    return labels.long()  # lossless for every integer dtype that passed the range check
