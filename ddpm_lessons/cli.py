"""``python -m ddpm_lessons {info,train,train-classifier,sample,evaluate}`` — the package's command line.

Every shipped checkpoint in ``data/`` was produced by ``train --release`` (or ``train-classifier --record``), which
writes the exact command, seed, steps, wall time and hardware into ``data/MANIFEST.json`` beside the file's sha256;
``evaluate --record`` adds the measured quality numbers. A mistake on the command line is answered in one line,
``error: … (--flag)``, with exit status 2.

How it is built: the release workflow is :mod:`ddpm_lessons.release`. Each sub-command is added by its own function (:func:`add_train`, :func:`add_sample`, …, listed in
:data:`SUBCOMMANDS`), which declares its options and the function that runs it. A mistake on the command line ends
in one line ``error: … (--flag)`` and exit status 2: each sub-command's parser records which flag sets which
parameter (:mod:`ddpm_lessons.flags`), and an :class:`~ddpm_lessons.InputError` is answered with the flag of the
parameter it names. A checkpoint that cannot be used is one ``error:`` line too. Anything else is a bug in the
package, not the user's mistake, and shows its traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from . import release
from .checkpoints import DATA_DIR, CheckpointError
from .config import MODEL_CONFIGS, RECIPES, TrainConfig, fields_with_flags
from .data.folder import MAX_IMAGES
from .data.toy import TOY_DATASETS
from .device import environment_report
from .flags import (
    CommandLineParser,
    DefaultsHelpFormatter,
    OptionError,
    add_command,
    add_config_options,
    add_option,
    add_run_options,
    arguments,
    comma_ints,
    count,
    integer,
    message_with_flag,
    positive_float,
)
from .process import VARIANCES
from .sampling import PREDICTIONS, RHO, SAMPLERS, SPACINGS
from .schedule import SCHEDULES
from .train import TrainingDivergedError
from .validation import InputError

TOY_NAMES = tuple(TOY_DATASETS)
REAL_NAMES = ("mnist", "fashion-mnist", "cifar10")  # ddpm_lessons.data.realdata (imported lazily: torchvision)
IMAGE_NAMES = ("photo", "glyphs", "folder", *REAL_NAMES)
MAX_SAMPLES = 1_000_000


def set_threads(args) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)


# ---------------------------------------------------------------------------------------------------- info
def cmd_info(args) -> int:
    lines, ok = environment_report()
    print("\n".join(lines))
    return 0 if ok else 1


def add_info(commands) -> None:
    add_command(commands, "info", cmd_info, help="versions, device, and every shipped checkpoint verified")


# --------------------------------------------------------------------------------------------- output files
def check_output_file(path: Path, option: str, *, overwrite: bool = False, resume: bool | None = None) -> None:
    """Refuse an output that would lose work, before any work is done: a directory or another non-regular file (a
    pipe, a device: never, whatever the flags), anything in the shipped data folder (it changes only through
    --release / --record with --replace-shipped), an existing file without --overwrite (or --resume, for commands
    that have it: ``resume`` is None where the command has no --resume), or a folder that cannot be written."""
    path, dest = Path(path), option.removeprefix("--").replace("-", "_")
    if path.is_dir():
        raise OptionError(f"{option} {path} is a directory; give a file name inside it, e.g. {path / 'run.pt'}", dest)
    if path.exists() and not path.is_file():
        raise OptionError(
            f"{option} {path} is not a regular file (a pipe, socket or device); it is never replaced, "
            "even with --overwrite: give a file name",
            dest,
        )
    check_outside_shipped(path, option)
    if path.exists() and not (overwrite or resume):
        advice = (
            "pass --resume to continue it or --overwrite to replace it" if resume is not None else "pass --overwrite"
        )
        raise OptionError(f"{option} {path} already exists; {advice}", dest)
    check_writable_folder(path, option)


def check_outside_shipped(path: Path, option: str) -> None:
    """Nothing in the shipped data folder (MANIFEST.json's, and the checkout's data/ beside the package) is written
    through an ordinary output option."""
    dest = option.removeprefix("--").replace("-", "_")
    if release.shipped_entry(path) is not None:
        raise OptionError(
            f"{option} {path} is a shipped file listed in MANIFEST.json; write to another file (e.g. runs/{path.name}) "
            "and publish it with --release (train) or --record (train-classifier) and --replace-shipped",
            dest,
        )
    folder = release.shipped_folder_of(path)
    if folder is not None:
        raise OptionError(
            f"{option} {path} is in the shipped data folder {folder} (checkpoints, MANIFEST.json, sidecars, "
            "records), which only --release (train) and --record (train-classifier) write; write to another file, "
            f"e.g. runs/{path.name}",
            dest,
        )


def check_writable_folder(path: Path, option: str) -> None:
    folder, dest = path.parent, option.removeprefix("--").replace("-", "_")
    try:
        if not folder.exists():
            folder.mkdir(parents=True)
            print(f"created the folder {folder} for {option}", file=sys.stderr)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise OptionError(f"{option} {path}: cannot write in {folder} ({error.strerror or error})", dest) from None


# ---------------------------------------------------------------------------------------------------- train
def load_training_data(args):
    """(x, labels or None, description) for ``--data``."""
    if args.data == "photo":
        return _load_photo(args)
    if args.data == "folder":
        return _load_folder(args)
    if args.data in TOY_NAMES:
        from .data.toy import toy_data

        with arguments(n="n_train", seed="data_seed"):
            x = toy_data(args.data, args.n_train, seed=args.data_seed)
        return x, None, {"name": args.data, "n": args.n_train, "seed": args.data_seed}
    if args.data == "glyphs":
        from .data.glyphs import GlyphDigits

        with arguments(n="n_train", seed="data_seed"):
            x, labels = GlyphDigits(args.n_train, seed=args.data_seed).tensors()
        # The digest pins the exact images: a later change to the generator shows up as a different digest.
        digest = hashlib.sha256(x.numpy().tobytes() + labels.numpy().tobytes()).hexdigest()
        return x, labels, {"name": "glyphs", "n": args.n_train, "seed": args.data_seed, "sha256": digest}
    from .data.realdata import real_dataset

    try:
        with arguments("data_root"):
            x, labels = real_dataset(args.data, args.data_root, train=True, download=args.download).tensors()
    except FileNotFoundError as error:  # the data set is not in --data-root (and --download was not given)
        raise OptionError(str(error), "data_root") from None
    return x, labels, {"name": args.data, "root": str(args.data_root)}


def _load_photo(args):
    from .data.photo import DEFAULT_PHOTO_LABEL, load_photo

    if args.photo is not None and not args.photo.is_file():
        raise OptionError(f"--photo {args.photo} is not an image file", "photo")
    # load_photo refuses a decompression bomb from its header as an InputError naming path (→ --photo)
    with arguments("photo", image_shape="image_size"):
        photo = load_photo(args.photo, (args.image_size, args.image_size))
    description = {"name": "photo", "path": str(args.photo or DEFAULT_PHOTO_LABEL), "image_size": args.image_size}
    return photo[None], None, description


def _load_folder(args):
    """``--data folder``: the images in ``--data-root`` (:func:`~ddpm_lessons.data.load_image_folder`); skipped files
    are listed as ``warning:`` lines; the labels are those of the class folders unless ``--ignore-labels``."""
    import warnings

    from .data.folder import load_image_folder

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with arguments("data_root", root="data_root", channels="image_channels"):
            folder = load_image_folder(
                args.data_root, args.image_size, channels=args.image_channels, max_images=args.max_images
            )
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    classes = ", ".join(f"{i} = {name}" for i, name in enumerate(folder.classes))
    print(
        f"--data-root {folder.root}: {len(folder)} images, {folder.channels} channel(s)"
        + (f"; classes {classes}" if folder.classes else "")
    )
    x, labels = folder.tensors()
    return x, None if args.ignore_labels else labels, folder.description()


def check_folder_labels(args, labels, info) -> None:
    """``--data folder``: two class folders or more make the model class-conditional (``--conditional`` implied),
    unless ``--ignore-labels``; the flags that contradict that are refused."""
    if args.data != "folder":
        if args.ignore_labels:
            raise OptionError(
                "--ignore-labels is for --data folder (other data sets: leave out --conditional)", "ignore_labels"
            )
        return
    if args.ignore_labels and args.conditional:
        raise OptionError("--ignore-labels trains an unconditional model; leave out --conditional", "ignore_labels")
    if args.conditional and labels is None:
        raise OptionError(
            f"--conditional needs at least two class sub-folders in --data-root {info['root']} (one per class)",
            "conditional",
        )
    if labels is not None and args.model != "residual-unet":
        raise OptionError(
            f"--data-root {info['root']} has {len(info['classes'])} class folders; class labels need --model "
            f"residual-unet; pass --ignore-labels to train an unconditional --model {args.model}",
            "model",
        )
    args.conditional = labels is not None


def config_from_args(record, args):
    """The config record whose fields the parser made from ``record`` (see :func:`add_config_options`)."""
    values = {f.name: getattr(args, f.name) for f, _, _ in fields_with_flags(record)}
    with arguments():  # an option --recipe could have set but that was parsed without apply_recipe: its default
        return record(**{k: v.value if isinstance(v, Default) else v for k, v in values.items()})


def build_model_from_args(args, x, conditional: bool, num_classes: int = 10):
    settings = config_from_args(MODEL_CONFIGS[args.model], args)
    # The model's parts name their own parameters: T is num_timesteps, the time embedding's width is dim, and the
    # group norm's groups must divide the widths that --base-channels sets.
    with arguments("model", num_timesteps="T", dim="time_dim", groups="base_channels"):
        return settings.build(
            tuple(x.shape[1:]), num_timesteps=args.T, num_classes=num_classes if conditional else None
        )


def add_schedule_options(t) -> None:
    """train's schedule: T, the beta schedule, and the rescaling to zero terminal SNR."""
    add_option(t, "--T", type=integer, default=1000, help="number of diffusion steps")
    add_option(t, "--schedule", choices=SCHEDULES, default="linear", help="beta schedule")
    add_option(
        t,
        "--zero-terminal-snr",
        action="store_true",
        help="rescale the schedule so that alpha_bar = 0 at its last step (Lin et al. 2024; needs --prediction v or x0)",
    )


def make_schedule(args):
    from .schedule import DiffusionSchedule

    with arguments("T", num_timesteps="T"):
        schedule = getattr(DiffusionSchedule, args.schedule)(args.T)
    return schedule.zero_terminal_snr() if getattr(args, "zero_terminal_snr", False) else schedule


def check_train_options(args, x, labels) -> None:
    """The rules between train's options, checked before any work."""
    if args.conditional and labels is None:
        raise OptionError(f"--conditional needs a labelled data set; {args.data} has no labels", "conditional")
    if args.model == "mlp" and x.dim() != 2:
        raise OptionError("--model mlp is for toy data (points); use seed-unet or residual-unet for images", "model")
    if args.model != "mlp" and x.dim() != 4:
        raise OptionError("image models need image data; use --model mlp for toy data", "model")
    if args.conditional and args.model != "residual-unet":
        raise OptionError(
            "--conditional is supported with --model residual-unet (class labels with a null class); "
            "the seed's DiffusionUNet takes float labels and is used from Python, not the CLI",
            "conditional",
        )
    if args.label_dropout and not args.conditional:
        raise OptionError("--label-dropout drops class labels, so it needs --conditional", "label_dropout")
    check_model_flags(args)


def check_model_flags(args) -> None:
    """A flag of another model's configuration given on the command line would be ignored: refuse it instead."""
    given = {word.split("=", 1)[0] for word in args.argv if word.startswith("--")}
    own = {flag for _, flag, _ in fields_with_flags(MODEL_CONFIGS[args.model])}
    for name, record in MODEL_CONFIGS.items():
        for f, flag, hint in fields_with_flags(record):
            spellings = {flag, f"--no-{flag[2:]}"} if hint is bool else {flag}
            if spellings & given and flag not in own:
                said = sorted(spellings & given)[0]
                raise OptionError(
                    f"{said} is an option of --model {name}; this run trains --model {args.model}", f.name
                )


def check_train_outputs(args) -> None:
    check_output_file(args.out, "--out", overwrite=args.overwrite, resume=args.resume)
    if args.resume and not args.out.exists():
        print(f"note: --out {args.out} does not exist yet, so --resume starts a fresh run there", file=sys.stderr)
    if args.release is not None:
        release.check_in_data_folder(args.release, "--release")
        if args.release.resolve() == args.out.resolve():
            raise OptionError(
                "--release must differ from --out (the release is a slim copy of the training checkpoint)"
            )
        release.check_release_target(args.release, "--release", args.replace_shipped)


class Default:
    """An option's default that ``--recipe`` may replace: shown in ``--help`` as the value, told apart from the same
    value given on the command line (an explicit flag overrides the recipe)."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return ",".join(map(str, self.value)) if isinstance(self.value, tuple) else str(self.value)


def apply_recipe(args) -> None:
    """Each option left at its default takes the ``--recipe``'s value (or its own default without a recipe)."""
    recipe = RECIPES[args.recipe].options() if args.recipe else {}
    for dest, value in vars(args).copy().items():
        if isinstance(value, Default):
            setattr(args, dest, recipe.get(dest, value.value))
    if args.steps is None:
        raise OptionError("--steps is required (or give --recipe, which sets it)", "steps")


def cmd_train(args) -> int:
    from .models import count_parameters
    from .train import train

    apply_recipe(args)
    set_threads(args)
    x, labels, data_info = load_training_data(args)
    check_folder_labels(args, labels, data_info)
    check_train_options(args, x, labels)
    check_train_outputs(args)
    settings, schedule = config_from_args(TrainConfig, args), make_schedule(args)
    torch.manual_seed(args.seed)
    classes = len(data_info["classes"]) if args.data == "folder" else 10  # glyphs and the real sets: 10
    model = build_model_from_args(args, x, args.conditional, classes)
    print(f"{type(model).__name__}: {count_parameters(model):,} parameters; data {data_info}; {x.shape[0]} examples")
    if args.data == "photo":  # the photo's shape is the one --image-size sets: a shape the model refuses is that flag's
        args.flags = {**args.flags, "data": args.flags["image_size"]}
    started = time.perf_counter()
    state = train(
        model,
        (x, labels) if args.conditional else x,
        schedule=schedule,
        steps=args.steps,
        **settings.to_dict(),
        device=args.device,
        checkpoint_path=args.out,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        progress=not args.no_progress,
        data_info=data_info,
    )
    recent = state.history["loss"][-100:]
    print(
        f"step {state.step}: mean loss of the last {len(recent)} steps {sum(recent) / max(1, len(recent)):.4f}; "
        f"{time.perf_counter() - started:.1f} s in this run; checkpoint {args.out}"
    )
    if args.release:
        record = release.run_record(
            args.argv, seed=args.seed, steps=state.step, wall_time_s=state.history["seconds"], data=data_info
        )
        info = release.publish_release(args.out, args.release, record)
        print(f"release copy {args.release} recorded in {DATA_DIR.name}/MANIFEST.json: sha256 {info['sha256']}")
    return 0


def add_train(commands) -> None:
    t = add_command(
        commands,
        "train",
        cmd_train,
        help="train a DDPM model (resumable)",
        description="Train a DDPM model (resumable) on a course data set or on your own images: --data folder "
        "--data-root PATH --image-size N reads every image in PATH (any size, RGB or grey; one sub-folder per class "
        "makes a class-conditional model, --ignore-labels does not), resized and centre-cropped to N x N.",
        formatter_class=DefaultsHelpFormatter,
    )
    t.set_defaults(checkpoint_flag="--out")
    add_option(
        t, "--data", required=True, choices=IMAGE_NAMES + TOY_NAMES, help="training data (folder: your own images)"
    )
    add_option(
        t,
        "--model",
        required=True,
        choices=tuple(MODEL_CONFIGS),
        help="the seed's DiffusionUNet, the improved ResidualUNet, or the MLP for toy data",
    )
    add_option(t, "--out", required=True, type=Path, help="checkpoint file (written atomically)")
    add_option(t, "--steps", type=count(1), default=None, help="total optimisation steps (required without --recipe)")
    add_config_options(t, TrainConfig)
    add_schedule_options(t)
    add_option(t, "--conditional", action="store_true", help="class-conditional model (labelled data only)")
    add_train_data_options(t)
    for record in MODEL_CONFIGS.values():
        add_config_options(t, record)
    add_option(t, "--checkpoint-every", type=integer, default=500, help="write the checkpoint every N steps")
    add_option(
        t,
        "--resume",
        action="store_true",
        help="continue the run in --out; if --out does not exist yet, say so and start a fresh run there",
    )
    add_option(t, "--overwrite", action="store_true", help="replace an existing --out with a new run")
    add_option(
        t,
        "--replace-shipped",
        action="store_true",
        help="allow --release to replace a file already listed in data/MANIFEST.json (it says which)",
    )
    add_option(
        t,
        "--release",
        type=Path,
        default=None,
        help="also write a slim copy (EMA weights only) here and record its command, seed, steps, wall time "
        "and hardware in data/MANIFEST.json (how the shipped checkpoints are made)",
    )
    add_run_options(t)
    add_recipe_option(t)


def add_train_data_options(t) -> None:
    """The options that say which data ``--data`` loads: the photo's, the generated sets', the real sets' and the
    folder of your own images'."""
    add_option(
        t,
        "--image-size",
        type=integer,
        default=32,
        help="photo: resize to this square size; folder: resize the shorter side to it, then crop the centre square",
    )
    add_option(t, "--photo", type=Path, default=None, help="photo: any image file (default: matplotlib's sample)")
    add_option(t, "--n-train", type=integer, default=60000, help="glyphs/toy: number of training examples")
    add_option(t, "--data-seed", type=integer, default=0, help="glyphs/toy: seed of the generated data set")
    add_option(
        t,
        "--data-root",
        type=Path,
        default=Path("datasets"),
        help="mnist/fashion-mnist/cifar10: their folder; folder: the folder of your images (or of one sub-folder "
        "per class)",
    )
    add_option(
        t,
        "--image-channels",
        type=int,
        choices=(1, 3),
        default=None,
        help="folder: 1 (grey) or 3 (RGB); when left out, grey if every image is grey, else RGB",
    )
    add_option(
        t,
        "--max-images",
        type=count(1),
        default=MAX_IMAGES,
        help="folder: refuse a folder with more files than this (all are held in memory)",
    )
    add_option(
        t,
        "--ignore-labels",
        action="store_true",
        help="folder: train an unconditional model even when the images are in class sub-folders",
    )
    add_option(t, "--download", action="store_true", help="mnist/fashion-mnist/cifar10: download once if missing")


def add_recipe_option(t) -> None:
    """``--recipe``: the options a recipe sets get a :class:`Default`, so that :func:`apply_recipe` can tell them from
    flags given explicitly (which override the recipe)."""
    add_option(
        t,
        "--recipe",
        choices=tuple(RECIPES),
        default=None,
        help="start from one of the course's measured recipes (its training settings, model sizes and steps; "
        "TrainConfig.recipe); flags given explicitly override its values",
    )
    recipe_dests = {dest for recipe in RECIPES.values() for dest in recipe.options()}
    for action in t._actions:  # argparse has no public way to walk a parser's options
        if action.dest in recipe_dests:  # a string default is what argparse would convert with the option's type
            value = action.default
            action.default = Default(action.type(value) if isinstance(value, str) and action.type else value)


# ----------------------------------------------------------------------------------------- train-classifier
def check_classifier_outputs(args) -> None:
    """--out of train-classifier: with --record a shipped file (replaced only with --replace-shipped), otherwise an
    ordinary output; a DDPM checkpoint is never replaced by a classifier without --overwrite."""
    if args.record:
        release.check_in_data_folder(args.out, "--out with --record")
        release.check_release_target(args.out, "--out with --record", args.replace_shipped)
        if args.out.is_dir():
            raise OptionError(f"--out {args.out} is a directory")
    else:
        check_output_file(args.out, "--out", overwrite=args.overwrite)


def cmd_train_classifier(args) -> int:
    from .checkpoints import exclusive_run
    from .evaluation.classifier import save_classifier, train_classifier

    set_threads(args)
    check_classifier_outputs(args)
    with exclusive_run(args.out):  # one writer per file, taken before the first byte (as train does)
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
        info = release.record_run(
            args.out, release.run_record(args.argv, seed=args.seed, steps=args.steps, wall_time_s=wall)
        )
        print(f"recorded in {DATA_DIR.name}/MANIFEST.json: sha256 {info['sha256']}")
    return 0


def add_train_classifier(commands) -> None:
    c = add_command(
        commands,
        "train-classifier",
        cmd_train_classifier,
        help="train the glyph-digit classifier used as a metric",
        formatter_class=DefaultsHelpFormatter,
    )
    c.set_defaults(checkpoint_flag="--out")
    add_option(c, "--out", required=True, type=Path, help="checkpoint file")
    add_option(c, "--steps", type=integer, default=2000, help="optimisation steps")
    add_option(c, "--batch-size", type=integer, default=128, help="minibatch size")
    add_option(c, "--lr", type=positive_float, default=2e-3, help="peak learning rate (Adam, cosine decay)")
    add_option(c, "--seed", type=integer, default=0, help="seed of the training glyphs and of training")
    add_option(c, "--n-train", type=integer, default=60000, help="number of training glyphs")
    add_option(c, "--record", action="store_true", help="record the run in data/MANIFEST.json")
    add_option(c, "--overwrite", action="store_true", help="replace an existing --out")
    add_option(
        c,
        "--replace-shipped",
        action="store_true",
        help="with --record: allow replacing a file already listed in data/MANIFEST.json (it says which)",
    )
    add_run_options(c)


# --------------------------------------------------------------------------------------------------- sample
def parse_labels(text, n: int, classes: int | None = 10):
    """``--labels`` as n labels; ``all`` is 0..classes−1 repeated (the model's classes: 10 digits, or a folder's)."""
    if text is None:
        return None
    if text == "all":
        return torch.arange(n) % (classes or 10)
    try:
        values = comma_ints(text)
    except ValueError:
        raise OptionError(f"--labels must be one label, 'all', or comma-separated labels, got {text!r}") from None
    if len(values) == 1:
        return torch.full((n,), values[0], dtype=torch.long)
    if len(values) != n:
        raise OptionError(f"--labels needs one label, 'all', or exactly --n = {n} labels; got {len(values)}")
    return torch.tensor(values, dtype=torch.long)


def check_sample_options(args) -> None:
    """The rules between sample's options (:class:`~ddpm_lessons.sampling.SamplerSpec`'s, said in flags), checked
    before the checkpoint is loaded."""
    if args.method == "ddpm" and args.steps is not None:
        raise OptionError(
            "--steps is for --method ddim, heun or dpmpp-2m; --method ddpm always takes all T steps", "steps"
        )
    if args.method != "ddpm" and args.steps is None:
        raise OptionError(f"--method {args.method} needs --steps (the number of {args.method.upper()} steps)", "steps")
    if args.method != "ddim" and args.eta != 0:
        raise OptionError(f"--eta applies to --method ddim only (this is --method {args.method})", "eta")
    if args.method != "ddpm" and args.variance != "beta":
        raise OptionError("--variance applies to --method ddpm only (DDIM's noise is set with --eta)", "variance")
    if args.method == "ddpm" and args.spacing != "uniform":
        raise OptionError("--spacing applies to --method ddim, heun or dpmpp-2m (ddpm takes all T steps)", "spacing")
    if args.spacing != "karras" and args.rho != RHO:
        raise OptionError(f"--rho applies to --spacing karras only (this is --spacing {args.spacing})", "rho")
    if args.guidance != 0 and args.labels is None:
        raise OptionError("--guidance needs --labels (classifier-free guidance steers towards a class)", "guidance")


def check_labels(labels, classes, checkpoint) -> None:
    if labels is not None and classes is None:
        raise OptionError(f"--labels: {checkpoint} is an unconditional model")
    if labels is not None and not bool(((labels >= 0) & (labels < classes)).all()):
        raise OptionError(
            f"--labels must lie in 0..{classes - 1} ({classes} is the model's null label, used only by guidance)"
        )


def draw_samples(args, model, schedule, shape, labels, prediction: str = "eps"):
    """``--n`` samples in chunks of ``--batch-size`` (bounded memory), chunk i drawn with seed + i (one chunk: exactly
    ``sample(seed)``); ``prediction``: what the network outputs (the checkpoint's)."""
    from .sampling import sample

    chunks = []
    for i, start in enumerate(range(0, args.n, args.batch_size)):
        size = min(args.batch_size, args.n - start)
        chunks.append(
            sample(
                model,
                schedule,
                (size, *shape),
                method=args.method,
                steps=args.steps,
                eta=args.eta,
                variance=args.variance,
                clip_denoised=args.clip,
                spacing=args.spacing,
                rho=args.rho,
                prediction=prediction,
                labels=None if labels is None else labels[start : start + size],
                guidance=args.guidance,
                seed=args.seed + i,
                progress=not args.no_progress,
            )
        )
    return torch.cat(chunks)


def write_sample_figure(samples, path: Path, conditional: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .checkpoints import atomic_write_bytes
    from .plots import image_grid

    if samples.dim() == 4:
        fig = image_grid(samples, nrow=10 if conditional else None)
    else:
        fig, ax = plt.subplots(figsize=(5, 5))
        if samples.shape[1] == 2:
            ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5)
        else:
            ax.hist(samples[:, 0].numpy(), bins=100, density=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())


def cmd_sample(args) -> int:
    from .train import load_trained

    if args.out.suffix.lower() != ".png":
        raise OptionError(f"--out {args.out}: sample writes a PNG image, so the file name must end in .png")
    check_output_file(args.out, "--out", overwrite=args.overwrite)
    check_sample_options(args)
    model, schedule, payload = load_trained(
        args.checkpoint, device=args.device, use_ema=not args.raw_weights, verify=not args.no_verify
    )
    classes = getattr(model, "num_classes", None)
    labels = parse_labels(args.labels, args.n, classes)
    check_labels(labels, classes, args.checkpoint)
    prediction = payload["train_config"]["prediction"]  # the run's target (eps for checkpoints before issue 22)
    if args.prediction is not None and args.prediction != prediction:
        raise OptionError(
            f"--prediction {args.prediction}: {args.checkpoint} was trained with --prediction {prediction}; leave "
            "--prediction out to use the checkpoint's",
            "prediction",
        )
    samples = draw_samples(args, model, schedule, tuple(payload["train_config"]["data_shape"]), labels, prediction)
    write_sample_figure(samples, args.out, conditional=labels is not None)
    print(f"wrote {args.n} samples to {args.out}")
    return 0


def add_sample(commands) -> None:
    s = add_command(
        commands,
        "sample",
        cmd_sample,
        help="draw samples from a checkpoint and write a PNG",
        formatter_class=DefaultsHelpFormatter,
    )
    s.set_defaults(checkpoint_flag="--checkpoint")
    add_option(s, "--checkpoint", required=True, type=Path, help="a checkpoint written by train")
    add_option(s, "--out", required=True, type=Path, help="PNG file to write")
    add_option(s, "--n", type=_bounded_samples, default=64, help=f"number of samples (at most {MAX_SAMPLES:,})")
    add_option(
        s,
        "--batch-size",
        type=count(1),
        default=1000,
        help="samples drawn at once (memory stays bounded); chunk i uses --seed + i, so one chunk is sample(seed)",
    )
    add_option(s, "--method", choices=SAMPLERS, default="ddpm", help="sampler")
    add_option(s, "--steps", type=integer, default=None, help="steps of ddim, heun or dpmpp-2m (not ddpm)")
    add_option(s, "--eta", type=float, default=0.0, help="DDIM eta (0: deterministic)")
    add_option(s, "--variance", choices=VARIANCES, default="beta", help="DDPM sigma^2: beta or beta-tilde")
    add_option(
        s,
        "--spacing",
        choices=SPACINGS,
        default="uniform",
        help="timesteps of ddim, heun or dpmpp-2m: DDIM's evenly spaced ones from T-1 (diffusers' 'trailing'), "
        "diffusers' default 'leading' ones ((0..S-1)*(T//S), starting below T-1) or Karras et al.'s rho spacing",
    )
    add_option(s, "--rho", type=positive_float, default=RHO, help="Karras et al.'s rho (--spacing karras only)")
    add_option(
        s,
        "--prediction",
        choices=PREDICTIONS,
        default=None,
        help="what the network predicts: eps, v (Salimans & Ho 2022) or x0; default: the checkpoint's (train "
        "--prediction), which it must match",
    )
    add_option(
        s,
        "--clip",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="clip the x0 prediction to [-1, 1] (image data)",
    )
    add_option(s, "--labels", default=None, help="conditional models: one label, 'all' (every class in turn) or a list")
    add_option(s, "--guidance", type=float, default=0.0, help="classifier-free guidance weight w")
    add_option(s, "--seed", type=integer, default=0, help="seed of the sampling noise")
    add_option(s, "--raw-weights", action="store_true", help="use the raw weights instead of the EMA")
    add_option(s, "--overwrite", action="store_true", help="replace an existing --out")
    add_option(
        s,
        "--no-verify",
        action="store_true",
        help="load a checkpoint that has no checksum (no .sha256 sidecar, not in the manifest), with a warning",
    )
    add_run_options(s, threads=False)


def _bounded_samples(text: str) -> int:
    value = count(1)(text)
    if value > MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"must be a number of samples in 1..{MAX_SAMPLES:,}, got {value:,}")
    return value


# ------------------------------------------------------------------------------------------------- evaluate
def cmd_evaluate(args) -> int:
    from .checkpoints import shipped_path
    from .evaluation.evaluate import evaluate_checkpoint

    set_threads(args)
    path = Path(args.checkpoint)
    if args.record:
        if args.quick:
            raise OptionError("--record stores the bar's measurement; --quick is only a smoke check", "quick")
        if args.no_verify:
            raise OptionError("--record stores numbers for a shipped file, which is always verified; drop --no-verify")
        release.check_in_data_folder(path, "evaluate --record")
        shipped_path(path.name)  # the file must match its manifest digest before numbers are recorded for it
    metrics = evaluate_checkpoint(
        path,
        quick=args.quick,
        device=args.device,
        progress=not args.no_progress,
        verify=not args.no_verify,
        photo=args.photo,
    )
    for key, value in metrics.items():
        print(f"{key}: {value}")
    if args.record:
        release.record_metrics(path, metrics)
        print(f"recorded the metrics in {DATA_DIR.name}/MANIFEST.json")
    return 0 if metrics.get("meets_bar", True) else 1


def add_evaluate(commands) -> None:
    e = add_command(
        commands,
        "evaluate",
        cmd_evaluate,
        help="measure a checkpoint against its quality bar",
        formatter_class=DefaultsHelpFormatter,
    )
    e.set_defaults(checkpoint_flag="CHECKPOINT")
    add_option(e, "checkpoint", type=Path, help="a checkpoint written by train")
    add_option(e, "--quick", action="store_true", help="fewer samples (a smoke check, not the bar)")
    add_option(e, "--record", action="store_true", help="store the numbers in data/MANIFEST.json")
    add_option(
        e,
        "--photo",
        type=Path,
        default=None,
        help="photo checkpoints: the image file it was trained on (a path stored in a checkpoint is never opened)",
    )
    add_option(
        e,
        "--no-verify",
        action="store_true",
        help="evaluate a checkpoint that has no checksum (no .sha256 sidecar, not in the manifest), with a warning",
    )
    add_run_options(e)


# ------------------------------------------------------------------------------------------------------ main
SUBCOMMANDS = (add_info, add_train, add_train_classifier, add_sample, add_evaluate)
"""Each adds one sub-command (its parser, its options, the function that runs it) to the command line."""


def parser() -> argparse.ArgumentParser:
    p = CommandLineParser(
        prog="python -m ddpm_lessons",
        description=__doc__.split("\n\nHow it is built")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = p.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return p


CHECKPOINT_ADVICE = {
    "verify": (
        ("no_verify", "pass --no-verify if you trust it"),
        ("overwrite", "train resumes only the checkpoints it wrote (they have one); pass --overwrite to start anew"),
    ),
    "use_ema": (("raw_weights", "leave out --raw-weights"),),
}
"""A checkpoint refusal's advice in the command's own terms: for the loader's parameter that would change the
outcome (``CheckpointError.parameter``), the first (flag's dest, advice) whose flag the command has."""


def checkpoint_message(error: CheckpointError, args) -> str:
    """``error``'s reason with advice in terms of the command's flags (never the library's keywords), then the flag
    that named the checkpoint."""
    choices = CHECKPOINT_ADVICE.get(error.parameter, ())
    advice = next((text for dest, text in choices if dest in args.flags), None)
    message = error.reason if advice is None else f"{error.reason}; {advice}"
    flag = getattr(args, "checkpoint_flag", None)
    return message + (f" ({flag})" if flag and flag not in message else "")


def main(argv=None) -> int:
    """Run one command. A user error prints ``error: … (--flag)`` and returns 2, without a traceback; a checkpoint
    that cannot be used prints ``error: …`` and returns 2; a diverged run returns 1. Any other exception is a bug
    and propagates with its traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # --help (0), or a command line the parser refused in one line (2)
        return stop.code
    args.argv = argv
    try:
        return args.run(args)
    except CheckpointError as error:
        print(f"error: {checkpoint_message(error, args)}", file=sys.stderr)
    except InputError as error:
        print(f"error: {message_with_flag(error, args.flags)}", file=sys.stderr)
    except TrainingDivergedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 2
