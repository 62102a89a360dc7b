"""The command line: info, train (resumable, released), sample, evaluate — on tiny, fast settings; and how it
answers mistakes: a user error is one line naming the flag (exit 2), a bug shows its traceback."""

import importlib
import json
import os
import re
import subprocess
import sys

import pytest
import torch

from ddpm_lessons import InputError, checkpoints, load_trained
from ddpm_lessons.cli import check_output_file, main, parser
from ddpm_lessons.config import MODEL_CONFIGS, fields_with_flags

TINY = ["--data", "moons", "--model", "mlp", "--hidden", "8", "--layers", "1", "--T", "10", "--n-train", "64"]
TINY += ["--batch-size", "8", "--steps", "1", "--no-progress", "--device", "cpu"]


@pytest.fixture
def manifest(tmp_path, monkeypatch):
    """Redirect data/MANIFEST.json to a temporary data folder so tests never touch the shipped manifest (outputs go
    to tmp_path, outside it: nothing in the data folder is written except by a release)."""
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "MANIFEST.json"
    monkeypatch.setattr(checkpoints, "MANIFEST", path)
    for fn in (
        checkpoints.read_manifest,
        checkpoints.record_in_manifest,
        checkpoints.shipped_path,
        checkpoints.verify_shipped,
    ):
        defaults = list(fn.__defaults__ or ())
        kw = dict(fn.__kwdefaults__ or {})
        if "manifest" in kw:
            kw["manifest"] = path
            monkeypatch.setattr(fn, "__kwdefaults__", kw)
        elif defaults:
            defaults[-1] = path
            monkeypatch.setattr(fn, "__defaults__", tuple(defaults))
    return path


def test_every_subcommand_has_help(capsys):
    for command in ("info", "train", "train-classifier", "sample", "evaluate"):
        with pytest.raises(SystemExit) as info:
            parser().parse_args([command, "--help"])
        assert info.value.code == 0
        text = capsys.readouterr().out
        assert "usage" in text
    train_help = parser()._subparsers._group_actions[0].choices["train"].format_help()
    for option in ("--data", "--model", "--steps", "--resume", "--label-dropout", "--release", "--download"):
        assert option in train_help


def test_train_toy_resume_record_sample_evaluate(tmp_path, manifest, capsys):
    out = tmp_path / "toy.pt"
    common = [
        "train",
        "--data",
        "moons",
        "--model",
        "mlp",
        "--hidden",
        "32",
        "--layers",
        "1",
        "--T",
        "20",
        "--batch-size",
        "32",
        "--n-train",
        "500",
        "--out",
        str(out),
        "--no-progress",
        "--device",
        "cpu",
    ]
    assert main(common + ["--steps", "10"]) == 0
    release = manifest.parent / "toy_release.pt"
    assert main(common + ["--steps", "20", "--resume", "--release", str(release)]) == 0
    entry = json.loads(manifest.read_text())["toy_release.pt"]
    assert entry["steps"] == 20 and entry["seed"] == 0 and entry["command"].startswith("python -m ddpm_lessons train")
    assert entry["sha256"] == checkpoints.sha256_file(release) and "hardware" in entry and "wall_time_s" in entry
    slim = checkpoints.load_checkpoint(release)
    assert "optimizer" not in slim and "model" not in slim and slim["step"] == 20
    assert torch.equal(slim["ema"]["inp.weight"], checkpoints.load_checkpoint(out)["ema"]["inp.weight"])
    png = tmp_path / "samples.png"
    assert main(["sample", "--checkpoint", str(release), "--out", str(png), "--n", "50", "--no-progress"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    main(["evaluate", str(release), "--quick", "--no-progress"])
    text = capsys.readouterr().out
    assert "swd:" in text and "data_swd_mean:" in text and "sds_above_data:" in text and "meets_bar:" in text


def test_info_verifies_shipped_files(tmp_path, manifest, capsys):
    blob = manifest.parent / "blob.pt"
    checkpoints.save_checkpoint(blob, {"a": torch.zeros(3)})
    checkpoints.record_in_manifest(blob, {"command": "test"}, manifest=manifest)
    assert main(["info"]) == 0
    assert "OK   blob.pt" in capsys.readouterr().out
    blob.write_bytes(blob.read_bytes() + b"tampered")
    assert main(["info"]) == 1
    assert "FAIL blob.pt" in capsys.readouterr().out


def test_train_image_model_with_labels_and_sample_grid(tmp_path, monkeypatch):
    out = tmp_path / "img.pt"
    # A tiny conditional run on glyph digits, two steps: checks the wiring, not quality.
    assert (
        main(
            [
                "train",
                "--data",
                "glyphs",
                "--n-train",
                "200",
                "--model",
                "residual-unet",
                "--conditional",
                "--label-dropout",
                "0.1",
                "--base-channels",
                "8",
                "--channel-mults",
                "1,2",
                "--T",
                "10",
                "--steps",
                "2",
                "--batch-size",
                "4",
                "--out",
                str(out),
                "--no-progress",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    png = tmp_path / "grid.png"
    assert (
        main(
            [
                "sample",
                "--checkpoint",
                str(out),
                "--out",
                str(png),
                "--n",
                "10",
                "--labels",
                "all",
                "--guidance",
                "1.5",
                "--method",
                "ddim",
                "--steps",
                "5",
                "--clip",
                "--no-progress",
            ]
        )
        == 0
    )
    assert png.stat().st_size > 1000


def test_release_and_record_refusals_name_their_flag(tmp_path, manifest, capsys):
    elsewhere = tmp_path / "elsewhere" / "y.pt"
    assert main(["train", *TINY, "--out", str(tmp_path / "y.pt"), "--release", str(elsewhere)]) == 2
    assert "error: --release " in capsys.readouterr().err and not elsewhere.exists()
    assert main(["evaluate", str(tmp_path / "y.pt"), "--quick", "--record"]) == 2
    assert capsys.readouterr().err.startswith("error: --record stores the bar's measurement; --quick is only")


def test_each_subcommand_records_the_flag_of_every_parameter_it_sets(tmp_path):
    args = parser().parse_args(["train", "--data", "moons", "--model", "mlp", "--out", "r.pt", "--steps", "1"])
    flags = args.flags
    assert flags["n_train"] == "--n-train" and flags["data_seed"] == "--data-seed" and flags["T"] == "--T"
    assert flags["batch_size"] == "--batch-size" and flags["time_dim"] == "--time-dim"
    assert flags["channel_sequence"] == "--channels" and flags["num_layers"] == "--layers"  # fields with own flags
    sample = parser().parse_args(["sample", "--checkpoint", "c.pt", "--out", "x.png"])
    assert sample.flags["n"] == "--n" and "n_train" not in sample.flags, "each sub-command has its own mapping"
    assert parser().parse_args(["evaluate", "c.pt"]).flags["checkpoint"] == "checkpoint"


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--n-train", "0"], "(--n-train)"),
        (["--data-seed", "-1"], "(--data-seed)"),
        (["--T", "0"], "(--T)"),
        (["--checkpoint-every", "0"], "(--checkpoint-every)"),
        (["--label-dropout", "0.1"], "--label-dropout drops class labels, so it needs --conditional"),
        (["--data", "glyphs", "--n-train", "4", "--model", "seed-unet", "--conditional"], "--model residual-unet"),
        (["--data", "photo", "--model", "seed-unet", "--photo", "missing.png"], "--photo missing.png is not"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_bad_train_option_is_one_line_naming_its_flag(options, flag, tmp_path, capsys):
    assert main(["train", *TINY, "--out", str(tmp_path / "r.pt"), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and flag in err, err
    assert not (tmp_path / "r.pt").exists(), "refused before any work"


@pytest.mark.parametrize(
    "command, words",
    [
        (["train", *TINY, "--out", "r.pt", "--seed", str(10**23)], "argument --seed: must fit in 64 bits"),
        (["train", *TINY, "--out", "r.pt", "--threads", "-1"], "argument --threads: must be an integer >= 0"),
        (["train", *TINY, "--out", "r.pt", "--device", "bogus"], "argument --device: expected cpu, cuda"),
        (["train-classifier", "--out", "c.pt", "--lr", "-1"], "argument --lr: must be a positive finite number"),
        (["sample", "--checkpoint", "c.pt", "--out", "x.png", "--batch-size", "0"], "argument --batch-size"),
        (["sample", "--checkpoint", "c.pt", "--out", "x.png", "--n", "1000001"], "argument --n: must be a number"),
    ],
    ids=lambda value: " ".join(value[-2:]) if isinstance(value, list) else "",
)
def test_values_the_parser_refuses(command, words, capsys):
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {words}") and err.count("\n") == 1, "one line, not the usage first"


def test_a_photo_that_decodes_to_too_many_pixels_is_refused(tmp_path, capsys):
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    Image.new("1", (20_000, 10_000)).save(bomb)  # 200 million pixels in a few kilobytes
    assert (
        main(
            [
                "train",
                *TINY,
                "--data",
                "photo",
                "--model",
                "seed-unet",
                "--photo",
                str(bomb),
                "--out",
                str(tmp_path / "p.pt"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: photo {bomb} declares more than twice the pixels PIL decodes") and err.count("\n") == 1
    )
    assert "MAX_PHOTO_PIXELS = 67,108,864" in err and err.endswith("(--photo)\n")


def test_a_checkpoint_that_cannot_be_used_is_one_line(tmp_path, capsys):
    missing = tmp_path / "missing.pt"
    assert main(["sample", "--checkpoint", str(missing), "--out", str(tmp_path / "x.png"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: checkpoint {missing} does not exist (--checkpoint)\n"


def test_a_bug_is_not_disguised_as_a_user_error(tmp_path, monkeypatch):
    """A ValueError from inside the training work (not an InputError) is the package's bug: it propagates."""
    trainer = importlib.import_module("ddpm_lessons.train")  # the package's `train` attribute is the function

    def broken(*args, **kwargs):
        raise ValueError("batch_size went wrong inside the library")

    monkeypatch.setattr(trainer, "train", broken)
    with pytest.raises(ValueError, match="inside the library"):
        main(["train", *TINY, "--out", str(tmp_path / "r.pt")])
    script = (
        "import importlib, sys\n"
        "t = importlib.import_module('ddpm_lessons.train')\n"
        "def broken(*a, **k): raise ValueError('batch_size went wrong inside the library')\n"
        "t.train = broken\n"
        "from ddpm_lessons.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", script, "train", *TINY, "--out", str(tmp_path / "s.pt")]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode not in (0, 2), result.stderr
    assert "Traceback (most recent call last)" in result.stderr and "in broken" in result.stderr
    assert "error: batch_size" not in result.stderr


# ---------------------------------------------------------------- issue 25: one output policy, refusals before work
def snapshot(folder):
    """Every file under ``folder`` with its bytes and mtime: a refusal must leave all of them as they were."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def shipped(manifest):
    """The stand-in data folder of ``manifest`` holding what data/ holds: a listed checkpoint with its sidecar, the
    manifest, README and JSON records."""
    folder = manifest.parent
    checkpoints.save_checkpoint(folder / "glyph_ddpm.pt", {"kind": "ddpm", "w": torch.zeros(2)})
    checkpoints.record_in_manifest(folder / "glyph_ddpm.pt", {"command": "the original command"}, manifest=manifest)
    for name in ("README.md", "unet_wiring.json", "unet_wiring_single_read.json"):
        (folder / name).write_text("{}\n")
    return folder


def refused_before_work(argv, flag, capsys, folder):
    """``main(argv)`` returns 2 at once with one line naming ``flag``, and no file under ``folder`` changed."""
    import time

    before = snapshot(folder)
    started = time.perf_counter()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and flag in err and "Traceback" not in err, err
    assert time.perf_counter() - started < 10, "refused before any training"
    assert snapshot(folder) == before
    return err


@pytest.mark.parametrize(
    "target, flag",
    [
        ("MANIFEST.json", "--release"),
        ("README.md", "--release"),
        ("unet_wiring.json", "--release"),
        ("glyph_ddpm.pt.sha256", "--release"),
        ("glyph_ddpm.pt.lock", "--release"),
    ],
)
@pytest.mark.parametrize("replace", [[], ["--replace-shipped"]], ids=["plain", "replace-shipped"])
def test_a_release_never_writes_the_data_folders_other_files(target, flag, replace, shipped, tmp_path, capsys):
    argv = ["train", *TINY, "--steps", "100000", "--out", str(tmp_path / "r.pt"), "--release", str(shipped / target)]
    err = refused_before_work(argv + replace, flag, capsys, tmp_path)
    assert "never replaced" in err and not (tmp_path / "r.pt").exists()


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["train-classifier", "--record", "--out", "{data}/unet_wiring_single_read.json"], "--out with --record"),
        (["train-classifier", "--record", "--replace-shipped", "--out", "{data}/README.md"], "--out with --record"),
        (["train", *TINY, "--out", "{data}/MANIFEST.json", "--overwrite"], "--out"),
        (["train", *TINY, "--out", "{data}/glyph_ddpm.pt.sha256", "--overwrite"], "--out"),
        (["train", *TINY, "--out", "{data}/new_run.pt"], "--out"),
        (["train-classifier", "--out", "{data}/unet_wiring.json", "--overwrite"], "--out"),
        (["sample", "--checkpoint", "{data}/glyph_ddpm.pt", "--out", "{data}/fig.png", "--overwrite"], "--out"),
    ],
    ids=lambda value: " ".join(value).replace("{data}/", "data/") if isinstance(value, list) else "",
)
def test_nothing_in_the_shipped_folder_is_written_by_an_ordinary_output(argv, flag, shipped, tmp_path, capsys):
    argv = [a.replace("{data}", str(shipped)) for a in argv]
    if argv[0] == "train-classifier":
        argv += ["--steps", "100000", "--no-progress"]
    err = refused_before_work(argv, flag, capsys, tmp_path)
    assert "shipped" in err or "never replaced" in err


def test_the_checkouts_data_folder_stays_shipped_when_the_variable_points_elsewhere(manifest, tmp_path, capsys):
    repo_data = checkpoints.Path(checkpoints.__file__).resolve().parent.parent / "data"
    if not (repo_data / "MANIFEST.json").is_file():
        pytest.skip("no checkout data/ beside the package")
    argv = ["sample", "--checkpoint", str(tmp_path / "missing.pt"), "--overwrite"]
    before = {p.name: p.stat().st_mtime_ns for p in repo_data.iterdir()}
    for name in ("moons_ddpm.png", "new.png"):
        assert main([*argv, "--out", str(repo_data / name)]) == 2
        err = capsys.readouterr().err
        assert "shipped data folder" in err and err.startswith("error: --out ")
    with pytest.raises(InputError, match="moons_ddpm.pt is in the shipped data folder"):
        check_output_file(repo_data / "moons_ddpm.pt", "--out", overwrite=True)
    assert {p.name: p.stat().st_mtime_ns for p in repo_data.iterdir()} == before


def test_sample_replaces_an_existing_figure_only_with_overwrite(tmp_path, capsys):
    fig = tmp_path / "fig.png"
    fig.write_bytes(b"my figure")
    argv = ["sample", "--checkpoint", str(tmp_path / "run.pt"), "--out", str(fig), "--n", "4", "--no-progress"]
    err = refused_before_work(argv, "--out", capsys, tmp_path)
    assert "already exists; pass --overwrite" in err and "--resume" not in err  # sample has no --resume
    assert main(["train", *TINY, "--out", str(tmp_path / "run.pt")]) == 0
    assert main([*argv, "--overwrite"]) == 0
    assert fig.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "argv",
    [
        ["sample", "--checkpoint", "missing.pt", "--overwrite"],
        ["train", *TINY, "--steps", "100000", "--overwrite"],
        ["train", *TINY, "--steps", "100000", "--resume"],
        ["train-classifier", "--steps", "100000", "--overwrite", "--no-progress"],
    ],
    ids=lambda value: value[0],
)
def test_a_non_regular_output_is_never_replaced(argv, tmp_path, capsys):
    fifo = tmp_path / ("out.png" if argv[0] == "sample" else "out.pt")
    os.mkfifo(fifo)
    err = refused_before_work([*argv, "--out", str(fifo)], "--out", capsys, tmp_path)
    assert "is not a regular file" in err and "even with --overwrite" in err
    assert fifo.is_fifo()


def test_train_classifier_takes_the_run_lock_before_its_first_byte(tmp_path, capsys):
    out = tmp_path / "f.pt"
    checkpoints.save_checkpoint(out, {"kind": "ddpm", "step": 3000})
    argv = ["train-classifier", "--steps", "100000", "--out", str(out), "--overwrite", "--no-progress"]
    with checkpoints.exclusive_run(out):  # as a running `train --out f.pt` holds it
        err = refused_before_work(argv, "--out", capsys, tmp_path)
    assert "another run is writing" in err and f"pid {os.getpid()}" in err
    assert checkpoints.load_checkpoint(out)["step"] == 3000


def test_a_checkpoint_of_another_kind_is_not_replaced_without_overwrite(tmp_path, capsys):
    ddpm, classifier = tmp_path / "ddpm.pt", tmp_path / "classifier.pt"
    checkpoints.save_checkpoint(ddpm, {"kind": "ddpm", "step": 3000})
    checkpoints.save_checkpoint(classifier, {"kind": "glyph-classifier"})
    argv = ["train-classifier", "--steps", "100000", "--out", str(ddpm), "--no-progress"]
    err = refused_before_work(argv, "--out", capsys, tmp_path)
    assert "already exists; pass --overwrite" in err and "--resume" not in err  # train-classifier has no --resume
    err = refused_before_work(
        ["train", *TINY, "--steps", "100000", "--out", str(classifier)], "--out", capsys, tmp_path
    )
    assert "already exists" in err and "--overwrite" in err
    resume = ["train", *TINY, "--steps", "100000", "--out", str(classifier), "--resume"]
    err = refused_before_work(resume, "(--out)", capsys, tmp_path)
    assert "is not a training checkpoint of this objective (kind='glyph-classifier'" in err


def test_train_recipe_gives_its_settings_and_explicit_flags_win(tmp_path, capsys):
    small = ["--data", "moons", "--model", "mlp", "--hidden", "8", "--T", "10", "--n-train", "64", "--no-progress"]
    out = tmp_path / "r.pt"
    assert main(["train", *small, "--recipe", "moons-ddpm", "--steps", "1", "--lr", "2e-4", "--out", str(out)]) == 0
    stored = checkpoints.load_checkpoint(out)["train_config"]
    assert (stored["batch_size"], stored["warmup"], stored["ema_decay"], stored["lr"]) == (512, 100, 0.995, 2e-4)
    assert stored["steps"] == 1
    assert main(["train", *small, "--out", str(tmp_path / "s.pt")]) == 2
    assert capsys.readouterr().err.endswith("error: --steps is required (or give --recipe, which sets it)\n")
    assert main(["train", *small, "--recipe", "digits", "--steps", "1", "--out", str(tmp_path / "t.pt")]) == 2
    err = capsys.readouterr().err.replace("'", "")
    assert "--recipe: invalid choice: digits (choose from digits-fast, glyph-ddpm, photo-ddpm, moons-ddpm)" in err


# ------------------------------------------------------------------------------- train --data folder (own images)
FOLDER_NET = ["--model", "residual-unet", "--base-channels", "8", "--channel-mults", "1,2", "--no-attention"]
FOLDER_NET += ["--T", "10", "--steps", "1", "--batch-size", "4", "--image-size", "8", "--no-progress"]


def image_folder(root, classes=("cats", "dogs"), n=3):
    from PIL import Image

    for label, name in enumerate(classes):
        for i in range(n):
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.new("RGB" if label == 0 else "L", (10 + i, 12), 40 * i).save(root / name / f"{i}.png")
    return root


def test_train_on_a_folder_of_images_then_sample_every_class(tmp_path, capsys):
    root = image_folder(tmp_path / "images")
    (root / "dogs" / "junk.txt").write_text("not an image")
    out = tmp_path / "run.pt"
    assert main(["train", "--data", "folder", "--data-root", str(root), *FOLDER_NET, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning: 1 file(s)" in captured.err and "dogs/junk.txt" in captured.err
    assert "6 images, 3 channel(s); classes 0 = cats, 1 = dogs" in captured.out
    payload = torch.load(out, weights_only=True)
    assert payload["model_config"]["num_classes"] == 2 and payload["model_config"]["in_channels"] == 3
    data = payload["train_config"]["data"]
    assert data["name"] == "folder" and data["root"] == str(root.resolve()) and data["classes"] == ["cats", "dogs"]
    assert data["n"] == 6 and data["skipped"] == 1 and payload["train_config"]["data_shape"] == [3, 8, 8]
    png = tmp_path / "samples.png"
    sample = ["sample", "--checkpoint", str(out), "--labels", "all", "--n", "4", "--method", "ddim", "--steps", "2"]
    assert main([*sample, "--no-progress", "--out", str(png)]) == 0  # 'all' is 0, 1, 0, 1: the model's two classes
    assert png.read_bytes()[:4] == b"\x89PNG"
    unlabelled = tmp_path / "plain.pt"
    args = ["train", "--data", "folder", "--data-root", str(root), *FOLDER_NET, "--image-channels", "1"]
    assert main([*args, "--ignore-labels", "--out", str(unlabelled)]) == 0
    payload = torch.load(unlabelled, weights_only=True)
    assert payload["model_config"]["num_classes"] is None and payload["model_config"]["in_channels"] == 1
    assert main(["evaluate", str(unlabelled), "--no-progress"]) == 2  # no bar for your own images; one line
    assert "no evaluation is defined for data 'folder'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--data-root": "missing"}, r"missing does not exist.*\(--data-root\)$"),
        ({"--max-images": "5"}, r"holds 6 files, more than max_images = 5.*\(--max-images\)$"),
        ({"--image-size": "4096"}, r"image_size must be an integer <= 1,024.*\(--image-size\)$"),
        ({"--model": "seed-unet"}, r"2 class folders; class labels need --model residual-unet; pass --ignore-labels"),
        (
            {"--ignore-labels": None, "--conditional": None},
            r"--ignore-labels trains an unconditional model; leave out --conditional$",
        ),
        ({"--data-root": "images/cats", "--conditional": None}, r"--conditional needs at least two class sub-folders"),
        ({"--data": "moons", "--ignore-labels": None}, r"--ignore-labels is for --data folder"),
    ],
)
def test_folder_mistakes_are_one_line_naming_the_flag(tmp_path, capsys, change, message):
    import re

    image_folder(tmp_path / "images")
    options = {"--data": "folder", "--data-root": str(tmp_path / "images"), "--out": str(tmp_path / "run.pt")}
    options |= {k: (str(tmp_path / v) if k == "--data-root" else v) for k, v in change.items()}
    argv = ["train", *FOLDER_NET] + [item for k, v in options.items() for item in ((k,) if v is None else (k, v))]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.search(message, err[0]), err
    assert not (tmp_path / "run.pt").exists()


def test_train_help_describes_the_folder_data(capsys):
    train_help = parser()._subparsers._group_actions[0].choices["train"].format_help()
    for text in ("--data folder --data-root PATH", "--image-channels", "--max-images", "--ignore-labels", "folder:"):
        assert text in train_help


# ------------------------------------------------------------ issue 25 §5: every mistake is one line naming its flag
def command_flags(command: str) -> set[str]:
    """Every option string of a sub-command's parser (argparse's own record), ``--help`` included."""
    sub = parser()._subparsers._group_actions[0].choices[command]
    return {flag for action in sub._actions for flag in action.option_strings}


def assert_one_line_naming(err: str, flag: str, command: str) -> None:
    """``error: …`` on one line, no traceback, ``flag`` named, and every ``--flag`` the line mentions (its advice
    included) an option of ``command``."""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert flag in err, f"{flag} not named in {err!r}"
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", err))
    assert named <= command_flags(command), f"{sorted(named - command_flags(command))} are not options of {command}"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A toy checkpoint (1 step), copies of it without train_config, without raw weights (a release copy) and without
    a checksum, a folder and a FIFO."""
    folder = tmp_path_factory.mktemp("cli-files")
    toy = folder / "toy.pt"
    assert main(["train", *TINY, "--out", str(toy)]) == 0
    payload = checkpoints.load_checkpoint(toy)
    checkpoints.save_checkpoint(folder / "notc.pt", {k: v for k, v in payload.items() if k != "train_config"})
    checkpoints.save_checkpoint(folder / "release.pt", {k: v for k, v in payload.items() if k != "model"})
    (folder / "nosum.pt").write_bytes(toy.read_bytes())
    (folder / "adir").mkdir()
    os.mkfifo(folder / "fifo")
    return folder


PHOTO = ["--data", "photo", "--model", "seed-unet", "--steps", "1", "--T", "10", "--no-progress", "--device", "cpu"]
GLYPHS = ["--data", "glyphs", "--n-train", "4", "--steps", "1", "--T", "10", "--no-progress", "--device", "cpu"]


def sample_argv(checkpoint, *options):
    return ["sample", "--checkpoint", str(checkpoint), "--no-progress", *options]


ISSUE_CASES = [
    # (name, argv with {f} for the files folder and {o} for a fresh output folder, the flag the error must name)
    ("device bogus", ["train", *TINY, "--device", "bogus"], "--device"),
    ("device meta", ["train", *TINY, "--device", "meta"], "--device"),
    ("threads -1", ["train", *TINY, "--threads", "-1"], "--threads"),
    ("photo missing", ["train", *PHOTO, "--photo", "{f}/missing.png"], "--photo"),
    ("photo folder", ["train", *PHOTO, "--photo", "{f}/adir"], "--photo"),
    ("photo fifo", ["train", *PHOTO, "--photo", "{f}/fifo"], "--photo"),
    (
        "mnist absent",
        ["train", "--data", "mnist", "--model", "seed-unet", "--steps", "1", "--data-root", "{f}/adir"],
        "--data-root",
    ),
    ("no train_config sample", sample_argv("{f}/notc.pt", "--out", "{o}/s.png"), "--checkpoint"),
    ("no train_config evaluate", ["evaluate", "{f}/notc.pt", "--quick", "--no-progress"], "CHECKPOINT"),
    ("n-train 0", ["train", *TINY, "--n-train", "0"], "--n-train"),
    ("data-seed -1", ["train", *TINY, "--data-seed", "-1"], "--data-seed"),
    ("T 0", ["train", *TINY, "--T", "0"], "--T"),
    ("time-dim 3", ["train", *GLYPHS, "--model", "seed-unet", "--time-dim", "3"], "--time-dim"),
    ("base-channels 12", ["train", *GLYPHS, "--model", "residual-unet", "--base-channels", "12"], "--base-channels"),
    ("seed 1e23", ["train", *TINY, "--seed", "1e23"], "--seed"),
    ("seed 10**23", ["train", *TINY, "--seed", str(10**23)], "--seed"),
    ("steps 0", ["train", *TINY, "--steps", "0"], "--steps"),
    ("another model's flag", ["train", *GLYPHS, "--model", "seed-unet", "--hidden", "64"], "--hidden"),
    ("another model's switch", ["train", *TINY, "--no-attention"], "--no-attention"),
    ("image-size 5", ["train", *PHOTO, "--image-size", "5"], "--image-size"),
    ("ddim without steps", sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--method", "ddim"), "--steps"),
    ("ddpm with steps", sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--steps", "5"), "--steps"),
    ("eta with ddpm", sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--eta", "0.5"), "--eta"),
    ("guidance without labels", sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--guidance", "1"), "--guidance"),
    ("spacing with ddpm", sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--spacing", "karras"), "--spacing"),
    (
        "rho without karras",
        sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--method", "ddim", "--steps", "2", "--rho", "3"),
        "--rho",
    ),
    (
        "too many karras steps",
        sample_argv("{f}/toy.pt", "--out", "{o}/s.png", "--method", "dpmpp-2m", "--steps", "9", "--spacing", "karras"),
        "--steps",
    ),
    ("resume without checksum", ["train", *TINY, "--resume", "--out", "{f}/nosum.pt"], "--overwrite"),
    ("classifier onto a file", ["train-classifier", "--out", "{f}/toy.pt", "--steps", "1"], "--overwrite"),
    (
        "raw weights of a release copy",
        sample_argv("{f}/release.pt", "--out", "{o}/s.png", "--raw-weights"),
        "--raw-weights",
    ),
    ("unverified sample", sample_argv("{f}/nosum.pt", "--out", "{o}/s.png"), "--no-verify"),
]


def test_sample_passes_spacing_rho_and_prediction_to_the_sampler(files, tmp_path, monkeypatch, capsys):
    # issue 22, lesson A: the flags become SamplerSpec's fields; a real run of DPM-Solver++ on Karras levels writes;
    # the prediction is the checkpoint's (train --prediction), and a --prediction that contradicts it is refused
    out = tmp_path / "s.png"
    argv = sample_argv(files / "toy.pt", "--out", str(out), "--n", "4", "--method", "dpmpp-2m", "--steps", "3")
    assert main([*argv, "--spacing", "karras", "--rho", "5"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert main([*argv, "--overwrite", "--prediction", "v"]) == 2
    assert_one_line_naming(capsys.readouterr().err, "--prediction", "sample")
    v_model = tmp_path / "v.pt"
    assert main(["train", *TINY, "--prediction", "v", "--out", str(v_model)]) == 0
    import ddpm_lessons.sampling

    seen = []

    def recording(model, schedule, shape, **options):
        seen.append(options)
        return torch.zeros(shape)

    monkeypatch.setattr(ddpm_lessons.sampling, "sample", recording)
    assert main([*argv, "--overwrite", "--spacing", "karras", "--rho", "5", "--prediction", "eps"]) == 0
    assert main([*argv, "--overwrite", "--spacing", "leading"]) == 0
    v_argv = sample_argv(v_model, "--out", str(out), "--n", "4", "--method", "dpmpp-2m", "--steps", "3")
    assert main([*v_argv, "--overwrite"]) == 0
    picked = [{key: options[key] for key in ("method", "steps", "spacing", "rho", "prediction")} for options in seen]
    assert picked == [
        {"method": "dpmpp-2m", "steps": 3, "spacing": "karras", "rho": 5.0, "prediction": "eps"},
        {"method": "dpmpp-2m", "steps": 3, "spacing": "leading", "rho": 7.0, "prediction": "eps"},
        {"method": "dpmpp-2m", "steps": 3, "spacing": "uniform", "rho": 7.0, "prediction": "v"},
    ]


def test_train_help_lists_the_targets_weightings_and_levels():
    # issue 22, lesson A: the new TrainConfig fields are flags with their choices and help
    text = " ".join(parser()._subparsers._group_actions[0].choices["train"].format_help().split())
    for words in (
        "--prediction {eps,x0,v}",
        "--weighting {none,min-snr}",
        "--snr-gamma",
        "--levels {uniform,lognormal}",
        "--level-mean",
        "--level-std",
        "min(SNR, gamma)/SNR",
        "EDM's P_mean",
    ):
        assert words in text, words


@pytest.mark.parametrize("argv, flag", [case[1:] for case in ISSUE_CASES], ids=[case[0] for case in ISSUE_CASES])
def test_the_issues_cases_are_one_line_naming_the_flag(argv, flag, files, tmp_path, capsys):
    argv = [word.format(f=files, o=tmp_path) for word in argv]
    if argv[0] in ("train", "train-classifier") and "--out" not in argv:
        argv += ["--out", str(tmp_path / "run.pt")]
    before = snapshot(files)
    assert main(argv) == 2
    assert_one_line_naming(capsys.readouterr().err, flag, argv[0])
    assert snapshot(files) == before and not list(tmp_path.iterdir()), "refused before any work"


def test_checkpoint_advice_names_the_commands_flags_never_the_librarys_keywords(files, tmp_path, capsys):
    assert main(["train", *TINY, "--resume", "--out", str(files / "nosum.pt")]) == 2
    err = capsys.readouterr().err
    assert "--no-verify" not in err and "verify=False" not in err, "train has no --no-verify"
    assert main(sample_argv(files / "release.pt", "--out", str(tmp_path / "s.png"), "--raw-weights")) == 2
    assert "use_ema" not in capsys.readouterr().err
    assert main(["train-classifier", "--out", str(files / "toy.pt"), "--steps", "1"]) == 2
    assert "--resume" not in capsys.readouterr().err, "train-classifier has no --resume"
    with pytest.raises(checkpoints.CheckpointError, match=r"; load it with verify=False if you trust it$"):
        checkpoints.load_checkpoint(files / "nosum.pt")  # the library's own advice is in its keywords


def test_a_manifest_entry_without_a_digest_is_one_line(manifest, files, tmp_path, capsys):
    shipped = manifest.parent / "toy.pt"
    shipped.write_bytes((files / "toy.pt").read_bytes())
    manifest.write_text(json.dumps({"toy.pt": {"command": "python -m ddpm_lessons train …"}}), encoding="utf-8")
    assert main(sample_argv(shipped, "--out", str(tmp_path / "s.png"))) == 2
    assert_one_line_naming(capsys.readouterr().err, "without a sha256 digest", "sample")
    assert checkpoints.verify_shipped(manifest) == [
        ("toy.pt", False, "MANIFEST.json lists toy.pt without a sha256 digest")
    ]


def bad_values(action) -> list[str]:
    """The family of values ``action``'s option must refuse, by the kind of value it takes."""
    if action.choices is not None:
        return ["bogus"]
    kind = getattr(action.type, "__name__", "")
    if action.type is None:  # free text: --labels
        return ["abc", "1.5", "-1"]
    if kind in ("integer", "parse", "_bounded_samples"):  # integers (count(k)'s parser is called parse)
        return ["-1", "1.5", "nan", "abc", "1e23"]
    if kind in ("float", "positive_float", "clip_norm"):
        return ["-1", "nan", "inf", "abc"]
    if kind == "tuple_of_ints":
        return ["abc", "0,0", "1.5"]
    if kind == "device_name":
        return ["bogus", "meta", *([] if torch.cuda.is_available() else ["cuda"])]
    if kind == "Path":
        return ["{f}/adir", "{f}/fifo"] + ([] if action.dest in ("out", "release") else ["{f}/missing"])
    raise AssertionError(f"no family of bad values for {action.option_strings or action.dest} ({kind})")


ACCEPTED = {
    # (command, flag, value) that are not mistakes: a folder is what --data-root names; a checkpoint folder named
    # CHECKPOINT is refused as a checkpoint (CheckpointError names it) — listed here only where a value is valid.
    ("train", "--data-root", "{f}/adir"),
}


def base_argv(command: str, dest: str) -> list[str]:
    """A command line on which ``dest``'s value matters (its model, its data), otherwise valid and tiny."""
    if command == "train":
        for name, record in MODEL_CONFIGS.items():
            if dest in {f.name for f, _, _ in fields_with_flags(record)}:
                return ["train", *(GLYPHS if name != "mlp" else TINY), "--model", name]
        if dest in ("image_size", "photo"):
            return ["train", *PHOTO]
        if dest == "data_root":
            return ["train", "--data", "mnist", "--model", "seed-unet", "--steps", "1"]
        if dest == "label_dropout":
            return ["train", *GLYPHS, "--model", "residual-unet", "--conditional"]
        return ["train", *TINY]
    if command == "train-classifier":
        return ["train-classifier", "--steps", "1", "--n-train", "8", "--batch-size", "4", "--no-progress"]
    if command == "sample":
        method = ["--method", "ddim", "--steps", "2"] if dest in ("steps", "eta") else []
        return ["sample", "--checkpoint", "{f}/toy.pt", "--no-progress", *method]
    return {"evaluate": ["evaluate", "{f}/toy.pt", "--quick", "--no-progress"]}[command]


def family_cases():
    for command, sub in parser()._subparsers._group_actions[0].choices.items():
        for action in sub._actions:
            if action.nargs == 0 or action.dest in ("help", "recipe"):  # switches take no value
                continue
            flag = action.option_strings[0] if action.option_strings else action.dest.upper()
            for value in bad_values(action):
                if (command, flag, value) not in ACCEPTED:
                    yield pytest.param(command, action.dest, flag, value, id=f"{command} {flag} {value}")


@pytest.mark.parametrize("command, dest, flag, value", list(family_cases()))
def test_every_flag_refuses_a_family_of_bad_values_in_one_line(command, dest, flag, value, files, tmp_path, capsys):
    """Each sub-command's options, enumerated from its parser, each given 0-ish, negative, fractional, NaN, infinite,
    non-numeric, 64-bit-overflowing, unknown, missing, folder and FIFO values as fits its type."""
    argv = [word.format(f=files) for word in base_argv(command, dest)]
    outputs = {"train": "run.pt", "train-classifier": "c.pt", "sample": "s.png"}
    if dest != "out" and command in outputs:
        argv += ["--out", str(tmp_path / outputs[command])]
    value = value.format(f=files)
    argv = argv[:1] + [value] + argv[1:] if flag == "CHECKPOINT" else [*argv, flag, value]
    if flag == "CHECKPOINT":
        argv.remove(str(files / "toy.pt"))
    before = snapshot(files)
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert_one_line_naming(err, flag if flag != "CHECKPOINT" else value, command)
    assert snapshot(files) == before and not [p for p in tmp_path.iterdir()], "refused before any work"


@pytest.mark.slow  # three interpreters importing torch: CI runs it
def test_a_real_process_answers_mistakes_in_one_line_without_a_traceback(files, tmp_path):
    """In a real process (the entry point ``python -m ddpm_lessons``): argparse's refusal, an option rule and a
    library check, each one line on stderr and exit status 2."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for argv, flag in [
        (["train", *TINY, "--out", str(tmp_path / "r.pt"), "--seed", "1e23"], "--seed"),
        (["train", *TINY, "--out", str(tmp_path / "r.pt"), "--n-train", "0"], "--n-train"),
        (sample_argv(files / "release.pt", "--out", str(tmp_path / "s.png"), "--raw-weights"), "--raw-weights"),
    ]:
        result = subprocess.run([sys.executable, "-m", "ddpm_lessons", *argv], capture_output=True, text=True, env=env)
        assert result.returncode == 2, result.stderr
        assert_one_line_naming(result.stderr, flag, argv[0])


def test_help_states_each_options_default_once(capsys):
    """``--help`` of every sub-command: no option says its default twice ("(default: the best available)
    (default: None)" was --device's)."""
    for command, sub in parser()._subparsers._group_actions[0].choices.items():
        entries = re.split(r"\n(?=  \S)", sub.format_help())
        doubled = [entry.split()[0] for entry in entries if entry.count("default:") > 1]
        assert not doubled, f"{command}: {doubled}"
    train = parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert "the best available)" in train and "(default: 1000)" in train, "defaults are still shown"


HUGE = str(10**12)
HUGE_CASES = [
    (["train", *TINY, "--hidden", HUGE], "--hidden"),
    (["train", *TINY, "--layers", HUGE], "--layers"),
    (["train", *TINY, "--n-train", HUGE], "--n-train"),
    (["train", *TINY, "--batch-size", HUGE], "--batch-size"),
    (["train", *TINY, "--T", HUGE], "--T"),
    (["train", *PHOTO, "--image-size", HUGE], "--image-size"),
    (["train", *GLYPHS, "--model", "seed-unet", "--channels", f"{HUGE},{HUGE}"], "--channels"),
    (["train", *GLYPHS, "--model", "seed-unet", "--time-dim", HUGE], "--time-dim"),
    (["train", *GLYPHS, "--model", "residual-unet", "--base-channels", HUGE], "--base-channels"),
    (["train-classifier", "--steps", "1", "--batch-size", HUGE], "--batch-size"),
    (["train-classifier", "--steps", "1", "--n-train", HUGE], "--n-train"),
    (["sample", "--checkpoint", "{f}/toy.pt", "--n", HUGE, "--out", "{o}/s.png"], "--n"),
]


@pytest.mark.skipif(
    not hasattr(importlib.import_module("ddpm_lessons.validation"), "MAX_WIDTH"),
    reason="the library's size ceilings (validation.MAX_*) come with the bounds change; the CLI maps them to flags",
)
@pytest.mark.parametrize("argv, flag", HUGE_CASES, ids=lambda v: " ".join(v[-2:]) if isinstance(v, list) else v)
def test_a_huge_size_is_one_line_naming_its_flag(argv, flag, files, tmp_path, capsys):
    """A size far above anything the course uses is refused by the library's ceiling before any allocation; the
    command line names the flag that set it."""
    argv = [word.format(f=files, o=tmp_path) for word in argv]
    if argv[0] != "sample":
        argv += ["--out", str(tmp_path / "run.pt")]
    assert main(argv) == 2
    assert_one_line_naming(capsys.readouterr().err, flag, argv[0])
    assert not list(tmp_path.iterdir())


def test_train_rescales_to_zero_terminal_snr_for_v_models_only(tmp_path, capsys):
    out = tmp_path / "z.pt"
    assert main(["train", *TINY, "--zero-terminal-snr", "--prediction", "v", "--out", str(out)]) == 0
    model, schedule, payload = load_trained(out, verify=False)
    assert schedule.zero_terminal and float(schedule.alphas_cumprod[-1]) == 0
    assert payload["train_config"]["prediction"] == "v"
    assert main(["train", *TINY, "--zero-terminal-snr", "--out", str(tmp_path / "eps.pt")]) == 2
    assert_one_line_naming(capsys.readouterr().err, "--prediction", "train")
    assert not (tmp_path / "eps.pt").exists()
