"""The article's skip wiring against its diagram's, trained on the one-photo demo (lesson 05, section 2).

``python -m ddpm_lessons.evaluation.wiring [--seeds 0 1 2] [--steps 1500] [--workers 2] [--wirings …] [--out FILE]``

For every seed, the article's :class:`~ddpm_lessons.unet.DiffusionUNet` and the
:class:`~ddpm_lessons.unet.DiagramWiredUNet` (``--wirings``: also ``single-read``, the diagram's wiring without its
stem skip) are built after ``torch.manual_seed(seed)`` and trained with the
recipe of the shipped ``photo_ddpm.pt`` (32×32, channels 16-32-64-128, batch 32, lr 10⁻³, EMA 0.99, the same
number of steps, one CPU thread per run), so the wiring is the only difference within a seed. Measured on the EMA
weights:

- ``eps_mse``: the ε-prediction MSE on one fixed evaluation set — the photo noised at t = 0, 25, …, 975 with
  eight noise draws each (the same draws for every model; the photo is the training set itself, so this measures
  how well each network has learned to denoise it) — overall and for t in [0, 100), [100, 500), [500, 1000),
  after every ``--every`` steps (a learning curve; each chunk resumes the previous one's checkpoint exactly, so
  the run equals one long run — tested);
- ``psnr_db``: the PSNR of eight DDPM-1000 samples (the seed's sampler, sampling seed 1) against the photo at the
  end: the shipped checkpoint's quality measure and bar (every sample ≥ 25 dB).

Writes a JSON record (atomically) with the command, the hardware, torch's version and the wall times; lesson 05
prints it. Nothing here is timed as a test; tests run it at a tiny size.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import torch

from ..checkpoints import atomic_write_bytes
from ..data.photo import load_photo
from ..device import hardware
from ..models import count_parameters
from ..process import q_sample
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..train import train
from ..unet import DiagramWiredUNet, DiffusionUNet
from ..validation import MAX_BATCH, MAX_IMAGE_SIZE, MAX_T, check_positive_int, check_size
from .benchmark import PHOTO_CONFIG, PHOTO_TRAIN
from .evaluate import PHOTO_BAR_DB
from .metrics import psnr

WIRINGS = {
    "article": DiffusionUNet,
    "diagram": DiagramWiredUNet,
    "single-read": partial(DiagramWiredUNet, stem_skip=False),  # only up1's change, to tell the two apart
}
T_RANGES = ((0, 100), (100, 500), (500, 1000))
DEFAULTS = {
    "seeds": (0, 1, 2),
    "steps": 1500,
    "every": 250,
    "image_size": 32,
    "channels": PHOTO_CONFIG["channel_sequence"],
    "samples": 8,
    "timesteps": 1000,
}
RECIPE = PHOTO_TRAIN  # the shipped photo_ddpm.pt's (data/MANIFEST.json), as the photo benchmark trains it


def evaluation_set(photo: torch.Tensor, schedule: DiffusionSchedule, draws: int = 8):
    """The fixed (x_t, t, ε) on which every model's ε-MSE is measured: t = 0, T/40, … with ``draws`` noises each."""
    stride = max(1, len(schedule) // 40)
    t = torch.arange(0, len(schedule), stride).repeat_interleave(draws)
    eps = torch.randn((len(t), *photo.shape), generator=torch.Generator().manual_seed(1234))
    return q_sample(schedule, photo.expand(len(t), *photo.shape), t, eps), t, eps


def eps_mse_by_range(model, x_t, t, eps, timesteps: int) -> dict:
    """ε-MSE of ``model`` on the evaluation set: overall and per t-range (:func:`t_ranges`), keys ``"t{lo}-{hi}"``."""
    model.eval()
    with torch.no_grad():
        errors = torch.cat(
            [((model(x, s) - e) ** 2).flatten(1).mean(1) for x, s, e in zip(x_t.split(64), t.split(64), eps.split(64))]
        )
    result = {"all": round(errors.mean().item(), 5)}
    for lo, hi in t_ranges(timesteps):
        result[f"t{lo}-{hi}"] = round(errors[(t >= lo) & (t < hi)].mean().item(), 5)
    return result


def t_ranges(timesteps: int) -> list[tuple[int, int]]:
    """The t-ranges of the ε-MSE breakdown: [0, 100), [100, 500), [500, 1000) for T = 1000, scaled to other T."""
    if timesteps < 40:
        raise ValueError(
            f"timesteps must be at least 40, so that every t-range holds evaluation steps, got {timesteps}"
        )
    return [(lo * timesteps // 1000, hi * timesteps // 1000) for lo, hi in T_RANGES]


def measure_one(
    wiring: str, seed: int, steps: int, every: int, image_size: int, channels, samples: int, timesteps: int
) -> dict:
    """Train one (wiring, seed) run and measure it (see the module docstring)."""
    torch.set_num_threads(1)
    photo = load_photo(None, (image_size, image_size))
    schedule = DiffusionSchedule.linear(timesteps)
    x_t, t, eps = evaluation_set(photo, schedule)
    torch.manual_seed(seed)
    model = WIRINGS[wiring](img_channels=3, channel_sequence=tuple(channels))
    curve, train_s = [], 0.0
    with tempfile.TemporaryDirectory(prefix="ddpm-wiring-") as folder:
        for chunk, stop in enumerate(list(range(every, steps, every)) + [steps]):
            started = time.perf_counter()
            state = train(
                model,
                photo[None],
                schedule=schedule,
                steps=stop,
                seed=seed,
                device="cpu",
                progress=False,
                checkpoint_path=Path(folder) / "run.pt",
                resume=chunk > 0,
                **RECIPE,
            )
            train_s += time.perf_counter() - started
            curve.append({"step": stop, **eps_mse_by_range(state.ema, x_t, t, eps, timesteps)})
    started = time.perf_counter()
    scores = psnr(sample(state.ema, schedule, (samples, *photo.shape), seed=1, progress=False), photo)
    losses = state.history["loss"]
    tail = losses[-max(1, len(losses) // 10) :]
    return {
        "wiring": wiring,
        "seed": seed,
        "parameters": count_parameters(model),
        "train_s": round(train_s, 1),
        "sample_s": round(time.perf_counter() - started, 1),
        "final_loss_mean_last_10pct": round(statistics.mean(tail), 5),
        "eps_mse": curve,
        "psnr_db": [round(v, 2) for v in scores.tolist()],
        "meets_bar": bool(scores.min() >= PHOTO_BAR_DB),
    }


def measure(
    seeds=DEFAULTS["seeds"],
    steps=DEFAULTS["steps"],
    every=DEFAULTS["every"],
    image_size=DEFAULTS["image_size"],
    channels=DEFAULTS["channels"],
    samples=DEFAULTS["samples"],
    timesteps=DEFAULTS["timesteps"],
    workers: int = 1,
    wirings=("article", "diagram"),
) -> list[dict]:
    """Every (wiring, seed) run, in ``workers`` processes; the results do not depend on ``workers``."""
    unknown = [w for w in wirings if w not in WIRINGS]
    if unknown or not wirings:
        raise ValueError(f"wirings must name some of {sorted(WIRINGS)}, got {list(wirings)}")
    for name, value in (("steps", steps), ("every", every), ("workers", workers)):
        check_positive_int(value, name)
    check_size(image_size, "image_size", MAX_IMAGE_SIZE, "MAX_IMAGE_SIZE")
    check_size(samples, "samples", MAX_BATCH, "MAX_BATCH")
    check_size(timesteps, "timesteps", MAX_T, "MAX_T")
    t_ranges(timesteps)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    jobs = [
        (wiring, seed, steps, every, image_size, tuple(channels), samples, timesteps)
        for seed in seeds
        for wiring in wirings
    ]
    if workers == 1:
        threads = torch.get_num_threads()
        try:
            return [measure_one(*job) for job in jobs]
        finally:
            torch.set_num_threads(threads)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(measure_one, *zip(*jobs)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ddpm_lessons.evaluation.wiring",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULTS["seeds"]))
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    parser.add_argument("--every", type=int, default=DEFAULTS["every"], help="steps between eps-MSE measurements")
    parser.add_argument("--image-size", type=int, default=DEFAULTS["image_size"])
    parser.add_argument("--channels", default=",".join(map(str, DEFAULTS["channels"])))
    parser.add_argument("--samples", type=int, default=DEFAULTS["samples"])
    parser.add_argument("--timesteps", type=int, default=DEFAULTS["timesteps"])
    parser.add_argument("--workers", type=int, default=1, help="processes (each uses one CPU thread)")
    parser.add_argument("--wirings", nargs="+", choices=sorted(WIRINGS), default=["article", "diagram"])
    parser.add_argument("--out", type=Path, default=None, help="write the JSON record here (default: print it)")
    args = parser.parse_args(argv)
    try:
        channels = tuple(int(c) for c in args.channels.split(","))
    except ValueError:
        parser.error(f"--channels must be comma-separated integers, got {args.channels!r}")
    started = time.perf_counter()
    runs = measure(
        args.seeds,
        args.steps,
        args.every,
        args.image_size,
        channels,
        args.samples,
        args.timesteps,
        args.workers,
        args.wirings,
    )
    record = {
        "what": "skip wirings on the photo: article = DiffusionUNet, diagram = DiagramWiredUNet, "
        "single-read = DiagramWiredUNet(stem_skip=False)",
        "command": "python -m ddpm_lessons.evaluation.wiring " + shlex.join(sys.argv[1:] if argv is None else argv),
        "recipe": {
            "image_size": args.image_size,
            "channels": list(channels),
            "steps": args.steps,
            **RECIPE,
            "timesteps": args.timesteps,
            "samples": args.samples,
            "sampler": "ddpm, sigma^2 = beta, seed 1",
        },
        "hardware": f"{hardware().rsplit(', torch threads', 1)[0]}; one torch thread per run, {args.workers} at a time",
        "torch": torch.__version__,
        "wall_time_s": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    text = json.dumps(record, indent=1) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        atomic_write_bytes(args.out, text.encode())
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
