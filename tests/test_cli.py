"""The command line: info, train (resumable, released), sample, evaluate — on tiny, fast settings; and how it
answers mistakes: a user error is one line naming the flag (exit 2), a bug shows its traceback."""

import importlib
import json
import os
import subprocess
import sys

import pytest
import torch

from ddpm_lessons import InputError, checkpoints
from ddpm_lessons.cli import check_output_file, main, parser

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
    assert "swd:" in text and "swd_data_floor:" in text and "meets_bar:" in text


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
        (["--data", "glyphs", "--n-train", "4", "--model", "seed-unet", "--time-dim", "3"], "(--time-dim)"),
        (
            ["--data", "glyphs", "--n-train", "4", "--model", "residual-unet", "--base-channels", "12"],
            "(--base-channels)",
        ),
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
    with pytest.raises(SystemExit) as info:
        main(command)
    assert info.value.code == 2 and words in capsys.readouterr().err


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
    with pytest.raises(SystemExit) as stopped:
        main(["train", *small, "--recipe", "digits", "--steps", "1", "--out", str(tmp_path / "t.pt")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.replace("'", "")
    assert "--recipe: invalid choice: digits (choose from digits-fast, glyph-ddpm, photo-ddpm, moons-ddpm)" in err
