"""Checkpoints (ddpm_lessons.checkpoints, and load_trained on top of it): integrity (sha256 sidecars and the
manifest), weights-only loading, atomic saves that a kill cannot tear apart, the run lock."""

import os

import pytest
import torch
from tiny_runs import run

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.checkpoints import (
    CheckpointError,
    RunLockedError,
    exclusive_run,
    load_checkpoint,
    save_checkpoint,
    sha256_file,
)
from ddpm_lessons.models import MLPDenoiser
from ddpm_lessons.train import load_trained, train


def test_checkpoint_integrity_errors(tmp_path):
    state = run(tmp_path, 3, name="good.pt")
    path = tmp_path / "good.pt"
    digest = sha256_file(path)
    model, schedule, payload = load_trained(path, expected_sha256=digest)
    assert payload["step"] == state.step and len(schedule) == 50
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:200])
    before = truncated.read_bytes()
    with pytest.raises(CheckpointError, match="truncated.pt has no checksum to verify"):
        load_trained(truncated)
    with pytest.warns(UserWarning, match="without verifying"):
        with pytest.raises(CheckpointError, match="truncated.pt could not be read safely"):
            load_trained(truncated, verify=False)
    assert truncated.read_bytes() == before, "a failed load changes nothing on disk"
    with pytest.raises(CheckpointError, match="good.pt fails its sha256 check"):
        load_checkpoint(path, expected_sha256="0" * 64)
    corrupted = tmp_path / "corrupted.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    corrupted.write_bytes(bytes(data))
    (tmp_path / "corrupted.pt.sha256").write_text(f"{digest}  corrupted.pt\n")
    with pytest.raises(CheckpointError, match="corrupted.pt fails its sha256 check"):
        load_trained(corrupted)
    payload = load_checkpoint(path)
    payload["model_config"]["base_channels"] = 16
    save_checkpoint(tmp_path / "mismatch.pt", payload)
    with pytest.raises(CheckpointError, match="mismatch.pt does not match its model configuration"):
        load_trained(tmp_path / "mismatch.pt")


def test_loading_refuses_arbitrary_objects(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("unpickled!",))

    path = tmp_path / "evil.pt"
    torch.save({"kind": "ddpm", "x": Evil()}, path)
    with pytest.raises(CheckpointError, match="evil.pt has no checksum to verify"):
        load_checkpoint(path)
    with pytest.warns(UserWarning, match="without verifying"), pytest.raises(CheckpointError, match="read safely"):
        load_checkpoint(path, verify=False)


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.pt"
    save_checkpoint(target, {"a": torch.zeros(2)})
    before = target.read_bytes()

    def broken_save(obj, f):
        with open(f, "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(target, {"a": torch.ones(2)})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pt", "out.pt.sha256"], "the temporary file is removed"


def test_malformed_sidecar_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "m.pt"
    save_checkpoint(path, {"a": torch.zeros(1)})
    (tmp_path / "m.pt.sha256").write_text("")
    with pytest.raises(CheckpointError, match="m.pt.sha256 is malformed"):
        load_checkpoint(path)


def test_every_load_is_verified(tmp_path, data_folder, monkeypatch):
    from ddpm_lessons import checkpoints
    from ddpm_lessons.checkpoints import sidecar

    path = tmp_path / "run.pt"
    save_checkpoint(path, {"kind": "test", "w": torch.ones(2)})
    digest = sha256_file(path)
    assert load_checkpoint(path, expected_sha256=digest.upper())["kind"] == "test"  # case does not matter
    link = tmp_path / "link.pt"
    link.symlink_to(path)
    assert load_checkpoint(link)["kind"] == "test"  # the target's sidecar is the one checked
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(CheckpointError, match="link.pt fails its sha256 check"):
        load_checkpoint(link)
    sidecar(path).unlink()
    with pytest.raises(CheckpointError, match="run.pt has no checksum to verify"):
        load_checkpoint(path)
    sidecar(path).mkdir()
    with pytest.raises(CheckpointError, match="is not a file"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="is a directory, not a checkpoint file"):
        load_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_checkpoint("/dev/zero")

    # A shipped file is checked against the manifest, whatever its sidecar says: deleting the sidecar or writing
    # another model there with a fresh sidecar does not get past it.
    monkeypatch.setattr(checkpoints, "MANIFEST", data_folder / "MANIFEST.json")
    shipped = data_folder / "moons_ddpm.pt"
    assert load_checkpoint(shipped)["kind"] == "other"
    sidecar(shipped).unlink()
    assert load_checkpoint(shipped)["kind"] == "other"
    save_checkpoint(shipped, {"kind": "ddpm", "w": torch.zeros(2)})
    with pytest.raises(CheckpointError, match="moons_ddpm.pt fails its sha256 check against MANIFEST.json"):
        load_checkpoint(shipped)


@pytest.mark.parametrize("killed_at, step_on_disk", [(1, 1), (2, 1), (3, 2)])
def test_a_killed_save_never_separates_a_checkpoint_from_its_digest(tmp_path, monkeypatch, killed_at, step_on_disk):
    """save_checkpoint makes three renames (sidecar with both digests, checkpoint, sidecar with the new digest):
    interrupted at any of them, the checkpoint on disk, old or new, still verifies."""
    path = tmp_path / "run.pt"
    save_checkpoint(path, {"step": 1})
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == killed_at:
            raise KeyboardInterrupt  # as a SIGINT at that moment would
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, {"step": 2})
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == step_on_disk


def test_the_lock_is_released_and_stale_temporaries_are_removed(tmp_path):
    out = tmp_path / "run.pt"
    stale = tmp_path / ".run.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.pt.abc123.tmp"
    other.write_bytes(b"another file's write")
    with exclusive_run(out):
        assert not stale.exists() and other.exists()
        with pytest.raises(RunLockedError, match="another run is writing"):
            with exclusive_run(out):
                pass
    with exclusive_run(out):  # released when the first run ended
        pass


def test_a_checkpoints_config_is_sized_before_anything_is_allocated(tmp_path):

    torch.manual_seed(0)
    state = train(
        MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20),
        torch.randn(32, 2),
        schedule=DiffusionSchedule.linear(20),
        steps=1,
        batch_size=8,
        progress=False,
        checkpoint_path=tmp_path / "run.pt",
    )
    payload = load_checkpoint(tmp_path / "run.pt")
    payload["model_config"]["hidden"] = 200_000  # 160 GB of weights for a file of a few KB: above MAX_WIDTH
    save_checkpoint(tmp_path / "huge.pt", payload)
    with pytest.raises(CheckpointError, match=r"huge.pt cannot be used: hidden must be an integer <= 16,384"):
        load_trained(tmp_path / "huge.pt")
    payload["model_config"]["hidden"] = 4096  # within the ceilings, but 33 M parameters the file does not hold
    save_checkpoint(tmp_path / "huge.pt", payload)
    with pytest.raises(
        CheckpointError,
        match=r"huge.pt does not match its model configuration: the configuration asks for [\d,]+ parameters",
    ):
        load_trained(tmp_path / "huge.pt")
    payload = load_checkpoint(tmp_path / "run.pt")
    next(iter(payload["ema"].values())).fill_(float("nan"))
    save_checkpoint(tmp_path / "nan.pt", payload)
    with pytest.raises(CheckpointError, match="nan.pt holds NaN or infinite weights"):
        load_trained(tmp_path / "nan.pt")
    assert state.step == 1


# ----------------------------------------------------------------------- issue 25: load what you verified, bounded
def test_the_loaded_bytes_are_the_hashed_bytes_read_once(tmp_path, monkeypatch):
    import builtins
    import io

    from ddpm_lessons import checkpoints

    path = tmp_path / "run.pt"
    save_checkpoint(path, {"w": torch.arange(5.0)})
    opened, loaded, real_open, real_load = [], [], builtins.open, torch.load

    def counting_open(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    def recording_load(source, *args, **kwargs):
        assert isinstance(source, io.BytesIO) and kwargs["weights_only"] is True
        loaded.append(source.getvalue())
        return real_load(source, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(checkpoints.torch, "load", recording_load)
    assert torch.equal(load_checkpoint(path)["w"], torch.arange(5.0))
    assert opened.count(str(path)) == 1, opened  # never reopened between the hash and the load
    assert loaded == [path.read_bytes()] and sha256_file(path) in path.with_name("run.pt.sha256").read_text()


def test_a_file_swapped_during_loads_never_loads_unverified_bytes(tmp_path):
    import threading
    import time

    path, good, evil = tmp_path / "run.pt", tmp_path / "good.bin", tmp_path / "evil.bin"
    save_checkpoint(path, {"who": torch.tensor(1)})
    good.write_bytes(path.read_bytes())
    torch.save({"who": torch.tensor(2)}, evil)  # a valid checkpoint whose digest is not in the sidecar
    stop, loads, refused = threading.Event(), [], []

    def swap():
        while not stop.is_set():
            for source in (evil, good):
                tmp = tmp_path / "swap.tmp"
                tmp.write_bytes(source.read_bytes())
                os.replace(tmp, path)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                loads.append(int(load_checkpoint(path)["who"]))
            except CheckpointError as error:
                assert "fails its sha256 check" in str(error)
                refused.append(error)
    finally:
        stop.set()
        swapper.join()
    assert loads and set(loads) == {1}, "only the verified content is ever returned"
    assert refused, "the swap was seen (and refused) at least once"


def test_the_sidecar_is_bounded_in_size_and_digests(tmp_path):
    path = tmp_path / "run.pt"
    save_checkpoint(path, {"w": torch.zeros(2)})
    side = tmp_path / "run.pt.sha256"
    digest = sha256_file(path)
    side.write_text(f"{digest}  run.pt\n" + "x" * 5000)
    with pytest.raises(CheckpointError, match="run.pt.sha256 is larger than 4096 bytes"):
        load_checkpoint(path)
    side.write_text("".join(f"{'0' * 63}{i}  run.pt\n" for i in range(8)) + f"{digest}  run.pt\n")
    with pytest.raises(CheckpointError, match="lists 9 digests"):
        load_checkpoint(path)
    side.write_text(f"{digest}  run.pt\n{'0' * 64}  run.pt\n")  # two digests: a save's swap in progress
    assert load_checkpoint(path)["w"].shape == (2,)


def test_the_manifest_read_is_bounded_and_checked(tmp_path):
    from ddpm_lessons.checkpoints import read_manifest

    manifest = tmp_path / "MANIFEST.json"
    manifest.write_text('{"a.pt": {"sha256": "' + "0" * (1 << 20) + '"}}')
    with pytest.raises(CheckpointError, match="MANIFEST.json is larger than 1,048,576 bytes"):
        read_manifest(manifest)
    manifest.write_text("[1, 2]")
    with pytest.raises(CheckpointError, match="does not hold an object"):
        read_manifest(manifest)
    manifest.write_text("{not json")
    with pytest.raises(CheckpointError, match="is not valid JSON"):
        read_manifest(manifest)
    manifest.write_text('{"run.pt": {"bytes": 3}}')  # an entry without its sha256
    (tmp_path / "run.pt").write_bytes(b"abc")
    with pytest.raises(CheckpointError, match="lists run.pt without a sha256"):
        load_checkpoint(tmp_path / "run.pt", manifest=manifest)


def test_an_archive_that_unpacks_beyond_the_ceiling_is_refused_before_torch_load(tmp_path, monkeypatch):
    import zipfile

    from ddpm_lessons import checkpoints

    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/data.pkl", b"\0" * (64 << 20))  # 64 MiB of zeros deflate to ~64 KB
    assert bomb.stat().st_size < 200_000
    assert checkpoints.MAX_UNPACKED_BYTES >= 100 * (5 << 20)  # shipped files unpack to < 5 MB: ample headroom
    monkeypatch.setattr(checkpoints, "MAX_UNPACKED_BYTES", 32 << 20)  # the 2 GiB ceiling, scaled down for the test
    monkeypatch.setattr(checkpoints.torch, "load", lambda *a, **k: pytest.fail("torch.load reached"))
    with pytest.warns(UserWarning, match="without verifying"):
        with pytest.raises(CheckpointError, match=r"bomb.pt would unpack to 67,108,864 bytes \(limit 33,554,432\)"):
            load_checkpoint(bomb, verify=False)


def test_a_malicious_pickle_is_called_unsafe_without_torchs_advice(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned > " + str(tmp_path / "owned"),))

    path = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, path)
    (tmp_path / "evil.pt.sha256").write_text(f"{sha256_file(path)}  evil.pt\n")
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(path)
    message = str(refused.value)
    assert "evil.pt may be unsafe" in message and "GLOBAL" in message
    assert "weights_only" not in message and "\n" not in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert not (tmp_path / "owned").exists()


def test_the_lock_file_is_removed_on_exit_and_a_dead_holders_lock_is_taken_over(tmp_path, capsys):
    out = tmp_path / "run.pt"
    lock = tmp_path / "run.pt.lock"
    with exclusive_run(out):
        assert lock.read_text().startswith(f"pid {os.getpid()} ")
    assert not lock.exists()
    with pytest.raises(RuntimeError), exclusive_run(out):
        raise RuntimeError("the run failed")
    assert not lock.exists()
    lock.write_text("pid 999999999 on elsewhere, started 2026-01-01 00:00:00\n")  # a killed run's file
    with exclusive_run(out):
        assert lock.read_text().startswith(f"pid {os.getpid()} ")
    note = capsys.readouterr().err
    assert "took over the lock" in note and "pid 999999999" in note
    assert not lock.exists()


def test_a_lock_removed_while_a_second_run_opened_it_is_not_shared(tmp_path, monkeypatch):
    """The holder removes its lock file on exit; a run that opened the old file must not think it holds the lock."""
    from ddpm_lessons import checkpoints

    out = tmp_path / "run.pt"
    lock = tmp_path / "run.pt.lock"
    real_open, swapped = open, []

    def open_then_replace(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        if os.fspath(file) == str(lock) and not swapped:
            swapped.append(True)
            os.unlink(lock)  # as the previous holder's exit would, after this run opened the file
        return handle

    monkeypatch.setattr("builtins.open", open_then_replace)
    with checkpoints.exclusive_run(out):
        assert swapped and lock.exists()
        assert os.stat(lock).st_ino  # this run holds the file that is at the path now
    assert not lock.exists()


def test_a_small_checkpoint_is_read_without_reserving_the_size_limit(tmp_path, monkeypatch):
    import tracemalloc

    from ddpm_lessons import checkpoints

    save_checkpoint(tmp_path / "small.pt", {"x": torch.zeros(10)})
    tracemalloc.start()
    try:
        load_checkpoint(tmp_path / "small.pt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"reading a {(tmp_path / 'small.pt').stat().st_size}-byte file reserved {peak:,} bytes"
    monkeypatch.setattr(checkpoints, "MAX_CHECKPOINT_BYTES", 1000)  # the 1 GiB limit, scaled down
    save_checkpoint(tmp_path / "large.pt", {"x": torch.zeros(1000)})
    with pytest.raises(CheckpointError, match="large.pt is larger than 1,000 bytes; refusing to load it"):
        load_checkpoint(tmp_path / "large.pt")


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"data_info": {"path": __import__("pathlib").Path("x")}}, r"payload\['data_info'\]\['path'\] is a pathlib"),
        ({"n": __import__("numpy").float64(1.0)}, r"payload\['n'\] is a numpy.float64"),
        ({"model": MLPDenoiser(hidden=4, num_layers=1)}, r"payload\['model'\] is a ddpm_lessons.models.MLPDenoiser"),
        ({"xs": [1, {"a": __import__("numpy").zeros(2)}]}, r"payload\['xs'\]\[1\]\['a'\] is a numpy.ndarray"),
    ],
)
def test_payloads_a_weights_only_load_refuses_are_refused_at_save_time_before_a_byte_is_written(
    tmp_path, payload, where
):
    from ddpm_lessons import InputError

    path = tmp_path / "run.pt"
    with pytest.raises(InputError, match=where):
        save_checkpoint(path, payload)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file or a sidecar


def test_everything_save_checkpoint_accepts_loads_back_with_weights_only(tmp_path):
    import collections

    payload = {
        "t": torch.zeros(2),
        "p": torch.nn.Parameter(torch.ones(1)),
        "od": collections.OrderedDict(a=1),
        "scalars": [1, 2.5, "s", None, True, b"b", 1j, 2**80],
        "torch": (torch.float64, torch.Size([2]), torch.device("cpu")),
        "set": {1, 2},
    }
    save_checkpoint(tmp_path / "ok.pt", payload)
    loaded = load_checkpoint(tmp_path / "ok.pt")
    assert loaded["scalars"] == payload["scalars"] and loaded["torch"] == payload["torch"]


def test_save_checkpoint_refuses_a_folder_as_the_path(tmp_path):
    from ddpm_lessons import InputError

    with pytest.raises(InputError, match="is a folder"):
        save_checkpoint(tmp_path, {"a": 1})
