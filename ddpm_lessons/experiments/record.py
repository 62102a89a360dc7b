"""Recorded experiments: the common frame of every heavy measurement a lesson reads (teaching standard §3).

A claim about what a method *can* do is measured on converged models over several seeds, which takes minutes to
hours of CPU — too long for a lesson. So each such measurement is a command in this package
(``python -m ddpm_lessons.experiments.NAME``) that writes a JSON record to ``data/NAME.json``:

- ``what`` (one sentence), ``command`` (exactly as run), ``recipe`` (every setting the command resolved),
  ``seeds``, ``hardware``, ``torch`` (version), ``workers``, ``wall_time_s`` and ``cpu_time_s`` (the sum of the runs'
  ``cpu_s``, the processor time each run used, which other programs on the machine do not inflate; for runs without
  it, their ``train_s`` + ``sample_s``), and ``runs`` — one dict per (variant, seed), each with its own times and
  learning curve;
- written atomically (:func:`write_record`), read back checked (:func:`read_record`);
- tested: ``tests/experiments`` re-parses each committed record's command with its module's parser and checks that
  the recipe and seeds in the record are what that command resolves to (:func:`command_arguments`), and re-runs the
  first learning-curve point of one run.

The lesson reads the record, prints the table with each number's spread over seeds (:func:`spread`), and re-runs a
small slice live.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

from ..checkpoints import DATA_DIR, atomic_write_bytes
from ..device import hardware
from ..train import train
from ..validation import MAX_SEED, InputError, check_positive_int, check_real

__all__ = [
    "REQUIRED_KEYS",
    "add_common_arguments",
    "experiment_parser",
    "recipe_from",
    "check_seeds",
    "check_training_recipe",
    "command_arguments",
    "finish",
    "read_record",
    "run_jobs",
    "rounded",
    "spread",
    "timed",
    "train_in_segments",
    "write_record",
]

REQUIRED_KEYS = (
    "what",
    "command",
    "recipe",
    "seeds",
    "hardware",
    "torch",
    "workers",
    "wall_time_s",
    "cpu_time_s",
    "runs",
)


def add_common_arguments(parser: argparse.ArgumentParser, seeds=(0, 1, 2)) -> None:
    """``--seeds``, ``--workers`` and ``--out``: the flags every experiment shares."""
    parser.add_argument("--seeds", type=int, nargs="+", default=list(seeds), help="one run per variant and seed")
    parser.add_argument("--workers", type=int, default=1, help="processes, each with one torch thread")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON record here (default: print it)")


def experiment_parser(
    prog: str, description: str, defaults: dict, variants, *, default_variants=None, choices=None, final_only=None
) -> argparse.ArgumentParser:
    """An experiment's command line: one ``--flag`` per recipe setting of ``defaults`` (its type and default from the
    value; ``choices`` maps a setting to its allowed values), ``--variants`` (of ``variants``; ``default_variants``
    by default, else all), ``--final-only`` with the help text ``final_only`` when given, and the common flags."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=description)
    for key, value in defaults.items():
        option = f"--{key.replace('_', '-')}"
        parser.add_argument(option, type=type(value), default=value, choices=(choices or {}).get(key))
    parser.add_argument("--variants", nargs="+", choices=variants, default=list(default_variants or variants))
    if final_only:
        parser.add_argument("--final-only", action="store_true", help=final_only)
    add_common_arguments(parser, seeds=(0, 1, 2))
    return parser


def recipe_from(args: argparse.Namespace, defaults: dict) -> dict:
    """The recipe a command parsed by :func:`experiment_parser` resolves to: every setting of ``defaults``, the
    variants, and ``final_only: True`` only when given (what the record stores)."""
    recipe = {**{key: getattr(args, key) for key in defaults}, "variants": list(args.variants)}
    return {**recipe, "final_only": True} if getattr(args, "final_only", False) else recipe


def check_training_recipe(*, steps, batch_size, lr, ema_decay, hidden, layers, n, rho, variants, known) -> tuple:
    """The settings every MLP-on-a-mixture experiment shares (:mod:`.flows`, :mod:`.design_space`): ``steps`` ≥ 2
    (the budget check trains ``steps // 2``), positive ``batch_size``, ``hidden`` and ``layers``, ``n`` ≥ 2 samples,
    ``lr`` > 0, ``ema_decay`` in [0, 1), ``rho`` ≥ 1, and ``variants`` distinct names of ``known``; returns the
    variants as a tuple."""
    if check_positive_int(steps, "steps") < 2:
        raise InputError(
            f"steps must be at least 2 (the budget check trains steps // 2), got {steps}", parameter="steps"
        )
    for name, value in (("batch_size", batch_size), ("hidden", hidden), ("layers", layers)):
        check_positive_int(value, name)
    check_positive_int(n, "n", minimum=2)
    if check_real(lr, "lr", minimum=0.0) == 0:
        raise InputError("lr must be positive", parameter="lr")
    if not 0 <= check_real(ema_decay, "ema_decay", minimum=0.0) < 1:
        raise InputError(f"ema_decay must lie in [0, 1), got {ema_decay}", parameter="ema_decay")
    check_real(rho, "rho", minimum=1.0)
    variants = tuple(variants)
    if not variants or any(v not in known for v in variants) or len(set(variants)) != len(variants):
        raise InputError(f"variants must name distinct ones of {known}, got {list(variants)}", parameter="variants")
    return variants


def check_seeds(seeds) -> tuple[int, ...]:
    """At least one seed, each an integer in [0, MAX_SEED], none twice."""
    seeds = tuple(seeds)
    if not seeds:
        raise InputError("seeds must name at least one seed", parameter="seeds")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise InputError(f"seeds must be integers in [0, {MAX_SEED}], got {seed!r}", parameter="seeds")
    if len(set(seeds)) != len(seeds):
        raise InputError(f"seeds must not repeat, got {list(seeds)}", parameter="seeds")
    return seeds


def run_jobs(function, jobs: list[tuple], workers: int = 1) -> list:
    """``[function(*job) for job in jobs]``, in ``workers`` processes; the results do not depend on ``workers``.

    Each call runs with one torch thread (so that its numbers and its time do not depend on the core count); the
    caller's thread count is restored.
    """
    workers = check_positive_int(workers, "workers", maximum=256)
    if workers == 1:
        threads = torch.get_num_threads()
        try:
            torch.set_num_threads(1)
            return [timed(function, *job) for job in jobs]
        finally:
            torch.set_num_threads(threads)
    with ProcessPoolExecutor(max_workers=workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
        return list(pool.map(timed, [function] * len(jobs), *zip(*jobs)))


def timed(function, *args):
    """``function(*args)``; a dict result gains ``cpu_s``, the processor time of the call (unless it has one)."""
    started = time.process_time()
    result = function(*args)
    if isinstance(result, dict) and "cpu_s" not in result:
        result = {**result, "cpu_s": round(time.process_time() - started, 1)}
    return result


def train_in_segments(model, data, stops, *, prefix: str = "ddpm-run-", **train_options):
    """Train ``model`` up to each step count of ``stops`` in turn — a learning curve — yielding ``(stop, state,
    seconds)`` after each segment. Every segment resumes the previous one's checkpoint (in a temporary folder) exactly,
    so the states are those of one long run; ``train_options`` go to :func:`~ddpm_lessons.train` unchanged."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        for segment, stop in enumerate(stops):
            started = time.perf_counter()
            state = train(
                model,
                data,
                steps=stop,
                progress=False,
                checkpoint_path=Path(folder) / "run.pt",
                resume=segment > 0,
                **train_options,
            )
            yield stop, state, time.perf_counter() - started


def rounded(value: float) -> float:
    """``value`` to 5 significant digits, as the records store their measurements."""
    return float(f"{value:.5g}")


def spread(values) -> dict:
    """Mean, sample standard deviation (0 for one value), lowest, highest and count of ``values``."""
    values = [float(v) for v in values]
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError(f"values must be finite numbers, at least one, got {values!r:.80}", parameter="values")
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "low": min(values),
        "high": max(values),
        "n": len(values),
    }


def finish(
    *,
    prog: str,
    argv,
    what: str,
    recipe: dict,
    seeds,
    workers: int,
    started: float,
    runs: list[dict],
    out,
    extra: dict | None = None,
) -> dict:
    """The record of a finished experiment (module docstring), written to ``out`` (atomically) or printed.

    ``extra`` adds an experiment's own keys after ``runs`` (e.g. fresh data's reference level), before the record is
    written or printed."""
    record = {
        "what": what,
        "command": f"python -m {prog} " + shlex.join(sys.argv[1:] if argv is None else argv),
        "recipe": recipe,
        "seeds": list(seeds),
        "hardware": f"{hardware().rsplit(', torch threads', 1)[0]}; one torch thread per run, {workers} at a time",
        "torch": torch.__version__,
        "workers": workers,
        "wall_time_s": round(time.perf_counter() - started, 1),
        "cpu_time_s": round(sum(_run_time(run) for run in runs), 1),
        "runs": runs,
        **(extra or {}),
    }
    if out is None:
        print(json.dumps(record, indent=1))
    else:
        write_record(record, out)
        print(f"wrote {out}")
    return record


def _run_time(run: dict) -> float:
    if "cpu_s" in run:
        return run["cpu_s"]
    return run.get("train_s", 0.0) + run.get("sample_s", 0.0)


def write_record(record: dict, path) -> None:
    """Write ``record`` as indented JSON through a temporary file and an atomic rename."""
    _check_record(record, "record")
    atomic_write_bytes(path, (json.dumps(record, indent=1) + "\n").encode())


def read_record(name) -> dict:
    """A record by name (``"flows"`` → ``data/flows.json``) or by path (ending .json), checked for the required keys."""
    path = Path(name)
    if path.suffix != ".json":
        path = DATA_DIR / f"{name}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no record at {path}: run its command first", parameter="name") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read the record {path}: {error}", parameter="name") from None
    return _check_record(record, str(path))


def _check_record(record, where: str) -> dict:
    if not isinstance(record, dict):
        raise InputError(f"{where} must be a JSON object, got {type(record).__name__}", parameter="record")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise InputError(f"{where} lacks {missing}", parameter="record")
    if not isinstance(record["runs"], list) or not record["runs"]:
        raise InputError(f"{where} holds no runs", parameter="record")
    return record


def command_arguments(record: dict, parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments the record's ``command`` resolves to under ``parser`` (for the test that they match)."""
    words = shlex.split(record["command"])
    if words[:2] != ["python", "-m"] or len(words) < 3:
        raise InputError(
            f"the record's command must start 'python -m MODULE', got {record['command']!r}", parameter="record"
        )
    return parser.parse_args(words[3:])
