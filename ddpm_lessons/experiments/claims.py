"""Lesson 10's four claims of the seed article, measured on converged models over several seeds (issue 20 §4).

``python -m ddpm_lessons.experiments.claims [--seeds 0 1 2] [--steps 12000] [--every 2000] [--workers 1] [--out F]``

The data is lesson 10's: the eight Gaussians scaled by 0.6 and rounded to the 8-bit grid (:func:`draw`; the exact
distribution before rounding is :func:`exact_mixture`, ``eight_gaussians(radius=0.72, std=0.06)``). Every network
is ``MLPDenoiser(2, hidden, 3)`` built after ``torch.manual_seed(seed)`` and trained by :func:`~ddpm_lessons.train`
with one recipe (Adam, batch, learning rate, gradient clipping at 1, EMA) and one :class:`ClaimObjective`, which
changes only the thing a claim is about. The variants (:data:`VARIANTS`):

1. ``eps``, ``x0``, ``mu`` — the network predicts ε (L_simple), x₀ or the posterior mean μ̃_t, each with the MSE in
   its own space; each is turned into the ε it implies (:class:`AsEps`) to be sampled and measured alike;
2. ``ranges`` — K = 4 networks, one per quarter of the timesteps, **each with the width and the number of steps of
   the shared network** (``eps``): equal updates per network and equal width, so 4× the parameters and 4× the
   training compute (the article's comparison: separate networks each as large and trained as long); and
   ``wide`` — one shared ε-network twice as wide, with the four networks' parameters (within 6 %), trained for as
   many steps as each of them: the control that separates sharing from capacity; and ``batch4`` — one shared
   ε-network of the narrow width with a batch four times as large, so that each noise level gets as many training
   examples as in the four range networks together: the control that separates specialisation from training per
   noise level;
3. ``T25``, ``T100`` — separate ε-models on ``linear(1000).respaced(T)`` (the same range of ᾱ, T steps; lesson 08's
   design), beside ``eps`` (T = 1000), which is also sampled on respaced chains of 25 and 100 steps; every chain is
   sampled with σ² = β and with σ² = β̃ (``chains``, timed in one process);
4. ``bound`` — the ε-network trained on the true-weighted bound (Σ of the KL terms, L_0 included, ``vb_term_bpd``)
   instead of L_simple.

Measured on the EMA weights of every run, after every ``--every`` steps (the learning curve; each chunk resumes
the previous one's checkpoint exactly): ``n`` DDPM samples (σ² = β, sampling seed 3) against a held-out reference
(:func:`quality`: the sliced Wasserstein distance and :func:`~ddpm_lessons.evaluation.modes.mode_report`). At the
end: the ε-MSE by t in ε-space and in the model's own space beside ε* (the exact mixture's optimum), the ε-MSE per
quarter of t, and the variational bound in bits/dim (``variational_bound_bpd`` on 500 held-out points) with its
terms L_0 and L_T. Writes a record (:mod:`ddpm_lessons.experiments.record`) that lesson 10 reads.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .. import kernels
from ..checkpoints import atomic_write_bytes
from ..data.toy import eight_gaussians, toy_data
from ..evaluation.metrics import sliced_wasserstein
from ..evaluation.modes import mode_report
from ..losses import variational_bound_bpd, vb_term_bpd
from ..models import MLPDenoiser
from ..process import predict_eps_from_x0, q_posterior_mean_variance
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..score import optimal_eps
from ..train import TrainingDivergedError, train
from ..validation import MAX_BATCH, InputError, check_choice, check_positive_int, check_real, check_size
from . import record

__all__ = [
    "AsEps",
    "ClaimObjective",
    "DEFAULTS",
    "VARIANTS",
    "draw",
    "exact_mixture",
    "main",
    "measure",
    "measure_one",
    "parser",
    "quality",
    "respaced_indices",
    "t_ranges",
]

PROG = "ddpm_lessons.experiments.claims"
T_FULL = 1000  # the DDPM schedule of lessons 02-07: linear β from 1e-4 to 0.02
SCALE = 0.6  # the eight Gaussians scaled into [-1, 1] (radius 1.2 → 0.72, std 0.1 → 0.06)
DATA_SEED, REFERENCE_SEED, SAMPLE_SEED = 0, 1, 3
TRAIN_SIZE = 20_000
K_RANGES = 4
SHORT_T = (25, 100)  # the separately trained short chains, and the respaced chains of the T = 1000 model
T_EVAL = (0, 10, 50, 100, 300, 600, 999)
EVAL_SIZE, BOUND_SIZE = 4000, 500
SHOWN = 250  # final samples kept in the record for the lesson's figure
VARIANTS = {
    "eps": {"target": "eps"},
    "x0": {"target": "x0"},
    "mu": {"target": "mu"},
    "ranges": {"target": "eps", "ranges": K_RANGES},
    "T25": {"target": "eps", "T": 25},
    "T100": {"target": "eps", "T": 100},
    "bound": {"target": "eps", "loss": "bound"},
    "wide": {"target": "eps", "width": 2},
    "batch4": {"target": "eps", "batch": K_RANGES},
}
DEFAULTS = {
    "seeds": (0, 1, 2),
    "steps": 12_000,
    "every": 2_000,
    "hidden": 64,
    "batch_size": 512,
    "lr": 1e-3,
    "ema_decay": 0.999,
    "n": 1000,
}


def draw(n: int, seed: int) -> torch.Tensor:
    """``n`` points of lesson 10's data: the eight Gaussians scaled by 0.6 into [−1, 1], rounded to the 8-bit grid
    (so that the bound's decoder term and bits/dim are defined)."""
    x = (SCALE * toy_data("gaussian_mixture", n, seed=seed)).clamp(-1, 1)
    return torch.round((x + 1) * 127.5) / 127.5 - 1


def exact_mixture():
    """The distribution of :func:`draw` before rounding: ``eight_gaussians(radius=0.72, std=0.06)``."""
    return eight_gaussians(radius=SCALE * 1.2, std=SCALE * 0.1)


def schedule_for(T: int) -> DiffusionSchedule:
    """The linear T = 1000 schedule, or its respacing to ``T`` steps (the same range of ᾱ, fewer steps)."""
    full = DiffusionSchedule.linear(T_FULL)
    return full if T == T_FULL else full.respaced(T)


def respaced_indices(T: int, steps: int) -> torch.Tensor:
    """The indices of a T-step schedule that ``DiffusionSchedule.respaced(steps)`` keeps (its ᾱ at these indices)."""
    return torch.linspace(0, T - 1, steps, dtype=torch.float64).round().long()


class ClaimObjective:
    """L_simple with one thing changed, for :func:`~ddpm_lessons.train`: the ``target`` the network predicts
    (``"eps"``, ``"x0"``, or ``"mu"`` = μ̃_t(x_t, x₀) of eq. 7), the ``loss`` (``"mse"`` in the target's own space, or
    ``"bound"``: the term of the variational bound at t with its true weight, ``vb_term_bpd``, L_0 at t = 0) and the
    range of t drawn (``t_range = (lo, hi)``, uniform). With the defaults it is L_simple, step for step the same as
    ``train``'s own objective (tested)."""

    kind = "ddpm"

    def __init__(self, schedule: DiffusionSchedule, target: str = "eps", loss: str = "mse", t_range=None):
        if not isinstance(schedule, DiffusionSchedule):
            raise InputError(
                f"schedule must be a DiffusionSchedule, got {type(schedule).__name__}", parameter="schedule"
            )
        self.schedule = schedule
        self.target = check_choice(target, ("eps", "x0", "mu"), "target")
        self.loss_kind = check_choice(loss, ("mse", "bound"), "loss")
        if loss == "bound" and target != "eps":
            raise InputError(
                "loss='bound' takes the eps target (the bound is evaluated on the eps it implies)", parameter="loss"
            )
        T = len(schedule)
        lo, hi = (0, T) if t_range is None else _check_range(t_range, T)
        self.t_range = (lo, hi)
        self.settings = {"target": self.target, "loss": self.loss_kind, "t_range": [lo, hi]}

    def to(self, device) -> ClaimObjective:
        return ClaimObjective(self.schedule.to(device=device), self.target, self.loss_kind, self.t_range)

    def check(self, model: nn.Module) -> None:
        if getattr(model, "num_timesteps", None) not in (None, len(self.schedule)):
            raise InputError(
                f"the model was built for num_timesteps = {model.num_timesteps}, the schedule has "
                f"T = {len(self.schedule)}",
                parameter="model",
            )

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randint(*self.t_range, (batch,), generator=generator)

    def loss(self, model, x0, t, noise, labels):
        s = self.schedule
        x_t = kernels.q_sample(s.sqrt_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        out = model(x_t, t)
        if self.loss_kind == "bound":  # L_{t-1} with its true weight (eq. 5; L_0 at t = 0), in bits/dim
            return vb_term_bpd(s, x0, x_t, t, out).mean(), out.detach() - noise
        wanted = own_target(s, self.target, x0, x_t, t, noise)
        return F.mse_loss(out, wanted), out.detach() - wanted

    def bucket(self, t: torch.Tensor, buckets: int) -> torch.Tensor:
        return (t.cpu() * buckets) // len(self.schedule)


def _check_range(t_range, T: int) -> tuple[int, int]:
    ok = isinstance(t_range, (tuple, list)) and len(t_range) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in t_range)
    if not ok or not 0 <= t_range[0] < t_range[1] <= T:
        raise InputError(f"t_range must be two integers 0 <= lo < hi <= T = {T}, got {t_range!r}", parameter="t_range")
    return int(t_range[0]), int(t_range[1])


def own_target(schedule, target: str, x0, x_t, t, noise) -> torch.Tensor:
    """What a network of ``target`` is trained to output at (x_t, t): ε (eq. 14), x₀, or μ̃_t(x_t, x₀) (eq. 7)."""
    if target == "eps":
        return noise
    if target == "x0":
        return x0
    return q_posterior_mean_variance(schedule, x0, x_t, t)[0]


def to_eps(schedule, target: str, x_t, t, out) -> torch.Tensor:
    """The ε that a prediction ``out`` of ``target`` at (x_t, t) implies (exact, linear at each t)."""
    if target == "x0":  # x_t = √ᾱ x₀ + √(1 − ᾱ) ε solved for ε
        return predict_eps_from_x0(schedule, x_t, t, out)
    if target == "mu":  # eq. 11, μ = (x_t − β/√(1 − ᾱ) ε)/√α, solved for ε
        beta, alpha = schedule.betas[t][:, None], schedule.alphas[t][:, None]
        return (x_t - alpha.sqrt() * out) * schedule.sqrt_one_minus_alphas_cumprod[t][:, None] / beta
    return out


class AsEps(nn.Module):
    """Networks of one ``target`` (one, or one per t-range in ``ranges``) as the ε they imply: ``(x_t, t) → ε``,
    for ``sample()`` and the bound. ``indices`` maps the chain's step k to the network's timestep (a respaced
    chain of a T = 1000 model)."""

    def __init__(self, schedule, target: str, *nets: nn.Module, ranges=None, indices=None):
        super().__init__()
        self.schedule, self.target = schedule, check_choice(target, ("eps", "x0", "mu"), "target")
        self.nets = nn.ModuleList(nets)
        self.ranges = list(ranges) if ranges is not None else [(0, len(schedule))]
        if len(self.ranges) != len(self.nets):
            raise InputError(f"{len(self.nets)} networks need as many ranges, got {self.ranges}", parameter="ranges")
        self.register_buffer("indices", None if indices is None else torch.as_tensor(indices, dtype=torch.long))

    def raw(self, x, t):
        """The networks' own outputs at the network timesteps ``t``."""
        out = torch.empty_like(x)
        for net, (lo, hi) in zip(self.nets, self.ranges):
            here = (t >= lo) & (t < hi)
            if here.any():
                out[here] = net(x[here], t[here])
        return out

    def forward(self, x, k):
        t = k if self.indices is None else self.indices[k]
        return to_eps(self.schedule, self.target, x, t, self.raw(x, t))


def quality(samples: torch.Tensor, reference: torch.Tensor, mixture, *, shares: bool = False) -> dict:
    """Sliced Wasserstein distance to ``reference`` and the mode report against ``mixture`` (rounded for JSON)."""
    report = mode_report(samples, mixture)
    result = {
        "sliced_w": round(sliced_wasserstein(samples.float(), reference), 5),
        "modes_covered": report["modes_covered"],
        "weights_tv": round(report["weights_tv"], 4),
        "off_mode": round(report["off_mode"], 4),
        "nll": round(report["nll"], 4),
    }
    if shares:
        result["mode_shares"] = [round(v, 4) for v in report["mode_shares"]]
    return result


def t_ranges(T: int, parts: int = K_RANGES) -> list[tuple[int, int]]:
    """``parts`` equal ranges [lo, hi) of the timesteps 0 … T − 1 (the ranges of the ``ranges`` variant)."""
    return [(k * T // parts, (k + 1) * T // parts) for k in range(parts)]


def _build(seed: int, hidden: int, T: int) -> nn.Module:
    torch.manual_seed(seed)
    return MLPDenoiser(2, hidden, 3, num_timesteps=T)


def _networks(variant: str, seed: int, hidden: int):
    """(schedule, target, objectives, networks) of one variant: K of each for ``ranges``, one otherwise."""
    spec = VARIANTS[variant]
    T = spec.get("T", T_FULL)
    schedule = schedule_for(T)
    ranges = t_ranges(T, spec.get("ranges", 1))
    loss = spec.get("loss", "mse")
    objectives = [ClaimObjective(schedule, spec["target"], loss, r) for r in ranges]
    nets = [_build(seed, hidden * spec.get("width", 1), T) for _ in ranges]
    return schedule, spec["target"], objectives, nets, ranges


def measure_one(
    variant: str, seed: int, steps: int, every: int, hidden: int, batch_size: int, lr: float, ema_decay: float, n: int
) -> dict:
    """Train one (variant, seed) run with its learning curve and measure it (module docstring).

    A run whose loss turns non-finite stops there and says so (``diverged_at``) instead of losing the others."""
    torch.set_num_threads(1)
    schedule, target, objectives, nets, ranges = _networks(variant, seed, hidden)
    data, reference, mixture = draw(TRAIN_SIZE, DATA_SEED), draw(n, REFERENCE_SEED), exact_mixture()
    batch_size *= VARIANTS[variant].get("batch", 1)  # batch4: the four range networks' examples per noise level
    recipe = {"batch_size": batch_size, "lr": lr, "ema_decay": ema_decay, "seed": seed}
    run = {"variant": variant, "seed": seed, "parameters": sum(p.numel() for net in nets for p in net.parameters())}
    curve, train_s, sample_s = [], 0.0, 0.0
    stops = list(range(every, steps, every)) + [steps]
    with tempfile.TemporaryDirectory(prefix="ddpm-claims-") as folder:
        for chunk, stop in enumerate(stops):
            started = time.perf_counter()
            try:
                emas = [
                    train(
                        net,
                        data,
                        steps=stop,
                        objective=objective,
                        device="cpu",
                        progress=False,
                        checkpoint_path=Path(folder) / f"net{k}.pt",
                        resume=chunk > 0,
                        **recipe,
                    ).ema.eval()
                    for k, (net, objective) in enumerate(zip(nets, objectives))
                ]
            except TrainingDivergedError as error:
                run["diverged_at"] = str(error)
                break
            finally:
                train_s += time.perf_counter() - started
            started = time.perf_counter()
            model = AsEps(schedule, target, *emas, ranges=ranges).eval()
            samples = sample(model, schedule, (n, 2), seed=SAMPLE_SEED, progress=False)
            sample_s += time.perf_counter() - started
            curve.append({"step": stop, **quality(samples, reference, mixture, shares=stop == steps)})
    if curve and curve[-1]["step"] == steps:
        started = time.perf_counter()
        run |= _final_measures(variant, model, schedule, n, reference, mixture)
        run["samples"] = [[round(v, 4) for v in point] for point in samples[:SHOWN].tolist()]
        sample_s += time.perf_counter() - started
    return run | {"train_s": round(train_s, 1), "sample_s": round(sample_s, 1), "curve": curve}


def _final_measures(variant, model, schedule, n, reference, mixture) -> dict:
    """The measures at the end of training: ε-MSE by t and by range, the bound, and the chains (module docstring)."""
    result = {"bpd": bound_bpd(model, schedule)}
    if len(schedule) == T_FULL:
        result["eps_mse"] = eps_mse_by_t(model, schedule, mixture)
        result["range_mse"] = eps_mse_by_range(model, schedule)
    if variant in ("eps", "T25", "T100"):
        result["chains"] = chains(model, schedule, n, reference, mixture, variant == "eps")
    return result


@torch.no_grad()
def eps_mse_by_t(model: AsEps, schedule, mixture) -> dict:
    """ε-MSE at :data:`T_EVAL` in ε-space and in the model's own space, beside ε* of the exact mixture."""
    x0, g = draw(EVAL_SIZE, 9), torch.Generator().manual_seed(5)
    result = {"t": list(T_EVAL), "eps": [], "own": [], "eps_star": []}
    for i in T_EVAL:
        t = torch.full((len(x0),), i)
        noise = torch.randn(x0.shape, generator=g)
        x_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        raw = model.raw(x_t, t)
        star = optimal_eps(mixture, x_t.double(), schedule.alphas_cumprod[i].item()).float()
        result["eps"].append(_mse(to_eps(schedule, model.target, x_t, t, raw), noise))
        result["own"].append(_mse(raw, own_target(schedule, model.target, x0, x_t, t, noise)))
        result["eps_star"].append(_mse(star, noise))
    return result


@torch.no_grad()
def eps_mse_by_range(model: AsEps, schedule, parts: int = K_RANGES) -> list[float]:
    """ε-MSE with t uniform in each of ``parts`` equal ranges of the timesteps (the ranges of ``ranges``)."""
    x0, g = draw(EVAL_SIZE, 9), torch.Generator().manual_seed(6)
    values = []
    for lo, hi in t_ranges(len(schedule), parts):
        t = torch.randint(lo, hi, (len(x0),), generator=g)
        noise = torch.randn(x0.shape, generator=g)
        x_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        values.append(_mse(model(x_t, t), noise))
    return values


def _mse(a, b) -> float:
    return float(f"{(a - b).pow(2).mean().item():.5g}")


@torch.no_grad()
def bound_bpd(model, schedule) -> dict:
    """The variational bound in bits/dim on :data:`BOUND_SIZE` held-out points, with its terms L_0 and L_T."""
    terms = variational_bound_bpd(model, schedule, draw(BOUND_SIZE, 11), generator=torch.Generator().manual_seed(12))
    return {
        "total": round(terms["total_bpd"].mean().item(), 4),
        "L_0": round(terms["terms_bpd"][:, 0].mean().item(), 4),
        "L_T": round(terms["prior_bpd"].mean().item(), 5),
    }


def chains(model: AsEps, schedule, n: int, reference, mixture, respace: bool) -> dict:
    """Quality, network calls and seconds of DDPM chains with σ² = β and β̃: the model's own chain, and (``respace``)
    its respacings to :data:`SHORT_T` steps. All timed here, in one process, one thread."""
    result = {}
    lengths = [*SHORT_T, len(schedule)] if respace else [len(schedule)]
    for steps in lengths:
        chain = schedule if steps == len(schedule) else schedule.respaced(steps)
        indices = None if steps == len(schedule) else respaced_indices(len(schedule), steps)
        view = AsEps(schedule, model.target, *model.nets, ranges=model.ranges, indices=indices).eval()
        for variance in ("beta", "posterior"):
            started = time.perf_counter()
            x = sample(view, chain, (n, 2), seed=SAMPLE_SEED, variance=variance, progress=False)
            seconds = time.perf_counter() - started
            result[f"{steps}-{variance}"] = {
                "steps": steps,
                "variance": variance,
                "calls": steps,
                "seconds": round(seconds, 3),
                **quality(x, reference, mixture),
            }
    return result


def _check(variants, steps, every, hidden, batch_size, lr, ema_decay, n, workers) -> None:
    if not variants or any(v not in VARIANTS for v in variants) or len(set(variants)) != len(variants):
        raise InputError(
            f"variants must name some of {list(VARIANTS)} once each, got {list(variants)}", parameter="variants"
        )
    check_positive_int(steps, "steps", maximum=1_000_000)
    check_positive_int(every, "every", maximum=1_000_000)
    if every > steps:
        raise InputError(f"every must be at most steps = {steps}, got {every}", parameter="every")
    check_positive_int(hidden, "hidden", maximum=4096)
    check_size(batch_size, "batch_size", MAX_BATCH, "MAX_BATCH")
    if not 0 < check_real(lr, "lr") <= 1:
        raise InputError(f"lr must lie in (0, 1], got {lr}", parameter="lr")
    if not 0 <= check_real(ema_decay, "ema_decay") < 1:
        raise InputError(f"ema_decay must lie in [0, 1), got {ema_decay}", parameter="ema_decay")
    check_positive_int(n, "n", minimum=100, maximum=100_000)
    check_positive_int(workers, "workers", maximum=256)


def measure(
    seeds=DEFAULTS["seeds"],
    variants=tuple(VARIANTS),
    *,
    steps: int = DEFAULTS["steps"],
    every: int = DEFAULTS["every"],
    hidden: int = DEFAULTS["hidden"],
    batch_size: int = DEFAULTS["batch_size"],
    lr: float = DEFAULTS["lr"],
    ema_decay: float = DEFAULTS["ema_decay"],
    n: int = DEFAULTS["n"],
    workers: int = 1,
    cache=None,
) -> list[dict]:
    """Every (variant, seed) run, in ``workers`` processes of one thread; the results do not depend on ``workers``.

    ``cache``: a folder where each finished run is kept as JSON (named by all its settings) and read back instead of
    re-run, so that an interrupted command resumes where it stopped (the runs are deterministic)."""
    seeds = record.check_seeds(seeds)
    variants = tuple(variants) if isinstance(variants, (tuple, list)) else variants
    _check(variants, steps, every, hidden, batch_size, lr, ema_decay, n, workers)
    order = sorted(variants, key=lambda v: v not in ("ranges", "batch4"))  # the 4x runs first: shortest end
    jobs = [(v, s, steps, every, hidden, batch_size, lr, ema_decay, n) for v in order for s in seeds]
    runs = record.run_jobs(partial(cached_run, None if cache is None else str(cache)), jobs, workers)
    ranks = {(v, s): i for i, (v, s) in enumerate((v, s) for s in seeds for v in variants)}
    return sorted(runs, key=lambda run: ranks[run["variant"], run["seed"]])


def cached_run(cache, *job) -> dict:
    """:func:`measure_one` of ``job``, kept in (and read back from) the folder ``cache`` when it is not None."""
    if cache is None:
        return measure_one(*job)
    path = Path(cache) / ("claims-" + "-".join(str(v) for v in job) + ".json")
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    run = record.timed(measure_one, *job)  # its cpu_s is kept with it: a rerun that reads it back spends none
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(run).encode())
    return run


def parser() -> argparse.ArgumentParser:
    """The command's arguments (tests re-parse the committed record's command with it)."""
    p = argparse.ArgumentParser(
        prog=f"python -m {PROG}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    record.add_common_arguments(p, DEFAULTS["seeds"])
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument("--steps", type=int, default=DEFAULTS["steps"], help="training steps of every network")
    p.add_argument("--every", type=int, default=DEFAULTS["every"], help="steps between learning-curve points")
    p.add_argument("--hidden", type=int, default=DEFAULTS["hidden"], help="width of MLPDenoiser(2, hidden, 3)")
    p.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    p.add_argument("--ema-decay", type=float, default=DEFAULTS["ema_decay"])
    p.add_argument("--n", type=int, default=DEFAULTS["n"], help="samples per measurement")
    p.add_argument("--cache", type=Path, default=None, help="keep finished runs here; a rerun resumes from them")
    return p


def recipe_of(args: argparse.Namespace) -> dict:
    """The settings a parsed command resolves to, as the record stores them."""
    return {
        "variants": list(args.variants),
        "steps": args.steps,
        "every": args.every,
        "model": f"MLPDenoiser(2, {args.hidden}, 3)",
        "hidden": args.hidden,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "ema_decay": args.ema_decay,
        "grad_clip": 1.0,
        "n": args.n,
        "T": T_FULL,
        "schedule": "linear 1e-4..0.02; T25/T100: its respacing",
        "data": f"draw(n, seed): {SCALE} x eight Gaussians on the 8-bit grid; train {TRAIN_SIZE} (seed {DATA_SEED}), "
        f"reference {args.n} (seed {REFERENCE_SEED})",
        "sampler": f"ddpm, sigma^2 = beta, seed {SAMPLE_SEED}",
        "ranges": K_RANGES,
        "short_T": list(SHORT_T),
        "t_eval": list(T_EVAL),
    }


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    started = time.perf_counter()
    try:
        runs = measure(
            args.seeds,
            args.variants,
            steps=args.steps,
            every=args.every,
            hidden=args.hidden,
            batch_size=args.batch_size,
            lr=args.lr,
            ema_decay=args.ema_decay,
            n=args.n,
            workers=args.workers,
            cache=args.cache,
        )
    except InputError as error:
        p.error(str(error))
    record.finish(
        prog=PROG,
        argv=argv,
        what="lesson 10's four claims: eps/x0/mu prediction, one shared network vs 4 range networks (equal width and "
        "steps each), separate and respaced chains of 25/100/1000 steps, L_simple vs the true-weighted bound",
        recipe=recipe_of(args),
        seeds=args.seeds,
        workers=args.workers,
        started=started,
        runs=runs,
        out=args.out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
