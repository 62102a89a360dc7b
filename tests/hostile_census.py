"""The hostile census of issue 25: the families of hostile cases that run quickly, counted by outcome.

Run it against whatever ``ddpm_lessons`` is first on ``PYTHONPATH`` (not collected by pytest: no ``test_`` name)::

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python tests/hostile_census.py                 # this checkout
    PYTHONPATH=/work/before OMP_NUM_THREADS=1 python tests/hostile_census.py --repo /work/before   # an old one

Families: ``api`` (bad arguments to the public functions: NaN/inf, fractions, complex-making levels, wrong types,
impossible sizes, save-time payloads), ``files`` (crafted files × the loaders), ``cli`` (``python -m ddpm_lessons``
mistakes, as subprocesses, with files that must survive), ``course`` (``course.py`` mistakes in a scratch copy of
the course, with a stand-in environment so nothing is installed). Each case is classified as

- **clear**: refused with an error that names the parameter (API), the file (loaders) or the flag (CLI, one
  ``error:`` line, exit 2);
- **obscure**: refused, but the message names none of them, or another exception type leaks out;
- **silent**: accepted (for the API: also a result that is NaN, inf or complex);
- **traceback**: a command printed a Python traceback;
- **hang**: no answer within the time limit;
- **lost**: a file that must survive was changed or removed (or code ran from a file);
- **n/a**: the case's function or flag does not exist in this version.

Cases that refer to a function the old package lacks are counted as n/a, so the same script measures before and
after. Total time: a few minutes on one thread.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import importlib
import io
import math
import os
import pathlib
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import numpy as np
import torch

OUTCOMES = ("clear", "obscure", "silent", "traceback", "hang", "lost", "n/a")
API_TIMEOUT_S = 20
CLI_TIMEOUT_S = 60


class Missing(Exception):
    """The case's function does not exist in the package under test."""


class Timeout(Exception):
    pass


def find(dotted: str):
    """``ddpm_lessons.x.y`` resolved in the package under test (an attribute first: ``ddpm_lessons.train`` is the
    function, not the module), or :class:`Missing`."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, name in enumerate(parts[1:], start=1):
        if hasattr(obj, name):
            obj = getattr(obj, name)
            continue
        try:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        except ImportError as error:
            raise Missing(dotted) from error
    return obj


@contextlib.contextmanager
def time_limit(seconds: int):
    def alarm(signum, frame):
        raise Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def names(message: str, word: str) -> bool:
    return word.lower() in message.lower() or word.replace("_", " ").lower() in message.lower()


def bad_result(value) -> bool:
    """A result that is NaN, inf or complex anywhere (what an accepted bad argument often leaves behind)."""
    if isinstance(value, complex):
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, torch.Tensor):
        return value.is_complex() or (value.is_floating_point() and not bool(torch.isfinite(value).all()))
    if isinstance(value, (tuple, list)):
        return any(bad_result(v) for v in value)
    if isinstance(value, dict):
        return any(bad_result(v) for v in value.values())
    return False


LAST = {"message": ""}  # the last case's error, for --verbose


def classify_call(call, word: str) -> str:
    LAST["message"] = ""
    try:
        with time_limit(API_TIMEOUT_S):
            call()
    except Missing:
        return "n/a"
    except Timeout:
        return "hang"
    except (ValueError, TypeError, OSError) as error:
        LAST["message"] = f"{type(error).__name__}: {error}"
        return "clear" if names(str(error), word) else "obscure"
    except Exception as error:
        LAST["message"] = f"{type(error).__name__}: {error}"
        clear_type = type(error).__name__ in ("CheckpointError", "InputError", "RunLockedError")
        return "clear" if clear_type and names(str(error), word) else "obscure"
    return "silent"


# ----------------------------------------------------------------------------------------------------- the API


def fixtures():
    torch.manual_seed(0)
    mlp = find("ddpm_lessons.MLPDenoiser")
    schedule = find("ddpm_lessons.DiffusionSchedule").linear(50, beta_start=1e-3, beta_end=0.2)
    model = mlp(hidden=8, num_layers=1, num_timesteps=50).eval()
    return schedule, model


class NaNModel(torch.nn.Module):
    """An ε-model whose output is NaN from step t < 25 on (a diverged network)."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.eval()

    def forward(self, x, t, *labels):
        return torch.where((t < 25)[:, None], torch.full_like(x, math.nan), torch.zeros_like(x))


def api_cases(tmp: pathlib.Path):
    """(label, parameter the error must name, call) for every bad argument of the census."""
    D = "ddpm_lessons"
    schedule, model = fixtures()
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    nan_x = x.clone()
    nan_x[0, 0] = math.nan
    inf_x = x.clone()
    inf_x[1, 1] = math.inf
    images = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(2)) * 2 - 1
    nan_images = images.clone()
    nan_images[0, 0, 0, 0] = math.nan
    t = torch.tensor([0, 5, 9, 49])

    def f(name):
        return find(f"{D}.{name}")

    def q_sample(**k):
        a = {"schedule": schedule, "x0": x, "t": t, "noise": x} | k
        return f("q_sample")(a["schedule"], a["x0"], a["t"], a["noise"])

    def fds(**k):
        a = {"x_0": x, "t": t} | k
        return f("forward_diffusion_sample")(
            a["x_0"], a["t"], schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod
        )

    def sample(**k):
        a = {"model": model, "shape": (3, 2), "method": "ddim", "steps": 3, "seed": 0} | k
        m, shape = a.pop("model"), a.pop("shape")
        return f("sample")(m, schedule, shape, progress=False, **a)

    def train(data=x, **k):
        fresh = find(f"{D}.MLPDenoiser")(hidden=8, num_layers=1, num_timesteps=50)
        return f("train")(fresh, data, steps=k.pop("steps", 1), schedule=schedule, progress=False, **k)

    def save(payload, name="c.pt"):
        return f("save_checkpoint")(tmp / name, payload)

    nan, inf = math.nan, math.inf
    cases = [
        # NaN / inf inputs and NaN model outputs: refused where the result would be NaN
        ("q_sample x0 NaN", "x0", lambda: q_sample(x0=nan_x)),
        ("q_sample x0 inf", "x0", lambda: q_sample(x0=inf_x)),
        ("q_sample noise NaN", "noise", lambda: q_sample(noise=nan_x)),
        ("forward_diffusion_sample x_0 NaN", "x_0", lambda: fds(x_0=nan_x)),
        ("forward_diffusion_sample x_0 inf", "x_0", lambda: fds(x_0=inf_x)),
        ("simple_loss eps NaN", "eps", lambda: f("simple_loss")(nan_x, x)),
        ("simple_loss eps_pred inf", "eps_pred", lambda: f("simple_loss")(x, inf_x)),
        ("mean_flat x NaN", "x", lambda: f("mean_flat")(nan_x)),
        ("normal_kl mean1 NaN", "mean1", lambda: f("normal_kl")(nan_x, x, x, x)),
        ("normal_kl logvar2 -inf", "logvar2", lambda: f("normal_kl")(x, x, x, x - inf)),
        ("weighted_eps_mse eps_pred NaN", "eps_pred", lambda: f("weighted_eps_mse")(schedule, 5, x, nan_x)),
        ("prior_kl_bpd x0 NaN", "x0", lambda: f("prior_kl_bpd")(schedule, nan_x)),
        ("vb_term_bpd eps NaN", "eps", lambda: f("vb_term_bpd")(schedule, x, x, 5, nan_x)),
        (
            "discretized_gaussian_log_likelihood means NaN",
            "means",
            lambda: f("discretized_gaussian_log_likelihood")(-torch.ones_like(images), nan_images, torch.zeros(1)),
        ),
        ("psnr x NaN", "x", lambda: f("evaluation.psnr")(nan_images, images)),
        ("psnr reference NaN", "reference", lambda: f("evaluation.psnr")(images, nan_images)),
        ("sliced_wasserstein a NaN", "a", lambda: f("evaluation.sliced_wasserstein")(nan_x, x)),
        ("reverse_step eps NaN", "eps", lambda: f("process.reverse_step")(schedule, x, 10, nan_x, noise=x)),
        ("ddim_step eps inf", "eps", lambda: f("ddim_step")(schedule, x, 20, 10, inf_x)),
        ("predict_x0_from_eps eps NaN", "eps", lambda: f("predict_x0_from_eps")(schedule, x, 7, nan_x)),
        ("p_mean_variance x_t NaN", "x_t", lambda: f("p_mean_variance")(schedule, nan_x, 3, x)),
        ("guided_eps eps_cond NaN", "eps_cond", lambda: f("guided_eps")(nan_x, x, 1.0)),
        ("sample with a NaN model", "model", lambda: sample(model=NaNModel())),
        ("sample ddpm with a NaN model", "model", lambda: sample(model=NaNModel(), method="ddpm", steps=None)),
        (
            "sample_trajectory with a NaN model",
            "model",
            lambda: f("sample_trajectory")(NaNModel(), schedule, (3, 2), [-1], method="ddim", steps=3, progress=False),
        ),
        (
            "denoising_step with a NaN model",
            "model",
            lambda: f("denoising_step")(x, 10, NaNModel(), schedule.alphas, schedule.alphas_cumprod, schedule.betas),
        ),
        (
            "score.noised_score x NaN",
            "x",
            lambda: f("score.noised_score")(f("data.eight_gaussians")(), nan_x.double(), 0.5),
        ),
        ("score.score_from_eps eps NaN", "eps", lambda: f("score.score_from_eps")(nan_x, 0.5)),
        ("score.x0_from_eps x NaN", "x", lambda: f("score.x0_from_eps")(nan_x, x, 0.5)),
        ("flow.flow_path x0 NaN", "x0", lambda: f("flow.flow_path")(nan_x, x, 0.5)),
        (
            "flow.flow_sample NaN velocity",
            "velocity_fn",
            lambda: f("flow.flow_sample")(lambda s, p: s * nan, x, [1.0, 0.5, 0.0]),
        ),
        ("ode.ode_sample NaN eps_fn", "eps_fn", lambda: f("ode.ode_sample")(lambda s, p: s * nan, x, [2.0, 1.0, 0.0])),
        ("ode.euler_step eps NaN", "eps", lambda: f("ode.euler_step")(x, 2.0, 1.0, nan_x)),
        ("train on NaN data", "data", lambda: train(data=nan_x)),
        # results are never complex (or NaN from a square root / log of an argument)
        ("ode.sigma_from_alpha_bar(-1)", "alpha_bar", lambda: f("ode.sigma_from_alpha_bar")(-1)),
        ("ode.sigma_from_alpha_bar(2)", "alpha_bar", lambda: f("ode.sigma_from_alpha_bar")(2)),
        ("ode.sigma_from_alpha_bar(nan)", "alpha_bar", lambda: f("ode.sigma_from_alpha_bar")(nan)),
        ("ode.sigma_from_alpha_bar(tensor -1)", "alpha_bar", lambda: f("ode.sigma_from_alpha_bar")(torch.tensor(-1.0))),
        ("ode.alpha_bar_from_sigma(nan)", "sigma", lambda: f("ode.alpha_bar_from_sigma")(nan)),
        ("ode.alpha_bar_from_sigma(-1)", "sigma", lambda: f("ode.alpha_bar_from_sigma")(-1.0)),
        ("flow.flow_time_from_alpha_bar(2)", "alpha_bar", lambda: f("flow.flow_time_from_alpha_bar")(2)),
        ("flow.flow_time_from_alpha_bar(-0.5)", "alpha_bar", lambda: f("flow.flow_time_from_alpha_bar")(-0.5)),
        ("score.VPSDE().diffusion('0.5')", "tau", lambda: f("score.VPSDE")().diffusion("0.5")),
        ("evaluation.psnr_to_rmse(db=1e6)", "db", lambda: f("evaluation.metrics.psnr_to_rmse")(1e6)),
        ("evaluation.psnr_to_rmse(data_range=-2)", "data_range", lambda: f("evaluation.metrics.psnr_to_rmse")(20, -2)),
        # integer-valued arguments refuse fractions, and sizes / seeds / dtypes / shapes are checked
        ("get_beta_schedule(1.5)", "timesteps", lambda: f("get_beta_schedule")(1.5)),
        ("get_beta_schedule dtype='float64'", "dtype", lambda: f("get_beta_schedule")(10, dtype="float64")),
        (
            "DiffusionSchedule.linear dtype='float64'",
            "dtype",
            lambda: f("DiffusionSchedule").linear(10, dtype="float64"),
        ),
        ("DiffusionSchedule.to dtype='float64'", "dtype", lambda: schedule.to(dtype="float64")),
        ("ddim_timesteps steps=1.5", "steps", lambda: f("ddim_timesteps")(100, 1.5)),
        ("sample steps=1.5", "steps", lambda: sample(steps=1.5)),
        ("sample seed=2**64", "seed", lambda: sample(seed=2**64)),
        ("sample seed=0.5", "seed", lambda: sample(seed=0.5)),
        ("sample shape (-1, 2)", "shape", lambda: sample(shape=(-1, 2))),
        ("sample shape (1.5, 2)", "shape", lambda: sample(shape=(1.5, 2))),
        ("sample shape (0, 2)", "shape", lambda: sample(shape=(0, 2))),
        ("sample shape '3,2'", "shape", lambda: sample(shape="3,2")),
        ("toy_data n=1.5", "n", lambda: f("data.toy_data")("moons", 1.5)),
        ("toy_data seed=2**64", "seed", lambda: f("data.toy_data")("moons", 10, seed=2**64)),
        ("sliced_wasserstein seed=2**64", "seed", lambda: f("evaluation.sliced_wasserstein")(x, x, seed=2**64)),
        (
            "sliced_wasserstein n_projections=2.5",
            "n_projections",
            lambda: f("evaluation.sliced_wasserstein")(x, x, 2.5),
        ),
        ("MLPDenoiser hidden=1.5", "hidden", lambda: f("MLPDenoiser")(hidden=1.5)),
        ("MLPDenoiser num_layers=-1", "num_layers", lambda: f("MLPDenoiser")(num_layers=-1)),
        ("ResidualUNet base_channels=1.5", "base_channels", lambda: f("ResidualUNet")(base_channels=1.5)),
        ("UNetStage(in_ch=0)", "in_ch", lambda: f("UNetStage")(0, 8, 8)),
        ("UNetStage(out_ch=2.5)", "out_ch", lambda: f("UNetStage")(4, 2.5, 8)),
        ("TimePositionalEncoding(dim=7.0)", "dim", lambda: f("TimePositionalEncoding")(7.0)),
        ("eps_model_as_flow indices=[1.5]", "indices", lambda: f("flow.eps_model_as_flow")(model, schedule, [1.5, -1])),
        ("flow.flow_sample times ['1', '0']", "times", lambda: f("flow.flow_sample")(lambda s, p: s, x, ["1", "0"])),
        ("flow.flow_times(2.5)", "steps", lambda: f("flow.flow_times")(2.5)),
        ("ode.ode_timesteps steps=2.5", "steps", lambda: f("ode.ode_timesteps")(schedule, 2.5)),
        ("score.VPSDE.sample steps=2.5", "steps", lambda: f("score.VPSDE")().sample(lambda s, tau: -s, x, 2.5)),
        (
            "GaussianMixture NaN weights",
            "weights",
            lambda: f("data.GaussianMixture")([nan, 1.0], [[0.0, 0.0], [1.0, 1.0]], [0.1, 0.1]),
        ),
        (
            "GaussianMixture inf stds",
            "stds",
            lambda: f("data.GaussianMixture")([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [0.1, inf]),
        ),
        (
            "GaussianMixture1D NaN weights",
            "weights",
            lambda: f("data.GaussianMixture1D")([nan, 0.5, 0.5], [0.0, 0.1, 0.2], [0.1, 0.1, 0.1]),
        ),
        ("train on zero examples", "data", lambda: train(data=x[:0])),
        ("train steps=1.5", "steps", lambda: train(steps=1.5)),
        ("train lr=nan", "lr", lambda: train(lr=nan)),
        ("train seed=2**64", "seed", lambda: train(seed=2**64)),
        ("train batch_size=2.5", "batch_size", lambda: train(batch_size=2.5)),
        ("ema_update decay=nan", "decay", lambda: f("ema_update")(model, model, nan)),
        # save-time payloads a weights-only load refuses
        ("save_checkpoint Path in data_info", "payload", lambda: save({"data_info": {"p": pathlib.Path("x")}})),
        ("save_checkpoint NumPy scalar", "payload", lambda: save({"data_info": {"n": np.float64(1.0)}})),
        ("save_checkpoint a module", "payload", lambda: save({"model": model})),
        ("save_checkpoint a NumPy array", "payload", lambda: save({"a": np.zeros(2)})),
        ("train data_info with a Path", "data_info", lambda: train(data_info={"path": pathlib.Path("x")})),
        ("save_checkpoint path is a folder", "path", lambda: save({"a": 1}, name="")),
        # plain wrong types and values
        ("q_sample t=50 (out of range)", "t", lambda: q_sample(t=50)),
        ("q_sample t=2.5", "t", lambda: q_sample(t=2.5)),
        ("q_sample schedule='linear'", "schedule", lambda: q_sample(schedule="linear")),
        ("q_sample x0 a list", "x0", lambda: q_sample(x0=[[0.0, 1.0]])),
        ("sample method='ddpm2'", "method", lambda: sample(method="ddpm2")),
        ("sample eta=nan", "eta", lambda: sample(eta=nan)),
        ("sample guidance=-1", "guidance", lambda: sample(guidance=-1.0)),
        ("sample model=None", "model", lambda: sample(model=None)),
        ("simple_loss shapes differ", "eps_pred", lambda: f("simple_loss")(x, x[:, :1])),
        ("psnr data_range=0", "data_range", lambda: f("evaluation.psnr")(images, images, 0.0)),
        ("load_trained use_ema='no'", "use_ema", lambda: f("load_trained")(tmp / "missing.pt", use_ema="no")),
        ("build_model unknown kind", "kind", lambda: f("build_model")("transformer", {})),
        ("pick_device('bogus')", "device", lambda: f("pick_device")("bogus")),
    ]
    return cases


def run_api(tmp: pathlib.Path, repo: pathlib.Path) -> list[tuple[str, str]]:
    results = []
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            cases = api_cases(tmp)
        except Missing as missing:
            return [(f"fixtures ({missing})", "n/a", "")]
        for label, word, call in cases:
            results.append((label, classify_call(call, word), LAST["message"]))
    return results


# ---------------------------------------------------------------------------------------- crafted files × loaders


class Marker:
    """Unpickling this touches a file: if the file exists afterwards, code ran from a checkpoint."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def repo_data(repo: pathlib.Path) -> pathlib.Path:
    return repo / "data"


def write_with_sidecar(path: pathlib.Path, data: bytes) -> None:
    path.write_bytes(data)
    pathlib.Path(f"{path}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")


def crafted_files(tmp: pathlib.Path, repo: pathlib.Path, marker: pathlib.Path) -> dict[str, pathlib.Path]:
    d = tmp / "files"
    d.mkdir()
    real = (repo_data(repo) / "moons_ddpm.pt").read_bytes()
    files = {}

    def add(name, data, sidecar=True):
        path = d / name
        (write_with_sidecar if sidecar else pathlib.Path.write_bytes)(path, data)
        files[name] = path

    def saved(obj) -> bytes:
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        return buffer.getvalue()

    add("empty.pt", b"")
    add("random.pt", np.random.default_rng(0).bytes(4096))
    add("text.pt", b"hello, this is not a checkpoint\n")
    add("json.pt", b'{"model": 1}')
    add("truncated.pt", real[: len(real) // 2])
    flipped = bytearray(real)
    flipped[len(real) // 2] ^= 0xFF
    add("flipped_no_matching_sidecar.pt", bytes(flipped), sidecar=False)
    pathlib.Path(f"{d / 'flipped_no_matching_sidecar.pt'}.sha256").write_text(
        f"{hashlib.sha256(real).hexdigest()}  flipped_no_matching_sidecar.pt\n"
    )
    add("malicious.pt", saved({"x": Marker(marker)}))
    add("plain_pickle.pt", pickle.dumps({"model": 1}))
    add("no_keys.pt", saved({"a": 1}))
    add("path_in_payload.pt", saved({"data_info": {"p": pathlib.Path("x")}}))
    add("numpy_in_payload.pt", saved({"n": np.float64(1.0)}))
    payload = torch.load(io.BytesIO(real), weights_only=True)
    broken = dict(payload)
    broken.pop("train_config", None)
    broken.pop("model_config", None)
    add("without_config.pt", saved(broken))
    nan_weights = {k: v for k, v in payload.items()}
    for key in ("model", "ema"):
        if isinstance(nan_weights.get(key), dict):
            nan_weights[key] = {n: (w * math.nan if w.is_floating_point() else w) for n, w in nan_weights[key].items()}
    add("nan_weights.pt", saved(nan_weights))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\0" * (64 << 20))
    add("zip_bomb.pt", bomb.getvalue())
    add("huge_sidecar.pt", real, sidecar=False)
    pathlib.Path(f"{d / 'huge_sidecar.pt'}.sha256").write_bytes(b"0" * (16 << 20))
    (d / "folder.pt").mkdir()
    files["folder.pt"] = d / "folder.pt"
    files["missing.pt"] = d / "missing.pt"
    os.mkfifo(d / "fifo.pt")
    files["fifo.pt"] = d / "fifo.pt"
    return files


# What a loader of raw payloads may accept: a well-formed file whose content only a model loader can judge.
CONTENT_ONLY = {"no_keys.pt", "without_config.pt", "nan_weights.pt"}
LOADERS = {
    "load_checkpoint": "ddpm_lessons.load_checkpoint",
    "load_trained": "ddpm_lessons.load_trained",
    "load_classifier": "ddpm_lessons.evaluation.load_classifier",
}


def run_files(tmp: pathlib.Path, repo: pathlib.Path) -> list[tuple[str, str]]:
    marker = tmp / "code-ran"
    files = crafted_files(tmp, repo, marker)
    results = []
    for loader_name, dotted in LOADERS.items():
        for name, path in files.items():
            if loader_name == "load_checkpoint" and name in CONTENT_ONLY:
                continue
            with contextlib.redirect_stderr(io.StringIO()):
                outcome = classify_call(lambda p=path, d=dotted: find(d)(p), path.name)
            if marker.exists():
                outcome = "lost"
                marker.unlink()
            results.append((f"{loader_name}({name})", outcome, LAST["message"]))
    return results


# ------------------------------------------------------------------------------------------------- the CLI


def fingerprint(paths) -> dict:
    out = {}
    for p in paths:
        p = pathlib.Path(p)
        out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ("dir" if p.is_dir() else None)
    return out


def classify_process(args, flag, env, cwd, protected=()) -> str:
    LAST["message"] = ""
    before = fingerprint(protected)
    try:
        done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "hang"
    if fingerprint(protected) != before:
        return "lost"
    err = done.stderr + done.stdout
    LAST["message"] = " | ".join(err.strip().splitlines()[-2:])
    if "Traceback (most recent call last)" in err:
        return "traceback"
    if done.returncode == 0:
        return "silent"
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if done.returncode == 2 and "error" in last.lower() and names(last, flag):
        return "clear"
    return "obscure"


def cli_cases(tmp: pathlib.Path, repo: pathlib.Path):
    """(label, flag the error must name, argv after ``python -m ddpm_lessons``, protected files)."""
    d = tmp / "cli"
    d.mkdir()
    existing = d / "existing.pt"
    shutil.copy(repo_data(repo) / "moons_ddpm.pt", existing)
    shutil.copy(repo_data(repo) / "moons_ddpm.pt.sha256", d / "existing.pt.sha256")
    png = d / "fig.png"
    png.write_bytes(b"\x89PNG keep me")
    shipped = d / "shipped"
    shutil.copytree(repo_data(repo), shipped, ignore=shutil.ignore_patterns("*.pt", "*.pt.sha256"))
    garbage = d / "garbage.pt"
    garbage.write_bytes(b"garbage")
    photo_dir = d / "photo_dir"
    photo_dir.mkdir()
    ok = d / "ok.pt"
    base = ["train", "--model", "mlp", "--data", "moons", "--steps", "1", "--no-progress"]
    moons = str(repo_data(repo) / "moons_ddpm.pt")
    manifest = shipped / "MANIFEST.json"
    return [
        ("train --n-train 0", "--n-train", [*base, "--out", str(ok), "--n-train", "0"], ()),
        ("train --n-train 1.5", "--n-train", [*base, "--out", str(ok), "--n-train", "1.5"], ()),
        ("train --data-seed -1", "--data-seed", [*base, "--out", str(ok), "--data-seed", "-1"], ()),
        ("train --T 0", "--T", [*base, "--out", str(ok), "--T", "0"], ()),
        ("train --seed 1e23", "--seed", [*base, "--out", str(ok), "--seed", "1e23"], ()),
        ("train --seed 18446744073709551616", "--seed", [*base, "--out", str(ok), "--seed", str(2**64)], ()),
        ("train --lr nan", "--lr", [*base, "--out", str(ok), "--lr", "nan"], ()),
        ("train --batch-size 0", "--batch-size", [*base, "--out", str(ok), "--batch-size", "0"], ()),
        ("train --device bogus", "--device", [*base, "--out", str(ok), "--device", "bogus"], ()),
        ("train --threads -1", "--threads", [*base, "--out", str(ok), "--threads", "-1"], ()),
        ("train --out existing (no --overwrite)", "--out", [*base, "--out", str(existing)], (existing,)),
        ("train --out a folder", "--out", [*base, "--out", str(photo_dir)], ()),
        ("train --release onto MANIFEST.json", "--release", [*base, "--out", str(manifest), "--release"], (manifest,)),
        (
            "train --photo missing",
            "--photo",
            [*base[:4], "photo", *base[5:], "--out", str(ok), "--photo", str(d / "nope.png")],
            (),
        ),
        (
            "train --photo a folder",
            "--photo",
            [*base[:4], "photo", *base[5:], "--out", str(ok), "--photo", str(photo_dir)],
            (),
        ),
        (
            "sample --checkpoint missing",
            "--checkpoint",
            ["sample", "--checkpoint", str(d / "nope.pt"), "--out", str(d / "s.png"), "--no-progress"],
            (),
        ),
        (
            "sample --checkpoint garbage",
            "--checkpoint",
            ["sample", "--checkpoint", str(garbage), "--out", str(d / "s.png"), "--no-progress"],
            (),
        ),
        (
            "sample --out existing PNG",
            "--out",
            ["sample", "--checkpoint", moons, "--out", str(png), "--n", "2", "--no-progress"],
            (png,),
        ),
        ("sample --n 0", "--n", ["sample", "--checkpoint", moons, "--out", str(d / "s.png"), "--n", "0"], ()),
        (
            "sample --steps 1.5",
            "--steps",
            ["sample", "--checkpoint", moons, "--out", str(d / "s.png"), "--steps", "1.5"],
            (),
        ),
        (
            "sample --seed -1",
            "--seed",
            ["sample", "--checkpoint", moons, "--out", str(d / "s.png"), "--seed", "-1"],
            (),
        ),
        ("evaluate missing", "checkpoint", ["evaluate", str(d / "nope.pt"), "--no-progress"], ()),
        ("evaluate garbage", "checkpoint", ["evaluate", str(garbage), "--no-progress"], ()),
        ("train-classifier --steps -1", "--steps", ["train-classifier", "--out", str(ok), "--steps", "-1"], ()),
        (
            "train-classifier --out existing",
            "--out",
            ["train-classifier", "--out", str(existing), "--steps", "1", "--no-progress"],
            (existing,),
        ),
    ], {"DDPM_LESSONS_DATA": str(shipped)}


def run_cli(tmp: pathlib.Path, repo: pathlib.Path) -> list[tuple[str, str]]:
    cases, extra_env = cli_cases(tmp, repo)
    env = {**os.environ, **extra_env, "OMP_NUM_THREADS": "1"}
    results = []
    for label, flag, argv, protected in cases:
        outcome = classify_process([sys.executable, "-m", "ddpm_lessons", *argv], flag, env, tmp, protected)
        results.append((label, outcome, LAST["message"]))
    return results


# ------------------------------------------------------------------------------------------------- course.py


def scratch_course(tmp: pathlib.Path, repo: pathlib.Path) -> pathlib.Path:
    """A copy of course.py, pyproject.toml and two lessons, with a stand-in .venv (a wrapper of this Python and
    the install stamp course.py looks for), so no command installs anything."""
    root = tmp / "course"
    (root / "notebooks").mkdir(parents=True)
    for name in ("course.py", "pyproject.toml"):
        shutil.copy(repo / name, root / name)
    for lesson in sorted((repo / "notebooks").glob("0[12]_*.ipynb")):
        shutil.copy(lesson, root / "notebooks" / lesson.name)
    (root / "notebooks" / "broken.ipynb").write_text("{ not json")
    (root / "README.md").write_text("# not a notebook\n")
    bindir = root / ".venv" / "bin"
    bindir.mkdir(parents=True)
    wrapper = bindir / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (root / ".venv" / ".ddpm-lessons-installed").write_text(f"{digest} python {version} extras instructor,test\n")
    return root


def run_course(tmp: pathlib.Path, repo: pathlib.Path) -> list[tuple[str, str]]:
    root = scratch_course(tmp, repo)
    lesson = sorted((root / "notebooks").glob("02_*.ipynb"))[0]
    existing = root / "existing.txt"
    existing.write_text("keep me\n")
    cases = [
        ("course.py bogus", "bogus", ["bogus"], ()),
        ("course.py execute nonexistent.ipynb", "nonexistent", ["execute", "nonexistent.ipynb"], ()),
        (
            "course.py student --out notebooks <lesson in notebooks>",
            "--out",
            ["student", "--out", "notebooks", str(lesson.relative_to(root))],
            (lesson,),
        ),
        ("course.py student README.md", "README.md", ["student", "README.md"], ()),
        ("course.py student broken.ipynb", "broken.ipynb", ["student", "notebooks/broken.ipynb"], ()),
        (
            "course.py student --out <existing file>",
            "--out",
            ["student", "--out", str(existing), str(lesson.relative_to(root))],
            (existing,),
        ),
        (
            "course.py slides --out <existing file>",
            "--out",
            ["slides", "--out", str(existing), str(lesson.relative_to(root))],
            (existing,),
        ),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    results = []
    for label, flag, argv, protected in cases:
        outcome = classify_process([sys.executable, str(root / "course.py"), *argv], flag, env, root, protected)
        results.append((label, outcome, LAST["message"]))
    return results


FAMILIES = {"api": run_api, "files": run_files, "cli": run_cli, "course": run_course}


def main(argv=None) -> int:
    import ddpm_lessons

    default_repo = pathlib.Path(ddpm_lessons.__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=pathlib.Path, default=default_repo, help="the checkout (data/, course.py)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated: " + ", ".join(FAMILIES))
    parser.add_argument("--verbose", action="store_true", help="print every case and its outcome")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"ddpm_lessons from {pathlib.Path(ddpm_lessons.__file__).parent}; repo {args.repo}")
    totals = collections.Counter()
    rows = []
    started = time.time()
    for family in args.families.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.time()
            results = FAMILIES[family](pathlib.Path(tmp), args.repo)
        counts = collections.Counter(outcome for _, outcome, _ in results)
        totals.update(counts)
        rows.append((family, len(results), counts, time.time() - t0))
        if args.verbose:
            for label, outcome, message in results:
                print(f"  {family:7} {outcome:9} {label}" + (f"  <- {message[:160]}" if outcome != "clear" else ""))
    header = f"{'family':8} {'cases':>5} " + " ".join(f"{o:>9}" for o in OUTCOMES) + f" {'time':>7}"
    print(header)
    for family, n, counts, seconds in rows:
        print(f"{family:8} {n:5d} " + " ".join(f"{counts[o]:9d}" for o in OUTCOMES) + f" {seconds:6.0f}s")
    print(
        f"{'total':8} {sum(totals.values()):5d} "
        + " ".join(f"{totals[o]:9d}" for o in OUTCOMES)
        + f" {time.time() - started:6.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
