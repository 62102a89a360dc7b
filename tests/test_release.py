"""Publishing a run as a shipped file: ddpm_lessons.release (the release copy, its manifest entry, the refusals)."""

import json

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, InputError, checkpoints, release, train
from ddpm_lessons.models import MLPDenoiser


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """A stand-in for data/ with one shipped file listed in its own MANIFEST.json."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(checkpoints, "MANIFEST", folder / "MANIFEST.json")
    shipped = folder / "shipped.pt"
    checkpoints.save_checkpoint(shipped, {"kind": "other", "weights": torch.zeros(3)})
    checkpoints.record_in_manifest(shipped, {"command": "the original command"}, folder / "MANIFEST.json")
    return folder


def manifest(folder) -> dict:
    return json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))


def test_shipped_entry_and_the_data_folder(data_folder, tmp_path):
    assert release.data_folder() == data_folder.resolve()
    assert release.shipped_entry(data_folder / "shipped.pt")["command"] == "the original command"
    assert release.shipped_entry(data_folder / "subdir" / ".." / "shipped.pt") is not None, "resolved first"
    assert release.shipped_entry(data_folder / "other.pt") is None
    assert release.shipped_entry(tmp_path / "shipped.pt") is None, "the same name elsewhere is not shipped"


def test_targets_outside_the_data_folder_or_over_a_shipped_file_are_refused(data_folder, tmp_path, capsys):
    with pytest.raises(InputError, match=r"^--release .*: shipped files live in"):
        release.check_in_data_folder(tmp_path / "x.pt", "--release")
    release.check_in_data_folder(data_folder / "new.pt", "--release")
    release.check_release_target(data_folder / "new.pt", "--release", replace_shipped=False)  # not listed: fine
    with pytest.raises(InputError, match=r"would replace the shipped shipped\.pt .*made by: the original command.*"):
        release.check_release_target(data_folder / "shipped.pt", "--release", replace_shipped=False)
    release.check_release_target(data_folder / "shipped.pt", "--release", replace_shipped=True)
    assert "replacing the shipped shipped.pt" in capsys.readouterr().err, "it says what it replaces"


def test_run_record_holds_the_command_and_where_it_ran():
    record = release.run_record(["train", "--data", "a b"], seed=3, steps=20, wall_time_s=1.26, data={"name": "x"})
    assert record["command"] == "python -m ddpm_lessons train --data 'a b'", "quoted: it can be pasted back"
    assert (record["seed"], record["steps"], record["wall_time_s"], record["data"]) == (3, 20, 1.3, {"name": "x"})
    assert record["torch"] == torch.__version__ and record["hardware"]
    assert "data" not in release.run_record([], seed=0, steps=1, wall_time_s=0.0)


def test_publish_release_writes_the_slim_copy_and_its_entry(data_folder, tmp_path):
    run = tmp_path / "run.pt"
    train(
        MLPDenoiser(num_timesteps=10, hidden=8, num_layers=1),
        torch.randn(32, 2),
        schedule=DiffusionSchedule.linear(10),
        steps=2,
        batch_size=8,
        checkpoint_path=run,
        progress=False,
    )
    target = data_folder / "toy.pt"
    entry = release.publish_release(run, target, {"command": "python -m ddpm_lessons train …", "steps": 2})
    assert manifest(data_folder)["toy.pt"] == entry and entry["steps"] == 2
    assert entry["sha256"] == checkpoints.sha256_file(target) and entry["bytes"] == target.stat().st_size
    assert checkpoints.sidecar(target).is_file(), "the copy has its digest beside it"
    slim = checkpoints.load_checkpoint(target)
    assert "optimizer" not in slim and "model" not in slim and slim["step"] == 2
    assert manifest(data_folder)["shipped.pt"]["command"] == "the original command", "other entries are kept"


def test_record_metrics_keeps_the_entry_and_adds_the_numbers(data_folder):
    entry = release.record_metrics(data_folder / "shipped.pt", {"swd": 0.1, "meets_bar": True})
    assert entry["command"] == "the original command" and entry["metrics"] == {"swd": 0.1, "meets_bar": True}
    assert manifest(data_folder)["shipped.pt"] == entry


@pytest.mark.parametrize("name", ["MANIFEST.json", "README.md", "unet_wiring.json", "shipped.pt.sha256", "x.pt.lock"])
def test_a_release_target_is_a_checkpoint_never_the_folders_other_files(data_folder, name):
    target = data_folder / name
    if name != "shipped.pt.sha256" and name != "MANIFEST.json":
        target.write_text("{}\n")
    for replace_shipped in (False, True):
        with pytest.raises(InputError, match=r"^--release .*: a release writes a checkpoint file \(\*\.pt\)"):
            release.check_release_target(target, "--release", replace_shipped=replace_shipped)


def test_a_release_replaces_only_listed_checkpoints(data_folder):
    unlisted = data_folder / "mine.pt"
    unlisted.write_bytes(b"not listed")
    with pytest.raises(InputError, match="exists but is not listed in MANIFEST.json"):
        release.check_release_target(unlisted, "--release", replace_shipped=True)
    (data_folder / "folder.pt").mkdir()
    with pytest.raises(InputError, match="a release writes a checkpoint file"):
        release.check_release_target(data_folder / "folder.pt", "--release", replace_shipped=True)


def test_shipped_folders_include_the_checkouts_data_when_the_manifest_is_elsewhere(data_folder, tmp_path):
    assert release.shipped_folder_of(data_folder / "deep" / "x.pt") == data_folder.resolve()
    assert release.shipped_folder_of(tmp_path / "x.pt") is None
    beside = checkpoints.Path(checkpoints.__file__).resolve().parent.parent / "data"
    if (beside / "MANIFEST.json").is_file():
        assert release.shipped_folder_of(beside / "moons_ddpm.pt") == beside.resolve()


def test_a_manifest_record_holds_the_manifests_lock_and_removes_it(data_folder):
    from ddpm_lessons.checkpoints import RunLockedError

    lock = data_folder / "MANIFEST.json.lock"
    with checkpoints.exclusive_run(data_folder / "MANIFEST.json"):
        with pytest.raises(RunLockedError, match="another run is writing"):
            release.record_run(data_folder / "shipped.pt", {"command": "a second writer"})
    assert manifest(data_folder)["shipped.pt"]["command"] == "the original command"
    release.record_run(data_folder / "shipped.pt", {"command": "now"})
    assert manifest(data_folder)["shipped.pt"]["command"] == "now" and not lock.exists()
