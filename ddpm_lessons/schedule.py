"""Noise schedules: the β_t of every step and everything derived from them (lesson 02, the seed's 扩散过程相关代码),
and indexing a schedule at a timestep (:func:`gather`, :func:`broadcast_to_batch`: the math layer's lookups).

:class:`DiffusionSchedule` builds the linear and cosine schedules, respaces one (:meth:`DiffusionSchedule.respaced`)
and rescales one to zero terminal SNR (:meth:`DiffusionSchedule.zero_terminal_snr`, Lin et al. 2024; issue 22,
lesson A).

Every derived quantity is computed in float64 from a float64 copy of the betas and only then cast to the schedule's
dtype, so ``schedule.to(dtype=torch.float64)`` gives exact reference values even when the schedule was built in
float32. A :class:`DiffusionSchedule` is a plain object, not an ``nn.Module``: its tensors are not parameters or
buffers, so an EMA of a model's state can never touch them (a bug reported in public DDPM code).
"""

from __future__ import annotations

import math
import numbers

import torch

from .validation import MAX_T, InputError, ScheduleBase, check_dtype, check_positive_int, check_same_device, check_size

__all__ = [
    "SCHEDULES",
    "MAX_T",
    "get_beta_schedule",
    "DiffusionSchedule",
    "gather",
    "broadcast_to_batch",
    "schedule_from_arrays",
    "check_forward_arrays",
]

SCHEDULES = ("linear", "cosine")  # the DiffusionSchedule constructors of those names
# unchecked at the last index of a zero-terminal-SNR schedule: ᾱ_{T−1} = 0 there, and 1/√ᾱ is ∞
_INFINITE_AT_ZERO_SNR = ("alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod")


def _check_beta_range(beta_start, beta_end) -> None:
    for name, value in (("beta_start", beta_start), ("beta_end", beta_end)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"{name} must be a real number in (0, 1), got {type(value).__name__}")
        if not 0.0 < float(value) < 1.0:
            raise InputError(f"{name} must lie in the open interval (0, 1), got {value}")
    if beta_start > beta_end:
        raise InputError(
            f"beta_start must be <= beta_end (a schedule adds more noise later), got {beta_start} > {beta_end}"
        )


def get_beta_schedule(timesteps, beta_start=1e-4, beta_end=0.02, *, dtype=None):
    """Linear β schedule from ``beta_start`` to ``beta_end`` over ``timesteps`` steps (seed, §3 代码实现; DDPM §4).

    The seed's function, unchanged in meaning: ``torch.linspace(beta_start, beta_end, timesteps)``, both ends
    included. ``betas[i]`` is the variance of the noise added at code step ``i`` (paper step ``i + 1``).

    Args:
        timesteps: T, the number of diffusion steps (int, 1 … ``MAX_T`` = 100,000).
        beta_start, beta_end: first and last β, in (0, 1), with ``beta_start <= beta_end``.
        dtype: torch dtype of the result; default: torch's default dtype (float32), as in the seed.

    Returns:
        Tensor of shape ``(T,)``.
    """
    timesteps = check_size(timesteps, "timesteps", MAX_T, "MAX_T")
    _check_beta_range(beta_start, beta_end)
    check_dtype(dtype)
    return torch.linspace(float(beta_start), float(beta_end), timesteps, dtype=dtype)


class DiffusionSchedule(ScheduleBase):
    """All per-step constants of a DDPM, indexed by the 0-based code step ``i`` (paper step ``t = i + 1``).

    Attributes (each a tensor of shape ``(T,)``; DDPM paper equation in brackets):

    - ``betas`` β_t, ``alphas`` α_t = 1 − β_t [§2]
    - ``alphas_cumprod`` ᾱ_t = ∏_{s≤t} α_s [eq. 4]; ``alphas_cumprod_prev`` ᾱ_{t−1}, with ᾱ_0 := 1 at index 0
    - ``sqrt_alphas_cumprod`` √ᾱ_t, ``sqrt_one_minus_alphas_cumprod`` √(1 − ᾱ_t) [eq. 4, the closed form]
    - ``sqrt_recip_alphas_cumprod`` √(1/ᾱ_t), ``sqrt_recipm1_alphas_cumprod`` √(1/ᾱ_t − 1) [x̂₀ from ε, eq. 15]
    - ``posterior_variance`` β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t [eq. 7]; exactly 0 at index 0
    - ``posterior_log_variance_clipped`` log β̃_t with index 0 replaced by log β̃ at index 1 (Ho et al.'s code:
      the variance is 0 at the start of the chain; for T = 1, log β_0 is used since no β̃ at index 1 exists)
    - ``beta_log_variance_clipped`` log β_t with index 0 replaced like the posterior's: the reverse variance
      σ_t² = β_t of the seed (Ho et al.'s "fixedlarge"); ``posterior_log_variance_clipped`` is "fixedsmall"
    - ``posterior_mean_coef1`` β_t √ᾱ_{t−1} / (1 − ᾱ_t) and ``posterior_mean_coef2`` √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t),
      so that μ̃_t(x_t, x_0) = coef1 · x_0 + coef2 · x_t [eq. 7]

    Build one with :meth:`linear`, :meth:`cosine` or ``DiffusionSchedule(betas)``; ``len(schedule)`` is T.
    :meth:`zero_terminal_snr` rescales one so that ᾱ_{T−1} = 0 (Lin et al. 2024; issue 22, lesson A): its last β is
    1, ``zero_terminal`` is True, and ``sqrt_recip_alphas_cumprod`` and ``sqrt_recipm1_alphas_cumprod`` are ∞ at the
    last index (x̂₀ cannot be computed from ε there: sample such a schedule with a v- or x₀-prediction model).
    """

    _FIELDS = (
        "betas",
        "alphas",
        "alphas_cumprod",
        "alphas_cumprod_prev",
        "sqrt_alphas_cumprod",
        "sqrt_one_minus_alphas_cumprod",
        "sqrt_recip_alphas_cumprod",
        "sqrt_recipm1_alphas_cumprod",
        "posterior_variance",
        "posterior_log_variance_clipped",
        "posterior_mean_coef1",
        "posterior_mean_coef2",
    )

    def __init__(self, betas, *, dtype=None, device=None, name: str = "custom"):
        """Args:
        betas: 1-D sequence or tensor of the T variances β_t, each in the open interval (0, 1).
        dtype: dtype of the stored tensors (default float32; float64 for reference checks).
        device: device of the stored tensors (default CPU).
        name: a label shown in ``repr`` (``"linear"``, ``"cosine"`` or ``"custom"``).
        """
        if isinstance(betas, (list, tuple)) and len(betas) > MAX_T:
            # refused before the conversion: a file's list of a billion betas would take minutes to convert
            raise InputError(
                f"betas has {len(betas):,} steps; the package's ceiling is MAX_T = {MAX_T:,}", parameter="betas"
            )
        try:
            betas64 = torch.as_tensor(betas, dtype=torch.float64, device="cpu").detach().clone()
        except (TypeError, ValueError, RuntimeError):
            raise InputError(f"betas must be a 1-D sequence of numbers, got {betas!r:.80}", parameter="betas") from None
        if betas64.dim() != 1 or betas64.numel() < 1:
            raise InputError(f"betas must be a non-empty 1-D sequence, got shape {tuple(betas64.shape)}")
        valid = torch.isfinite(betas64) & (betas64 > 0) & (betas64 < 1)
        valid[-1:] |= (betas64[-1:] == 1) & (betas64.numel() > 1)  # zero terminal SNR: ᾱ_{T−1} = 0 (Lin et al. 2024)
        if not valid.all():
            raise InputError(
                f"every beta must lie in the open interval (0, 1), got {betas64[~valid][0].item()} (only the last may "
                "be exactly 1: zero terminal SNR)"
            )
        if betas64.numel() > MAX_T:
            raise InputError(
                f"betas has {betas64.numel():,} steps; the package's ceiling is MAX_T = {MAX_T:,}", parameter="betas"
            )
        self.name = name
        self._betas64 = betas64
        self.zero_terminal = bool(betas64[-1] == 1)  # ᾱ_{T−1} = 0: 1/√ᾱ is ∞ there, by construction
        self.config = {"name": "custom", "betas": betas64.tolist()}
        self.dtype = torch.float32 if dtype is None else check_dtype(dtype)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        for field, value in self._derive(betas64).items():
            value = value.to(dtype=self.dtype)
            checked = value[:-1] if self.zero_terminal and field in _INFINITE_AT_ZERO_SNR else value
            if not torch.isfinite(checked).all() or (field == "alphas_cumprod" and (checked <= 0).any()):
                first = int((~torch.isfinite(value) | (value <= 0)).nonzero()[0]) if field == "alphas_cumprod" else None
                where = f" from step index {first}" if first is not None else ""
                raise InputError(
                    f"the schedule's alpha_bar underflows to 0 in {self.dtype}{where}, so {field} is not finite "
                    "(1/sqrt(alpha_bar) is infinite): use smaller betas, fewer steps or float64"
                )
            setattr(self, field, value.to(device=self.device))
        # log σ_t² for σ_t² = β_t, index 0 as for β̃ (Ho et al.'s "fixedlarge"); from the stored β, once.
        self.beta_log_variance_clipped = torch.cat([self.posterior_log_variance_clipped[:1], torch.log(self.betas[1:])])

    @staticmethod
    def _derive(betas: torch.Tensor) -> dict[str, torch.Tensor]:
        alphas = 1.0 - betas
        alphas_cumprod = torch.cumprod(alphas, dim=0)
        alphas_cumprod_prev = torch.cat([torch.ones(1, dtype=betas.dtype), alphas_cumprod[:-1]])
        posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        first_log = posterior_variance[1] if len(betas) > 1 else betas[0]
        posterior_log_variance_clipped = torch.log(torch.cat([first_log.reshape(1), posterior_variance[1:]]))
        return {
            "betas": betas,
            "alphas": alphas,
            "alphas_cumprod": alphas_cumprod,
            "alphas_cumprod_prev": alphas_cumprod_prev,
            "sqrt_alphas_cumprod": torch.sqrt(alphas_cumprod),
            "sqrt_one_minus_alphas_cumprod": torch.sqrt(1.0 - alphas_cumprod),
            "sqrt_recip_alphas_cumprod": torch.sqrt(1.0 / alphas_cumprod),
            "sqrt_recipm1_alphas_cumprod": torch.sqrt(1.0 / alphas_cumprod - 1.0),
            "posterior_variance": posterior_variance,
            "posterior_log_variance_clipped": posterior_log_variance_clipped,
            "posterior_mean_coef1": betas * torch.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod),
            "posterior_mean_coef2": (1.0 - alphas_cumprod_prev) * torch.sqrt(alphas) / (1.0 - alphas_cumprod),
        }

    @classmethod
    def linear(cls, T, beta_start=1e-4, beta_end=0.02, *, dtype=None, device=None) -> DiffusionSchedule:
        """The seed's and DDPM's linear schedule (DDPM §4: T = 1000, β from 1e-4 to 0.02), computed in float64.

        β is not rescaled when T ≠ 1000 (as in the seed and in Ho et al.'s code; improved-diffusion rescales).
        """
        betas = get_beta_schedule(check_size(T, "T", MAX_T, "MAX_T"), beta_start, beta_end, dtype=torch.float64)
        schedule = cls(betas, dtype=dtype, device=device, name="linear")
        schedule.config = {"name": "linear", "T": int(T), "beta_start": float(beta_start), "beta_end": float(beta_end)}
        return schedule

    @classmethod
    def cosine(cls, T, s=0.008, *, max_beta=0.999, dtype=None, device=None) -> DiffusionSchedule:
        """Nichol & Dhariwal's cosine schedule (Improved DDPM, eq. 17): ᾱ(t) = f(t)/f(0),
        f(t) = cos²(((t/T + s)/(1 + s)) · π/2), β_i = min(1 − f(i+1)/f(i), max_beta).

        The last unclipped β is exactly 1 (f(T) = 0), so exactly one β is clipped to 0.999 for T = 1000.
        """
        T = check_size(T, "T", MAX_T, "MAX_T")
        if isinstance(s, bool) or not (isinstance(s, numbers.Real) and 0 < s < math.inf):
            raise InputError(f"s must be a positive offset (Nichol & Dhariwal use 0.008), got {s!r}")
        if isinstance(max_beta, bool) or not (isinstance(max_beta, numbers.Real) and 0 < max_beta < 1):
            raise InputError(f"max_beta must lie in (0, 1), got {max_beta!r}")
        steps = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = torch.clamp(1.0 - f[1:] / f[:-1], max=max_beta)
        schedule = cls(betas, dtype=dtype, device=device, name="cosine")
        schedule.config = {"name": "cosine", "T": int(T), "s": float(s), "max_beta": float(max_beta)}
        return schedule

    def respaced(self, steps: int) -> DiffusionSchedule:
        """The same noise levels with fewer steps: ᾱ at ``steps`` evenly spaced indices of this schedule (the first
        and the last kept), β re-derived as 1 − ᾱ_k/ᾱ_{k−1} (Nichol & Dhariwal's timestep respacing, §4).

        A model trained on the result takes ``steps`` reverse steps over the same range of ᾱ — lesson 08 uses it
        to measure what too few steps cost without changing anything else.
        """
        steps = check_positive_int(steps, "steps")
        if steps > len(self):
            raise InputError(f"steps must be <= T = {len(self)}, got {steps}")
        alphas_cumprod = torch.cumprod(1.0 - self._betas64, dim=0)
        kept = alphas_cumprod[torch.linspace(0, len(self) - 1, steps, dtype=torch.float64).round().long()]
        previous = torch.cat([torch.ones(1, dtype=torch.float64), kept[:-1]])
        return DiffusionSchedule(
            1.0 - kept / previous, dtype=self.dtype, device=self.device, name=f"{self.name}, respaced to {steps}"
        )

    def zero_terminal_snr(self) -> DiffusionSchedule:
        """This schedule rescaled to zero terminal SNR (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample
        Steps are Flawed", §3.1 and Algorithm 1; issue 22, lesson A).

        Most schedules end at a small but non-zero ᾱ_{T−1} (linear, T = 1000: 4.0e-5, √ᾱ = 0.0063), so training
        never sees pure noise while sampling starts from it. Algorithm 1 shifts √ᾱ so that its last value is 0 and
        scales it so that its first is kept:

            √ᾱ′_i = (√ᾱ_i − √ᾱ_{T−1}) · √ᾱ_0 / (√ᾱ_0 − √ᾱ_{T−1}),   β′_i = 1 − ᾱ′_i/ᾱ′_{i−1}   (β′_0 = 1 − ᾱ′_0),

        in float64; √ᾱ′_0 is set to √ᾱ_0 itself (the formula's value up to round-off), so the last β′ is exactly 1
        and ᾱ′_{T−1} = 0. The result is monotone (each β′ in (0, 1]). Only a v- or x₀-prediction network can be
        trained and sampled on it (:class:`ddpm_lessons.train.EpsObjective`, :class:`ddpm_lessons.sampling.SamplerSpec`
        refuse ε-prediction: x̂₀ is undefined at SNR 0). ``config`` is the original's with ``zero_terminal_snr``
        set, so :meth:`from_config` rebuilds it from a checkpoint.
        """
        if self.zero_terminal:
            return self.to()
        if len(self) < 2:
            raise InputError("zero_terminal_snr needs a schedule of at least 2 steps", parameter="schedule")
        root = torch.cumprod(1.0 - self._betas64, dim=0).sqrt()
        first, last = root[0].clone(), root[-1].clone()
        root = (root - last) * (first / (first - last))  # Lin et al., Algorithm 1
        root[0], root[-1] = first, 0.0
        alphas_cumprod = root**2
        betas = 1.0 - alphas_cumprod / torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]])
        rescaled = DiffusionSchedule(
            betas, dtype=self.dtype, device=self.device, name=f"{self.name}, zero terminal SNR"
        )
        rescaled.config = {**self.config, "zero_terminal_snr": True}
        return rescaled

    @classmethod
    def from_config(cls, config: dict, *, dtype=None, device=None) -> DiffusionSchedule:
        """Rebuild a schedule from its ``config`` (as stored in checkpoints; ``zero_terminal_snr: True`` applies
        :meth:`zero_terminal_snr` to the schedule the rest describes)."""
        options = {k: v for k, v in config.items() if k not in ("name", "zero_terminal_snr")}
        if config.get("zero_terminal_snr", False) is not False:
            if config["zero_terminal_snr"] is not True:
                raise InputError(
                    f"config['zero_terminal_snr'] must be True or False, got {config['zero_terminal_snr']!r}",
                    parameter="config",
                )
            base = {k: v for k, v in config.items() if k != "zero_terminal_snr"}
            return cls.from_config(base, dtype=dtype, device=device).zero_terminal_snr()
        if config.get("name") == "linear":
            return cls.linear(**options, dtype=dtype, device=device)
        if config.get("name") == "cosine":
            return cls.cosine(**options, dtype=dtype, device=device)
        if config.get("name") == "custom":
            return cls(options["betas"], dtype=dtype, device=device)
        raise InputError(f"config['name'] must be 'linear', 'cosine' or 'custom', got {config.get('name')!r}")

    def to(self, device=None, dtype=None) -> DiffusionSchedule:
        """A copy on ``device`` with ``dtype``; values are re-derived from the float64 betas, never down-then-up cast."""
        moved = DiffusionSchedule(
            self._betas64,
            dtype=self.dtype if dtype is None else dtype,
            device=self.device if device is None else device,
            name=self.name,
        )
        moved.config = dict(self.config)
        return moved

    @property
    def num_timesteps(self) -> int:
        """T, the number of diffusion steps."""
        return len(self._betas64)

    def __len__(self) -> int:
        return self.num_timesteps

    def __repr__(self) -> str:
        b = self._betas64
        return (
            f"DiffusionSchedule({self.name}, T={len(b)}, beta {b[0].item():.4g} -> {b[-1].item():.4g}, "
            f"alpha_bar_T={self.alphas_cumprod[-1].item():.4g}, dtype={self.dtype}, device={self.device})"
        )


def broadcast_to_batch(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Reshape per-example values ``(B,)`` to ``(B, 1, ..., 1)`` so they scale ``x`` of any rank, in ``x``'s dtype."""
    return values.reshape(values.shape[0], *([1] * (x.dim() - 1))).to(x.dtype)


def gather(array: torch.Tensor, t, x: torch.Tensor) -> torch.Tensor:
    """``array[t]`` shaped to broadcast against ``x``, in ``x``'s dtype. Unchecked: ``t`` holds valid indices and
    ``array`` is on ``x``'s device (the entry points check both once).

    ``t`` is a ``(B,)`` index tensor (result ``(B, 1, ..., 1)``) or a Python int, one step for the whole batch
    (result 0-d: a plain index, the cheap path a sampling loop takes; the products it enters are the same).
    """
    if isinstance(t, int):
        return array[t].to(x.dtype)
    return broadcast_to_batch(array[t], x)


class _ArrayCache:
    """The result of checking a set of tensors, kept while the same tensors (the same objects, unmodified: their
    ``_version`` counts in-place writes) come back. The entries hold the tensors, so an ``id`` is never reused
    while cached. A few entries: a lesson alternates between a handful of schedules at most."""

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: list[tuple[tuple, tuple, tuple, object]] = []

    @staticmethod
    def _versions(arrays):
        try:
            return tuple(a._version for a in arrays)
        except RuntimeError:  # inference-mode tensors keep no version counter: never cached, checked every time
            return None

    def get(self, arrays: tuple, extra: tuple):
        versions = self._versions(arrays)
        if versions is None:
            return None
        for held, held_versions, held_extra, value in self.entries:
            if held_extra == extra and held_versions == versions and all(a is b for a, b in zip(held, arrays)):
                return value
        return None

    def put(self, arrays: tuple, extra: tuple, value) -> None:
        versions = self._versions(arrays)
        if versions is not None:
            self.entries = [(arrays, versions, extra, value), *self.entries[: self.size - 1]]


_SCHEDULES_FROM_ARRAYS = _ArrayCache()
_FORWARD_ARRAYS = _ArrayCache()


def schedule_from_arrays(alphas, alphas_cumprod, betas, x: torch.Tensor) -> DiffusionSchedule:
    """The :class:`DiffusionSchedule` that the seed's three arrays describe, on ``x``'s device and in its dtype.

    The seed passes α, ᾱ and β separately; they must agree (α = 1 − β, ᾱ = ∏ α, to float32 round-off), or the
    step would silently mix two schedules. The check (a float64 comparison of T values) runs once per set of
    arrays: the schedule is cached while the same, unmodified tensors come back, so the seed's sampling loop pays
    it once, not at each of its T steps.
    """
    arrays = (alphas, alphas_cumprod, betas)
    for name, array in zip(("alphas", "alphas_cumprod", "betas"), arrays):
        if not isinstance(array, torch.Tensor) or array.dim() != 1 or not array.is_floating_point():
            raise InputError(f"{name} must be a 1-D floating-point tensor of the T step values")
        check_same_device(x, array, "x", name)
    extra = (x.device, x.dtype)
    schedule = _SCHEDULES_FROM_ARRAYS.get(arrays, extra)
    if schedule is None:
        schedule = _check_seed_arrays(alphas, alphas_cumprod, betas).to(device=x.device, dtype=x.dtype)
        _SCHEDULES_FROM_ARRAYS.put(arrays, extra, schedule)
    return schedule


def _check_seed_arrays(alphas, alphas_cumprod, betas) -> DiffusionSchedule:
    if not (len(alphas) == len(alphas_cumprod) == len(betas)):
        raise InputError(
            f"alphas, alphas_cumprod and betas must have the same length T, got {len(alphas)}, "
            f"{len(alphas_cumprod)} and {len(betas)}"
        )
    try:
        schedule = DiffusionSchedule(betas)  # checks every β lies in (0, 1) and is finite
    except InputError as error:
        raise InputError(f"betas: {error}") from None
    reference = schedule.to(dtype=torch.float64)
    for name, array, expected in (
        ("alphas", alphas, reference.alphas),
        ("alphas_cumprod", alphas_cumprod, reference.alphas_cumprod),
    ):
        got = array.detach().to(device="cpu", dtype=torch.float64)
        if not torch.allclose(got, expected, rtol=1e-4, atol=1e-7):
            raise InputError(
                f"{name} does not match betas (expected {'1 − betas' if name == 'alphas' else 'cumprod(1 − betas)'}); "
                "pass the arrays of one schedule"
            )
    return schedule


def check_forward_arrays(sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod, x: torch.Tensor) -> None:
    """Check the seed's √ᾱ and √(1 − ᾱ) arrays: 1-D, of one length, on ``x``'s device, with values in [0, 1] whose
    squares add up to 1 (the two arrays of one schedule). The value checks run once per pair of arrays (cached
    like :func:`schedule_from_arrays`)."""
    names = ("sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod")
    arrays = (sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod)
    for name, array in zip(names, arrays):
        if not isinstance(array, torch.Tensor) or not array.is_floating_point():
            raise InputError(
                f"{name} must be a 1-D floating-point tensor of the T step values, got {type(array).__name__}"
            )
    if sqrt_alphas_cumprod.shape != sqrt_one_minus_alphas_cumprod.shape or sqrt_alphas_cumprod.dim() != 1:
        raise InputError(
            "sqrt_alphas_cumprod and sqrt_one_minus_alphas_cumprod must be 1-D tensors of the same length T, got "
            f"{tuple(sqrt_alphas_cumprod.shape)} and {tuple(sqrt_one_minus_alphas_cumprod.shape)}"
        )
    for name, array in zip(names, arrays):
        check_same_device(x, array, "x", name)
    if _FORWARD_ARRAYS.get(arrays, ()) is None:
        _check_forward_values(names, arrays)
        _FORWARD_ARRAYS.put(arrays, (), True)


def _check_forward_values(names, arrays) -> None:
    for name, array in zip(names, arrays):
        if not bool(torch.isfinite(array).all()) or bool((array < 0).any()) or bool((array > 1).any()):
            raise InputError(f"{name} must hold finite values in [0, 1] (square roots of ᾱ_t and 1 − ᾱ_t)")
    total = arrays[0].double() ** 2 + arrays[1].double() ** 2
    if not torch.allclose(total, torch.ones_like(total), atol=1e-4):
        raise InputError(
            "sqrt_alphas_cumprod² + sqrt_one_minus_alphas_cumprod² must be 1 at every t (ᾱ_t + (1 − ᾱ_t)); "
            "pass the two arrays of one schedule"
        )
