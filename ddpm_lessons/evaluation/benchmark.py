"""CPU benchmarks of the course's real-generation path: ``python -m ddpm_lessons.evaluation.benchmark [--only NAMES]``.

Measured, never asserted (tests do not time anything). Each benchmark prints one line of numbers:

- ``train-speed``: training steps per second of the shipped glyph ResidualUNet configuration at batch 64.
- ``samplers``: DDPM-1000 against DDIM-50 with the shipped glyph model: seconds, and the fraction of 100
  class-conditional samples (10 per digit) that the shipped classifier assigns to the requested digit.
- ``photo``: the seed's one-image demo from scratch; training time until a DDPM sample reaches 25 dB PSNR.
- ``glyph90``: a small glyph model from scratch; training time until 100 guided DDIM-50 samples reach 90 %
  accuracy.
- ``sample-overhead``: what ``sample()`` itself costs per step on one CPU thread, with a model that returns
  zeros (so no network time), against a bare loop that only draws the same noise.
- ``seed-overhead``: the seed's ``denoising_step`` against ``reverse_step``, and ``forward_diffusion_sample``
  against ``q_sample``, on the same input (x_t of shape (16, 1, 28, 28), T = 1000, one thread, a model that
  returns a fixed ε): milliseconds per call and the ratios, which should stay ≤ 1.5.

The architecture numbers (lines of the central functions, the share of check lines) are counted by
``python3 course.py timings arch``, not here.

Training clocks exclude the evaluation pauses (reported separately). Targets: photo ≤ 3 min,
glyph90 ≤ 10 min, DDIM-50 within 2 points of DDPM-1000 and ≥ 15× faster.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ..checkpoints import shipped_path
from ..config import RECIPES
from ..data.photo import load_photo
from ..models import ResidualUNet, count_parameters
from ..process import denoising_step, forward_diffusion_sample, q_sample, reverse_step
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..train import load_trained, train
from ..unet import DiffusionUNet
from .evaluate import GLYPH_EVAL
from .metrics import psnr

GLYPH_CONFIG = {
    "in_channels": 1,
    "base_channels": 32,
    "channel_mults": (1, 2, 2),
    "num_res_blocks": 1,
    "attention": True,
    "num_classes": 10,
}
# glyph90 trains a smaller model than the shipped one (about a quarter of the parameters): the question is how
# fast a learner gets recognisable conditional digits from scratch on a CPU. Its settings, and the photo's, are the
# course's named recipes (TrainConfig.recipe), which also record the numbers measured here.
GLYPH90_CONFIG = {**GLYPH_CONFIG, **RECIPES["digits-fast"].model_settings}
GLYPH90_TRAIN = RECIPES["digits-fast"].changes()
PHOTO_CONFIG = {"img_channels": 3, **RECIPES["photo-ddpm"].model_settings}
PHOTO_TRAIN = RECIPES["photo-ddpm"].changes()


def _glyph_accuracy(model, schedule, method, steps, per_digit=10):
    # Same guidance weight and clipping as `evaluate`, so the benchmark measures the shipped bar's sampler.
    from .classifier import classifier_accuracy, load_glyph_classifier

    labels = torch.arange(10).repeat_interleave(per_digit)
    started = time.perf_counter()
    x = sample(
        model,
        schedule,
        (len(labels), 1, 28, 28),
        labels=labels,
        method=method,
        steps=steps,
        guidance=GLYPH_EVAL["guidance"],
        clip_denoised=GLYPH_EVAL["clip_denoised"],
        seed=1,
        progress=False,
    )
    seconds = time.perf_counter() - started
    return classifier_accuracy(load_glyph_classifier(), x.clamp(-1, 1), labels), seconds


def bench_train_speed(steps=30):
    from ..data.glyphs import GlyphDigits

    torch.manual_seed(0)
    x, labels = GlyphDigits(2000, seed=0).tensors()
    model = ResidualUNet(**GLYPH_CONFIG)
    schedule = DiffusionSchedule.linear(1000)
    train(model, (x, labels), schedule=schedule, steps=5, batch_size=64, lr=1e-3, device="cpu", progress=False)
    started = time.perf_counter()
    train(model, (x, labels), schedule=schedule, steps=steps, batch_size=64, lr=1e-3, device="cpu", progress=False)
    seconds = time.perf_counter() - started
    return {"steps_per_s": round(steps / seconds, 2), "s_per_step": round(seconds / steps, 3)}


def bench_samplers():
    model, schedule, _ = load_trained(shipped_path("glyph_ddpm.pt"), device="cpu")
    ddpm_acc, ddpm_s = _glyph_accuracy(model, schedule, "ddpm", None)
    ddim_acc, ddim_s = _glyph_accuracy(model, schedule, "ddim", 50)
    return {
        "ddpm1000_s": round(ddpm_s, 1),
        "ddpm1000_accuracy": ddpm_acc,
        "ddim50_s": round(ddim_s, 1),
        "ddim50_accuracy": ddim_acc,
        "speedup": round(ddpm_s / ddim_s, 1),
    }


def _until(target, evaluate, model, data, schedule, every, max_steps, **train_kwargs):
    """Train in chunks of ``every`` steps, evaluating the EMA model after each, until ``evaluate`` reaches ``target``.

    Each chunk resumes from the previous one's checkpoint, which continues the run exactly, so the chunked run
    equals one long run; only the evaluation pauses are added (and timed separately).
    """
    import tempfile

    checkpoint = Path(tempfile.mkdtemp(prefix="ddpm-bench-")) / "run.pt"
    train_seconds = eval_seconds = 0.0
    trace = []
    for stop in range(every, max_steps + every, every):
        started = time.perf_counter()
        state = train(
            model,
            data,
            schedule=schedule,
            steps=stop,
            progress=False,
            device="cpu",
            checkpoint_path=checkpoint,
            resume=True,
            **train_kwargs,
        )
        train_seconds += time.perf_counter() - started
        started = time.perf_counter()
        value = evaluate(state.ema)
        eval_seconds += time.perf_counter() - started
        trace.append((stop, round(value, 3)))
        if value >= target:
            break
    return {
        "reached": trace[-1][1] >= target,
        "steps": trace[-1][0],
        "train_s": round(train_seconds, 1),
        "eval_s": round(eval_seconds, 1),
        "trace": trace,
    }


def bench_photo(every=250, max_steps=3000):
    photo = load_photo(None, (32, 32))
    schedule = DiffusionSchedule.linear(1000)
    torch.manual_seed(0)
    model = DiffusionUNet(**PHOTO_CONFIG)

    def evaluate(ema):
        return float(psnr(sample(ema, schedule, (1, 3, 32, 32), seed=1, progress=False), photo).min())

    return _until(25.0, evaluate, model, photo[None], schedule, every, max_steps, **PHOTO_TRAIN)


def bench_glyph90(every=500, max_steps=8000):
    from ..data.glyphs import GlyphDigits

    x, labels = GlyphDigits(60000, seed=0).tensors()
    schedule = DiffusionSchedule.linear(1000)
    torch.manual_seed(0)
    model = ResidualUNet(**GLYPH90_CONFIG)

    def evaluate(ema):
        return _glyph_accuracy(ema, schedule, "ddim", 50)[0]

    result = _until(0.90, evaluate, model, (x, labels), schedule, every, max_steps, **GLYPH90_TRAIN)
    return {"parameters": count_parameters(model), **result}


class _Zeros(torch.nn.Module):
    """A stand-in ε-model that predicts zeros: sampling then measures nothing but the sampler's own work."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, t, labels=None):
        return torch.zeros_like(x)


def bench_sample_overhead(batch=16, repeats=3):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        schedule = DiffusionSchedule.linear(1000)
        model = _Zeros().eval()
        shape = (batch, 2)

        def sampler():
            sample(model, schedule, shape, progress=False)

        def bare():
            generator = torch.Generator().manual_seed(0)
            x = torch.randn(shape, generator=generator)
            for _ in range(len(schedule)):
                x = x + torch.randn(shape, generator=generator)

        def per_step_ms(fn):
            fn()  # warm-up
            best = min(_seconds(fn) for _ in range(repeats))
            return round(1000 * best / len(schedule), 4)

        return {"sample_ms_per_step": per_step_ms(sampler), "bare_loop_ms_per_step": per_step_ms(bare), "batch": batch}
    finally:
        torch.set_num_threads(threads)


def bench_seed_overhead(shape=(16, 1, 28, 28), calls=200, repeats=7):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        schedule = DiffusionSchedule.linear(1000)
        generator = torch.Generator().manual_seed(0)
        x, eps, z = (torch.randn(shape, generator=generator) for _ in range(3))
        t = torch.full((shape[0],), 500)
        arrays = (schedule.alphas, schedule.alphas_cumprod, schedule.betas)
        roots = (schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod)

        def fixed_eps(x_t, timesteps):  # no network time: the step's own work only
            return eps

        def ms_per_call(fn):
            fn()  # warm-up (and the seed functions' one-time checks of a new set of arrays)
            return 1000 * min(_seconds(lambda: [fn() for _ in range(calls)]) for _ in range(repeats)) / calls

        timings = {
            "denoising_step_ms": ms_per_call(lambda: denoising_step(x, t, fixed_eps, *arrays, noise=z)),
            "reverse_step_ms": ms_per_call(lambda: reverse_step(schedule, x, t, eps, noise=z)),
            "forward_diffusion_sample_ms": ms_per_call(lambda: forward_diffusion_sample(x, t, *roots)),
            "q_sample_ms": ms_per_call(lambda: q_sample(schedule, x, t, torch.randn_like(x))),
        }
        return {
            **{name: round(value, 4) for name, value in timings.items()},
            "denoising_step/reverse_step": round(timings["denoising_step_ms"] / timings["reverse_step_ms"], 2),
            "forward_diffusion_sample/q_sample": round(
                timings["forward_diffusion_sample_ms"] / timings["q_sample_ms"], 2
            ),
        }
    finally:
        torch.set_num_threads(threads)


def _seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


BENCHMARKS = {
    "train-speed": bench_train_speed,
    "samplers": bench_samplers,
    "photo": bench_photo,
    "glyph90": bench_glyph90,
    "sample-overhead": bench_sample_overhead,
    "seed-overhead": bench_seed_overhead,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ddpm_lessons.evaluation.benchmark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ", ".join(BENCHMARKS)
    )
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in args.only.split(","):
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"{name}: {json.dumps(BENCHMARKS[name]())}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
