"""The wiring measurement (lesson 05): it runs, is deterministic, and the committed record is what it claims."""

import json

import pytest
import torch

from ddpm_lessons.checkpoints import DATA_DIR, MANIFEST
from ddpm_lessons.evaluation import wiring
from ddpm_lessons.unet import DiagramWiredUNet, DiffusionUNet

TINY = {"seeds": (3,), "steps": 4, "every": 2, "image_size": 16, "channels": (4, 8, 16), "samples": 2, "timesteps": 40}


def test_a_tiny_measurement_is_deterministic_and_independent_of_the_workers():
    one = wiring.measure(**TINY)
    assert [(run["wiring"], run["seed"]) for run in one] == [("article", 3), ("diagram", 3)]
    assert [len(run["eps_mse"]) for run in one] == [2, 2] and one[0]["eps_mse"][-1]["step"] == 4
    assert one[0]["parameters"] - one[1]["parameters"] == 9 * 16 * 8 - 3 * 4
    for run in one:
        for point in run["eps_mse"]:
            assert set(point) == {"step", "all", "t0-4", "t4-20", "t20-40"}  # [0, 100) … scaled to T = 40
        assert len(run["psnr_db"]) == 2 and run["meets_bar"] is False  # 4 steps cannot reach 25 dB
    threads = torch.get_num_threads()
    again = wiring.measure(**TINY, workers=2)
    assert torch.get_num_threads() == threads, "measuring in this process leaves its thread count as it was"
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]


def test_training_in_chunks_equals_one_long_run():
    chunked = wiring.measure_one("diagram", 5, 6, 2, 16, (4, 8, 16), 2, 40)
    whole = wiring.measure_one("diagram", 5, 6, 6, 16, (4, 8, 16), 2, 40)
    assert chunked["eps_mse"][-1] == whole["eps_mse"][-1] and chunked["psnr_db"] == whole["psnr_db"]
    assert [point["step"] for point in chunked["eps_mse"]] == [2, 4, 6]


def test_the_eps_mse_is_the_mean_over_the_fixed_evaluation_set():
    photo = torch.zeros(3, 8, 8)
    schedule = wiring.DiffusionSchedule.linear(40)
    x_t, t, eps = wiring.evaluation_set(photo, schedule)
    assert len(t) == 40 * 8 and torch.equal(t[:9], torch.tensor([0] * 8 + [1]))

    class PredictsZero(torch.nn.Module):
        def forward(self, x, s):
            return torch.zeros_like(x)

    result = wiring.eps_mse_by_range(PredictsZero(), x_t, t, eps, 40)
    assert result["all"] == pytest.approx(eps.pow(2).mean().item(), abs=1e-5)  # predicting 0 costs E[eps^2]
    assert result["t0-4"] == pytest.approx(eps[t < 4].pow(2).mean().item(), abs=1e-5)


def test_the_command_line_writes_its_record_and_refuses_bad_arguments(tmp_path, capsys):
    out = tmp_path / "record.json"
    assert (
        wiring.main(
            [
                "--seeds",
                "1",
                "--steps",
                "2",
                "--every",
                "2",
                "--image-size",
                "8",
                "--channels",
                "4,8",
                "--samples",
                "1",
                "--timesteps",
                "40",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    record = json.loads(out.read_text())
    assert record["command"].endswith("--out " + str(out)) and len(record["runs"]) == 2
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        wiring.measure(**{**TINY, "steps": 0})
    with pytest.raises(ValueError, match="timesteps must be at least 40, so that every t-range holds"):
        wiring.measure(**{**TINY, "timesteps": 5})
    with pytest.raises(ValueError, match="wirings must name some of"):
        wiring.measure(**TINY, wirings=("article", "diagonal"))
    with pytest.raises(SystemExit):
        wiring.main(["--channels", "4,x"])
    assert "--channels must be comma-separated integers" in capsys.readouterr().err


def test_the_committed_record_used_the_shipped_photo_recipe():
    record = json.loads((DATA_DIR / "unet_wiring.json").read_text())
    shipped = json.loads(MANIFEST.read_text())["photo_ddpm.pt"]
    recipe = record["recipe"]

    def flag(name):
        return shipped["command"].split(name + " ")[1].split()[0]

    assert flag("--channels") == ",".join(map(str, recipe["channels"]))
    for name, key in (
        ("--image-size", "image_size"),
        ("--steps", "steps"),
        ("--batch-size", "batch_size"),
        ("--lr", "lr"),
        ("--ema-decay", "ema_decay"),
    ):
        assert float(flag(name)) == recipe[key], name
    seeds = sorted({run["seed"] for run in record["runs"]})
    assert len(seeds) >= 3
    assert sorted((run["seed"], run["wiring"]) for run in record["runs"]) == [
        (seed, name) for seed in seeds for name in ("article", "diagram")
    ]
    channels = tuple(recipe["channels"])
    sizes = {
        "article": sum(p.numel() for p in DiffusionUNet(channel_sequence=channels).parameters()),
        "diagram": sum(p.numel() for p in DiagramWiredUNet(channel_sequence=channels).parameters()),
    }
    for run in record["runs"]:
        assert run["parameters"] == sizes[run["wiring"]]
        assert run["eps_mse"][-1]["step"] == recipe["steps"] and len(run["psnr_db"]) == recipe["samples"]
    # the article's seed-0 run has the shipped checkpoint's recipe, seed and steps (resuming in chunks is exact): same samples
    article0 = next(run for run in record["runs"] if run["wiring"] == "article" and run["seed"] == 0)
    assert sum(article0["psnr_db"]) / len(article0["psnr_db"]) == pytest.approx(
        shipped["metrics"]["psnr_db_mean"], abs=0.02
    )


def test_the_single_read_record_is_the_same_experiment_with_the_third_wiring():
    main = json.loads((DATA_DIR / "unet_wiring.json").read_text())
    third = json.loads((DATA_DIR / "unet_wiring_single_read.json").read_text())
    assert third["recipe"] == main["recipe"] and third["torch"] == main["torch"]
    assert sorted(run["seed"] for run in third["runs"]) == sorted({run["seed"] for run in main["runs"]})
    size = sum(
        p.numel()
        for p in wiring.WIRINGS["single-read"](channel_sequence=tuple(third["recipe"]["channels"])).parameters()
    )
    assert {(run["wiring"], run["parameters"]) for run in third["runs"]} == {("single-read", size)}
    assert "--wirings single-read" in third["command"]


def test_the_measurements_sizes_have_a_ceiling(monkeypatch):
    from ddpm_lessons.evaluation import wiring
    from ddpm_lessons.validation import InputError

    monkeypatch.setattr(wiring, "measure_one", lambda *a: pytest.fail("a run started"))
    for option, words in (
        ({"image_size": 30_000}, "MAX_IMAGE_SIZE"),
        ({"samples": 10**9}, "MAX_BATCH"),
        ({"timesteps": 10**9}, "MAX_T"),
    ):
        with pytest.raises(InputError, match=words) as info:
            wiring.measure(seeds=(0,), **option)
        assert info.value.parameter == next(iter(option))
