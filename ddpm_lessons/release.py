"""Publishing a run as a shipped file: the release copy, its ``MANIFEST.json`` entry, and the rules for replacing one.

Every shipped checkpoint in ``data/`` is made by ``python -m ddpm_lessons train --release`` (or
``train-classifier --record``): the slim release copy (:func:`ddpm_lessons.train.release_payload`: EMA weights, no
optimiser) is written beside its ``.sha256`` sidecar by :func:`~ddpm_lessons.checkpoints.save_checkpoint`, and
:func:`publish_release` / :func:`record_run` add its entry to ``MANIFEST.json`` — the sha256 and size, and what
:func:`run_record` gathers: the exact command, seed, steps, wall time, hardware and torch version.
``evaluate --record`` adds the measured quality numbers with :func:`record_metrics`.

Shipped files are replaced only on purpose: :func:`check_in_data_folder` refuses a target outside the folder of
``MANIFEST.json``, and :func:`check_release_target` refuses to replace a listed file unless ``--replace-shipped`` is
given (then it says what it replaces). Their refusals are :class:`~ddpm_lessons.validation.InputError`, naming the
option the caller passes in, and come before any work is done.

The manifest is read where :data:`ddpm_lessons.checkpoints.MANIFEST` points at call time (``DDPM_LESSONS_DATA``
moves it; the tests point it at a temporary folder).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import torch

from . import checkpoints
from .device import hardware
from .train import release_payload
from .validation import InputError

__all__ = [
    "data_folder",
    "shipped_entry",
    "shipped_folders",
    "shipped_folder_of",
    "check_in_data_folder",
    "check_release_target",
    "run_record",
    "publish_release",
    "record_run",
    "record_metrics",
]


def data_folder() -> Path:
    """The folder of ``MANIFEST.json``, where shipped files live."""
    return Path(checkpoints.MANIFEST).resolve().parent


def shipped_entry(path) -> dict | None:
    """The manifest entry of ``path`` if it is (or resolves to) a shipped file, else None."""
    path = Path(path).resolve()
    if path.parent != data_folder():
        return None
    return checkpoints.read_manifest(checkpoints.MANIFEST).get(path.name)


def shipped_folders() -> list[Path]:
    """Every shipped data folder: MANIFEST.json's (``DDPM_LESSONS_DATA`` moves it) and the checkout's ``data/``
    beside the package when it holds a manifest (still shipped when the variable points elsewhere)."""
    beside = Path(checkpoints.__file__).resolve().parent.parent / "data"
    folders = [data_folder()]
    if (beside / "MANIFEST.json").is_file() and beside.resolve() not in folders:
        folders.append(beside.resolve())
    return folders


def shipped_folder_of(path) -> Path | None:
    """The shipped data folder ``path`` lies in (at any depth), or None."""
    path = Path(path).resolve()
    return next((folder for folder in shipped_folders() if path.is_relative_to(folder)), None)


def check_in_data_folder(path, option: str) -> None:
    """Refuse a shipped file's target outside the folder of ``MANIFEST.json``."""
    folder = data_folder()
    if Path(path).resolve().parent != folder:
        raise InputError(f"{option} {path}: shipped files live in {folder} (the folder of MANIFEST.json)")


def check_release_target(path, option: str, replace_shipped: bool) -> None:
    """A release writes a checkpoint (``*.pt``) in the data folder: a new one, or — only when asked
    (``replace_shipped``), and then it says what it replaces — one the manifest lists. The manifest, sidecars,
    records and README are never a release's target."""
    path = Path(path)
    entry = shipped_entry(path)
    if path.suffix != ".pt" or (path.exists() and not path.is_file()):
        raise InputError(
            f"{option} {path}: a release writes a checkpoint file (*.pt); the data folder's manifest, checksums, "
            "records and README are never replaced"
        )
    if entry is None and path.exists():
        raise InputError(
            f"{option} {path} exists but is not listed in MANIFEST.json; only listed checkpoints are replaced "
            "(remove it yourself if it is yours)"
        )
    if entry is None:
        return
    digest = str(entry.get("sha256", "not recorded"))[:12] if isinstance(entry, dict) else "not recorded"
    made_by = entry.get("command", "?") if isinstance(entry, dict) else "?"
    what = f"the shipped {Path(path).name} (sha256 {digest}…, made by: {made_by})"
    if not replace_shipped:
        raise InputError(f"{option} {path} would replace {what}; add --replace-shipped to do that")
    print(f"replacing {what}", file=sys.stderr)


def run_record(argv, *, seed: int, steps: int, wall_time_s: float, data: dict | None = None) -> dict:
    """What the manifest records about the run that made a file: the command that reproduces it and where it ran."""
    record = {
        "command": "python -m ddpm_lessons " + shlex.join(argv),
        "seed": seed,
        "steps": steps,
        "wall_time_s": round(wall_time_s, 1),
        "hardware": hardware(),
        "torch": torch.__version__,
    }
    return record if data is None else record | {"data": data}


def publish_release(training_checkpoint, release, record: dict) -> dict:
    """Write the slim release copy of ``training_checkpoint`` (EMA weights only) to ``release`` and record it in the
    manifest with ``record`` (:func:`run_record`); returns the manifest entry."""
    with checkpoints.exclusive_run(release):  # one writer of the release copy at a time
        checkpoints.save_checkpoint(release, release_payload(checkpoints.load_checkpoint(training_checkpoint)))
    return record_run(release, record)


def record_run(path, record: dict) -> dict:
    """Add or replace ``path``'s manifest entry: its sha256 and size, plus ``record``; returns the entry.

    The manifest has one writer at a time (its lock is removed when the write ends), so two records never lose one.
    """
    with checkpoints.exclusive_run(checkpoints.MANIFEST):
        return checkpoints.record_in_manifest(path, record, checkpoints.MANIFEST)


def record_metrics(path, metrics: dict) -> dict:
    """Store measured quality numbers in the manifest entry of the shipped file ``path`` (its other fields kept)."""
    entry = checkpoints.read_manifest(checkpoints.MANIFEST)[Path(path).name]
    kept = {key: value for key, value in entry.items() if key not in ("sha256", "bytes")}
    return record_run(path, kept | {"metrics": metrics})
