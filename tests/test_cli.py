"""The command line: info, train (resumable, recorded), sample, evaluate — on tiny, fast settings."""

import json

import pytest
import torch

from ddpm_lessons import checkpoints
from ddpm_lessons.cli import main, parser


@pytest.fixture
def manifest(tmp_path, monkeypatch):
    """Redirect data/MANIFEST.json to a temporary folder so tests never touch the shipped manifest."""
    path = tmp_path / "MANIFEST.json"
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
    release = tmp_path / "toy_release.pt"
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
    blob = tmp_path / "blob.pt"
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


def test_benchmark_script_has_help(capsys):
    from ddpm_lessons.evaluation.benchmark import BENCHMARKS
    from ddpm_lessons.evaluation.benchmark import main as bench_main

    with pytest.raises(SystemExit) as info:
        bench_main(["--help"])
    assert info.value.code == 0
    assert set(BENCHMARKS) == {
        "train-speed",
        "samplers",
        "photo",
        "glyph90",
        "sample-overhead",
        "seed-overhead",
        "check-lines",
    }
    with pytest.raises(SystemExit):
        bench_main(["--only", "nonsense"])


def test_cli_refuses_inconsistent_options(tmp_path, manifest):
    with pytest.raises(SystemExit, match="--conditional is supported with --model residual-unet"):
        main(
            [
                "train",
                "--data",
                "glyphs",
                "--n-train",
                "20",
                "--model",
                "seed-unet",
                "--conditional",
                "--steps",
                "1",
                "--out",
                str(tmp_path / "x.pt"),
                "--no-progress",
            ]
        )
    with pytest.raises(SystemExit, match="--release .*shipped files live in"):
        main(
            [
                "train",
                "--data",
                "moons",
                "--model",
                "mlp",
                "--steps",
                "1",
                "--out",
                str(tmp_path / "y.pt"),
                "--release",
                str(tmp_path / "elsewhere" / "y.pt"),
                "--no-progress",
            ]
        )
    with pytest.raises(SystemExit, match="--quick is only a smoke check"):
        main(["evaluate", str(tmp_path / "y.pt"), "--quick", "--record"])


def test_exercise_check_reports_a_missing_return(capsys):
    from ddpm_lessons.course.exercises import check_gaussian_kl

    def forgot_return(m1, v1, m2, v2):
        0.5 * (v1 / v2)

    assert not check_gaussian_kl(forgot_return)
    assert "did you forget `return`?" in capsys.readouterr().out
