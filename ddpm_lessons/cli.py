"""``python -m ddpm_lessons {info,train,train-classifier,sample,evaluate}`` — the package's command line.

Every shipped checkpoint in ``data/`` was produced by ``train --release`` (or ``train-classifier --record``), which
writes the exact command, seed, steps, wall time and hardware into ``data/MANIFEST.json`` beside the file's sha256;
``evaluate --record`` adds the measured quality numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shlex
import sys
import tempfile
import time
import typing
from pathlib import Path

import torch

from .checkpoints import DATA_DIR, read_manifest, record_in_manifest
from .config import MODEL_CONFIGS, TrainConfig, choices_of, fields_with_flags
from .data.toy import TOY_DATASETS
from .device import environment_report, hardware
from .process import VARIANCES
from .sampling import SAMPLERS
from .schedule import SCHEDULES

TOY_NAMES = tuple(TOY_DATASETS)
REAL_NAMES = ("mnist", "fashion-mnist", "cifar10")  # ddpm_lessons.data.realdata (imported lazily: torchvision)
IMAGE_NAMES = ("photo", "glyphs", *REAL_NAMES)
MAX_SAMPLES = 1_000_000


class UsageError(SystemExit):
    """A mistake on the command line: :func:`main` prints the message (no traceback) and the exit status is 2."""

    def __init__(self, message: str):
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def cmd_info(args) -> int:
    lines, ok = environment_report()
    print("\n".join(lines))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------------- train
def load_training_data(args):
    """(x, labels or None, description) for ``--data``."""
    if args.data == "photo":
        from .data.photo import DEFAULT_PHOTO_LABEL, load_photo

        photo = load_photo(args.photo, (args.image_size, args.image_size))
        return (
            photo[None],
            None,
            {"name": "photo", "path": str(args.photo or DEFAULT_PHOTO_LABEL), "image_size": args.image_size},
        )
    if args.data in TOY_NAMES:
        from .data.toy import toy_data

        return (
            toy_data(args.data, args.n_train, seed=args.data_seed),
            None,
            {"name": args.data, "n": args.n_train, "seed": args.data_seed},
        )
    if args.data == "glyphs":
        from .data.glyphs import GlyphDigits

        x, labels = GlyphDigits(args.n_train, seed=args.data_seed).tensors()
        # The digest pins the exact images: a later change to the generator shows up as a different digest.
        digest = hashlib.sha256(x.numpy().tobytes() + labels.numpy().tobytes()).hexdigest()
        return x, labels, {"name": "glyphs", "n": args.n_train, "seed": args.data_seed, "sha256": digest}
    from .data.realdata import real_dataset

    x, labels = real_dataset(args.data, args.data_root, train=True, download=args.download).tensors()
    return x, labels, {"name": args.data, "root": str(args.data_root)}


def config_from_args(record, args):
    """The config record whose fields the parser made from ``record`` (see :func:`add_config_options`)."""
    return record(**{f.name: getattr(args, f.name) for f, _, _ in fields_with_flags(record)})


def build_model_from_args(args, x, conditional: bool):
    settings = config_from_args(MODEL_CONFIGS[args.model], args)
    return settings.build(tuple(x.shape[1:]), num_timesteps=args.T, num_classes=10 if conditional else None)


def make_schedule(args):
    from .schedule import DiffusionSchedule

    return getattr(DiffusionSchedule, args.schedule)(args.T)


def cmd_train(args) -> int:
    from .models import count_parameters
    from .train import train

    if args.threads:
        torch.set_num_threads(args.threads)
    x, labels, data_info = load_training_data(args)
    conditional = args.conditional
    if conditional and labels is None:
        raise UsageError(f"--conditional needs a labelled data set; {args.data} has no labels")
    if args.model == "mlp" and x.dim() != 2:
        raise UsageError("--model mlp is for toy data (points); use seed-unet or residual-unet for images")
    if args.model != "mlp" and x.dim() != 4:
        raise UsageError("image models need image data; use --model mlp for toy data")
    if conditional and args.model != "residual-unet":
        raise UsageError(
            "--conditional is supported with --model residual-unet (class labels with a null class); "
            "the seed's DiffusionUNet takes float labels and is used from Python, not the CLI"
        )
    _check_output_file(args.out, "--out", overwrite=args.overwrite, resume=args.resume)
    if args.resume and not args.out.exists():
        print(f"note: --out {args.out} does not exist yet, so --resume starts a fresh run there", file=sys.stderr)
    if args.release is not None:
        _check_in_data_folder(args.release, "--release")
        if args.release.resolve() == args.out.resolve():
            raise UsageError("--release must differ from --out (the release is a slim copy of the training checkpoint)")
        _check_release_target(args.release, "--release", args.replace_shipped)
    torch.manual_seed(args.seed)
    model = build_model_from_args(args, x, conditional)
    print(f"{type(model).__name__}: {count_parameters(model):,} parameters; data {data_info}; {x.shape[0]} examples")
    started = time.perf_counter()
    settings = config_from_args(TrainConfig, args)
    state = train(
        model,
        (x, labels) if conditional else x,
        schedule=make_schedule(args),
        steps=args.steps,
        **settings.to_dict(),
        device=args.device,
        checkpoint_path=args.out,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        progress=not args.no_progress,
        data_info=data_info,
    )
    wall = time.perf_counter() - started
    recent = state.history["loss"][-100:]
    print(
        f"step {state.step}: mean loss of the last {len(recent)} steps {sum(recent) / max(1, len(recent)):.4f}; "
        f"{wall:.1f} s in this run; checkpoint {args.out}"
    )
    if args.release:
        from .checkpoints import load_checkpoint, save_checkpoint
        from .train import release_payload

        save_checkpoint(args.release, release_payload(load_checkpoint(args.out)))
        info = record_in_manifest(
            args.release,
            {
                "command": "python -m ddpm_lessons " + shlex.join(args.argv),
                "seed": args.seed,
                "steps": state.step,
                "wall_time_s": round(state.history["seconds"], 1),
                "hardware": hardware(),
                "torch": torch.__version__,
                "data": data_info,
            },
        )
        print(f"release copy {args.release} recorded in {DATA_DIR.name}/MANIFEST.json: sha256 {info['sha256']}")
    return 0


def _check_in_data_folder(path: Path, option: str) -> None:
    from . import checkpoints

    folder = Path(checkpoints.MANIFEST).resolve().parent
    if Path(path).resolve().parent != folder:
        raise UsageError(f"{option} {path}: shipped files live in {folder} (the folder of MANIFEST.json)")


def _shipped_entry(path: Path) -> dict | None:
    """The manifest entry of ``path`` if it is (or resolves to) a shipped file, else None."""
    from . import checkpoints

    manifest = Path(checkpoints.MANIFEST)
    path = Path(path).resolve()
    if path.parent != manifest.resolve().parent:
        return None
    return read_manifest(manifest).get(path.name)


def _check_output_file(path: Path, option: str, *, overwrite: bool = True, resume: bool = False) -> None:
    """Refuse an output that would lose work before any work is done: a directory, an unwritable folder, a shipped
    file (those change only through --release / --record with --replace-shipped), or an existing file that
    neither --resume nor --overwrite allows replacing."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory; give a file name inside it, e.g. {path / 'run.pt'}")
    if _shipped_entry(path) is not None:
        raise UsageError(
            f"{option} {path} is a shipped file listed in MANIFEST.json; write to another file (e.g. runs/{path.name}) "
            "and publish it with --release (train) or --record (train-classifier) and --replace-shipped"
        )
    if path.exists() and not (overwrite or resume):
        raise UsageError(f"{option} {path} already exists; pass --resume to continue it or --overwrite to replace it")
    folder = path.parent
    try:
        if not folder.exists():
            folder.mkdir(parents=True)
            print(f"created the folder {folder} for {option}", file=sys.stderr)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise UsageError(f"{option} {path}: cannot write in {folder} ({error.strerror or error})") from None


def _check_release_target(path: Path, option: str, replace_shipped: bool) -> None:
    """A release may replace a shipped file only when asked, and then says what it replaces."""
    entry = _shipped_entry(path)
    if entry is None:
        return
    what = f"the shipped {Path(path).name} (sha256 {entry['sha256'][:12]}…, made by: {entry.get('command', '?')})"
    if not replace_shipped:
        raise UsageError(f"{option} {path} would replace {what}; add --replace-shipped to do that")
    print(f"replacing {what}", file=sys.stderr)


def cmd_train_classifier(args) -> int:
    from .evaluation.classifier import save_classifier, train_classifier

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.record:
        _check_in_data_folder(args.out, "--out with --record")
        _check_release_target(args.out, "--out with --record", args.replace_shipped)
        if args.out.is_dir():
            raise UsageError(f"--out {args.out} is a directory")
    else:
        _check_output_file(args.out, "--out", overwrite=args.overwrite)
    started = time.perf_counter()
    model, history = train_classifier(
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        n_train=args.n_train,
        device=args.device,
        progress=not args.no_progress,
    )
    wall = time.perf_counter() - started
    save_classifier(args.out, model, history=history)
    print(f"classifier trained for {args.steps} steps in {wall:.1f} s; saved to {args.out}")
    if args.record:
        info = record_in_manifest(
            args.out,
            {
                "command": "python -m ddpm_lessons " + shlex.join(args.argv),
                "seed": args.seed,
                "steps": args.steps,
                "wall_time_s": round(wall, 1),
                "hardware": hardware(),
                "torch": torch.__version__,
            },
        )
        print(f"recorded in {DATA_DIR.name}/MANIFEST.json: sha256 {info['sha256']}")
    return 0


# --------------------------------------------------------------------------------------------------- sample
def parse_labels(text, n: int):
    if text is None:
        return None
    if text == "all":
        return torch.arange(n) % 10
    values = _ints(text)
    if len(values) == 1:
        return torch.full((n,), values[0], dtype=torch.long)
    if len(values) != n:
        raise UsageError(f"--labels needs one label, 'all', or exactly --n = {n} labels; got {len(values)}")
    return torch.tensor(values, dtype=torch.long)


def cmd_sample(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .plots import image_grid
    from .sampling import sample
    from .train import load_trained

    if args.out.suffix.lower() != ".png":
        raise UsageError(f"--out {args.out}: sample writes a PNG image, so the file name must end in .png")
    if not 1 <= args.n <= MAX_SAMPLES:
        raise UsageError(f"--n must be a number of samples in 1..{MAX_SAMPLES:,}, got {args.n:,}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be a positive number of samples per chunk, got {args.batch_size}")
    _check_output_file(args.out, "--out")
    model, schedule, payload = load_trained(
        args.checkpoint, device=args.device, use_ema=not args.raw_weights, verify=not args.no_verify
    )
    shape = (args.n, *_sample_shape(payload))
    labels = parse_labels(args.labels, args.n)
    classes = getattr(model, "num_classes", None)
    if labels is not None and classes is None:
        raise UsageError(f"--labels: {args.checkpoint} is an unconditional model")
    if labels is not None and not bool(((labels >= 0) & (labels < classes)).all()):
        raise UsageError(
            f"--labels must lie in 0..{classes - 1} ({classes} is the model's null label, used only by guidance)"
        )
    # Bounded memory: chunks of --batch-size samples, chunk i drawn with seed + i (one chunk: exactly sample(seed)).
    chunks = []
    for i, start in enumerate(range(0, args.n, args.batch_size)):
        size = min(args.batch_size, args.n - start)
        chunks.append(
            sample(
                model,
                schedule,
                (size, *shape[1:]),
                method=args.method,
                steps=args.steps,
                eta=args.eta,
                variance=args.variance,
                clip_denoised=args.clip,
                labels=None if labels is None else labels[start : start + size],
                guidance=args.guidance,
                seed=args.seed + i,
                progress=not args.no_progress,
            )
        )
    samples = torch.cat(chunks)
    import matplotlib.pyplot as plt

    if samples.dim() == 4:
        fig = image_grid(samples, nrow=10 if labels is not None else None)
    else:
        fig, ax = plt.subplots(figsize=(5, 5))
        if samples.shape[1] == 2:
            ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5)
        else:
            ax.hist(samples[:, 0].numpy(), bins=100, density=True)
    from .checkpoints import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    atomic_write_bytes(args.out, buffer.getvalue())
    print(f"wrote {args.n} samples to {args.out}")
    return 0


def _sample_shape(payload) -> tuple:
    return tuple(payload["train_config"]["data_shape"])


# ------------------------------------------------------------------------------------------------- evaluate
def cmd_evaluate(args) -> int:
    from .checkpoints import shipped_path
    from .evaluation.evaluate import evaluate_checkpoint

    if args.threads:
        torch.set_num_threads(args.threads)
    path = Path(args.checkpoint)
    if args.record:
        if args.quick:
            raise UsageError("--record stores the bar's measurement; --quick is only a smoke check")
        if args.no_verify:
            raise UsageError("--record stores numbers for a shipped file, which is always verified; drop --no-verify")
        _check_in_data_folder(path, "evaluate --record")
        shipped_path(path.name)  # the file must match its manifest digest before numbers are recorded for it
    metrics = evaluate_checkpoint(
        path, quick=args.quick, device=args.device, progress=not args.no_progress, verify=not args.no_verify
    )
    for key, value in metrics.items():
        print(f"{key}: {value}")
    if args.record:
        entry = read_manifest()[path.name]
        record_in_manifest(
            path, {k: v for k, v in entry.items() if k not in ("sha256", "bytes")} | {"metrics": metrics}
        )
        print(f"recorded the metrics in {DATA_DIR.name}/MANIFEST.json")
    return 0 if metrics.get("meets_bar", True) else 1


# ------------------------------------------------------------------------------------------------------ main
def _tuple_of_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(_ints(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 1,2,2, got {text!r}") from None


def _clip_norm(text: str) -> float | None:
    value = float(text)
    return None if value == 0 else value


def add_config_options(parser: argparse.ArgumentParser, record) -> None:
    """One option per field of a config record (:mod:`ddpm_lessons.config`): its flag, type, default, help, choices."""
    for f, flag, hint in fields_with_flags(record):
        options = {"dest": f.name, "default": f.default, "help": f.metadata["help"]}
        if hint is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(hint) is typing.Literal:
            options["choices"] = choices_of(record, f.name)
        elif hint == tuple[int, ...]:
            options["type"] = _tuple_of_ints
            options["default"] = ",".join(map(str, f.default))
        elif hint == float | None:  # an optional limit: 0 on the command line means None (off)
            options["type"] = _clip_norm
        else:
            options["type"] = hint
        parser.add_argument(flag, **options)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ddpm_lessons", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("info", help="versions, device, and every shipped checkpoint verified against its sha256")

    t = sub.add_parser(
        "train", help="train a DDPM model (resumable)", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    t.add_argument("--data", required=True, choices=IMAGE_NAMES + TOY_NAMES, help="training data")
    t.add_argument(
        "--model",
        required=True,
        choices=tuple(MODEL_CONFIGS),
        help="the seed's DiffusionUNet, the improved ResidualUNet, or the MLP for toy data",
    )
    t.add_argument("--out", required=True, type=Path, help="checkpoint file (written atomically)")
    t.add_argument("--steps", type=int, required=True, help="total optimisation steps")
    add_config_options(t, TrainConfig)
    t.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    t.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    t.add_argument("--T", type=int, default=1000, help="number of diffusion steps")
    t.add_argument("--schedule", choices=SCHEDULES, default="linear", help="beta schedule")
    t.add_argument("--conditional", action="store_true", help="class-conditional model (labelled data only)")
    t.add_argument("--image-size", type=int, default=32, help="photo: resize to this square size")
    t.add_argument("--photo", type=Path, default=None, help="photo: any image file (default: matplotlib's sample)")
    t.add_argument("--n-train", type=int, default=60000, help="glyphs/toy: number of training examples")
    t.add_argument("--data-seed", type=int, default=0, help="glyphs/toy: seed of the generated data set")
    t.add_argument("--data-root", type=Path, default=Path("datasets"), help="mnist/fashion-mnist/cifar10: folder")
    t.add_argument("--download", action="store_true", help="mnist/fashion-mnist/cifar10: download once if missing")
    for record in MODEL_CONFIGS.values():
        add_config_options(t, record)
    t.add_argument("--checkpoint-every", type=int, default=500, help="write the checkpoint every N steps")
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out; if --out does not exist yet, say so and start a fresh run there",
    )
    t.add_argument("--overwrite", action="store_true", help="replace an existing --out with a new run")
    t.add_argument(
        "--replace-shipped",
        action="store_true",
        help="allow --release to replace a file already listed in data/MANIFEST.json (it says which)",
    )
    t.add_argument(
        "--release",
        type=Path,
        default=None,
        help="also write a slim copy (EMA weights only) here and record its command, seed, steps, wall time "
        "and hardware in data/MANIFEST.json (how the shipped checkpoints are made)",
    )
    t.add_argument("--no-progress", action="store_true", help="no progress bar")

    c = sub.add_parser(
        "train-classifier",
        help="train the glyph-digit classifier used as a metric",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    c.add_argument("--out", required=True, type=Path, help="checkpoint file")
    c.add_argument("--steps", type=int, default=2000, help="optimisation steps")
    c.add_argument("--batch-size", type=int, default=128, help="minibatch size")
    c.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (Adam, cosine decay)")
    c.add_argument("--seed", type=int, default=0, help="seed of the training glyphs and of training")
    c.add_argument("--n-train", type=int, default=60000, help="number of training glyphs")
    c.add_argument("--device", default=None, help="cpu, cuda or mps")
    c.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    c.add_argument("--record", action="store_true", help="record the run in data/MANIFEST.json")
    c.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    c.add_argument(
        "--replace-shipped",
        action="store_true",
        help="with --record: allow replacing a file already listed in data/MANIFEST.json (it says which)",
    )
    c.add_argument("--no-progress", action="store_true", help="no progress bar")

    s = sub.add_parser(
        "sample",
        help="draw samples from a checkpoint and write a PNG",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    s.add_argument("--checkpoint", required=True, type=Path, help="a checkpoint written by train")
    s.add_argument("--out", required=True, type=Path, help="PNG file to write")
    s.add_argument("--n", type=int, default=64, help=f"number of samples (at most {MAX_SAMPLES:,})")
    s.add_argument(
        "--batch-size",
        type=int,
        default=1000,
        help="samples drawn at once (memory stays bounded); chunk i uses --seed + i, so one chunk is sample(seed)",
    )
    s.add_argument("--method", choices=SAMPLERS, default="ddpm", help="sampler")
    s.add_argument("--steps", type=int, default=None, help="DDIM steps (ddim only)")
    s.add_argument("--eta", type=float, default=0.0, help="DDIM eta (0: deterministic)")
    s.add_argument("--variance", choices=VARIANCES, default="beta", help="DDPM sigma^2: beta or beta-tilde")
    s.add_argument(
        "--clip",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="clip the x0 prediction to [-1, 1] (image data)",
    )
    s.add_argument("--labels", default=None, help="conditional models: one label, 'all' (0..9 repeated) or a list")
    s.add_argument("--guidance", type=float, default=0.0, help="classifier-free guidance weight w")
    s.add_argument("--seed", type=int, default=0, help="seed of the sampling noise")
    s.add_argument("--device", default=None, help="cpu, cuda or mps")
    s.add_argument("--raw-weights", action="store_true", help="use the raw weights instead of the EMA")
    s.add_argument(
        "--no-verify",
        action="store_true",
        help="load a checkpoint that has no checksum (no .sha256 sidecar, not in the manifest), with a warning",
    )
    s.add_argument("--no-progress", action="store_true", help="no progress bar")

    e = sub.add_parser(
        "evaluate",
        help="measure a checkpoint against its quality bar",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    e.add_argument("checkpoint", type=Path, help="a checkpoint written by train")
    e.add_argument("--quick", action="store_true", help="fewer samples (a smoke check, not the bar)")
    e.add_argument("--device", default=None, help="cpu, cuda or mps")
    e.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    e.add_argument("--record", action="store_true", help="store the numbers in data/MANIFEST.json")
    e.add_argument(
        "--no-verify",
        action="store_true",
        help="evaluate a checkpoint that has no checksum (no .sha256 sidecar, not in the manifest), with a warning",
    )
    e.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


COMMANDS = {
    "info": cmd_info,
    "train": cmd_train,
    "train-classifier": cmd_train_classifier,
    "sample": cmd_sample,
    "evaluate": cmd_evaluate,
}


def _flag_names(message: str) -> str:
    """``"batch_size must be …"`` → ``"--batch-size must be …"``: errors from the library name the flag to change."""
    flags = {"n": "--n", "steps": "--steps", "T": "--T", "eta": "--eta", "guidance": "--guidance", "seed": "--seed"}
    for record in (TrainConfig, *MODEL_CONFIGS.values()):
        flags |= {f.name: flag for f, flag, _ in fields_with_flags(record)}
    return re.sub(r"^(\w+)(?= must )", lambda m: flags.get(m.group(1), m.group(1)), message)


def main(argv=None) -> int:
    """Run one command. A user error prints ``error: …`` naming the flag and exits with status 2, no traceback."""
    from .checkpoints import CheckpointError
    from .train import TrainingDivergedError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        raise
    except TrainingDivergedError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except (CheckpointError, ValueError, TypeError) as error:
        usage = UsageError(_flag_names(str(error)))
        print(f"error: {usage}", file=sys.stderr)
        raise usage from None
