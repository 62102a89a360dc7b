"""Where the course runs: the device choice every entry point shares, and a report of the environment (lesson 00).

CUDA when present, then Apple's MPS, then the CPU; every lesson is sized for a 2-core CPU.
"""

from __future__ import annotations

import os
import platform

import torch

from .validation import InputError

__all__ = ["pick_device", "seeded_generator", "hardware", "environment_report", "MKL_BRANCH", "pin_math_library"]

MKL_BRANCH = "AVX2,STRICT"
"""The code path Intel's math library (MKL, torch's BLAS on x86) is held to, through its ``MKL_CBWR`` setting.

Left to choose, MKL runs AVX-512 kernels on Intel processors and AVX2 kernels on AMD ones (measured with torch 2.14.1
on an AMD EPYC: ``MKL_CBWR`` AVX2, AVX512 and unset give bit-identical products there), and the two sum a matrix
product in different orders. A network trained on one then ends a few float32 round-offs away from the same network
trained on the other, and over thousands of steps that reaches the printed digits of a loss or a distance (a lesson
08 distance moved from 0.0901 to 0.0900). AVX2 runs on both, so one branch gives one set of digits; STRICT also keeps
them when the thread count changes."""


def pin_math_library() -> None:
    """Hold MKL to :data:`MKL_BRANCH` unless ``MKL_CBWR`` is already set (a reader's own choice is kept).

    Called when ``ddpm_lessons`` is imported. MKL reads the setting at its first call, so a process that multiplied
    matrices before importing the package keeps the branch it started with."""
    os.environ.setdefault("MKL_CBWR", MKL_BRANCH)


def pick_device(device=None) -> torch.device:
    """``device`` if given, else CUDA, then Apple MPS, then CPU."""
    if device is not None:
        try:
            return torch.device(device)
        except (RuntimeError, TypeError):
            raise InputError(
                f"device must be a torch device such as 'cpu', 'cuda' or 'mps', got {device!r}", parameter="device"
            ) from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seeded_generator(seed: int) -> torch.Generator:
    """The randomness policy of every trainer (the DDPM's and the glyph classifier's), from one ``seed``.

    Returns a CPU ``torch.Generator`` seeded with ``seed``, for every draw the trainer makes itself (minibatches,
    timesteps, noise, label dropout): a CPU generator gives the same draws on CPU, CUDA and MPS. Torch's global RNG,
    which initialises weights and draws dropout masks, is seeded with the same ``seed``.
    """
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def hardware() -> str:
    """One line: operating system, processor, logical CPUs, torch threads and the GPU if there is one."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} logical CPUs, "
        f"torch threads {torch.get_num_threads()}{gpu}"
    )


def environment_report() -> tuple[list[str], bool]:
    """Lines describing versions, the device and every shipped checkpoint (verified), and whether all verified."""
    import matplotlib
    import numpy
    import torchvision

    from .checkpoints import MANIFEST, missing_data_message, read_manifest, verify_shipped
    from .version import __version__

    lines = [
        f"ddpm_lessons {__version__}",
        f"python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"numpy {numpy.__version__}, matplotlib {matplotlib.__version__}",
        f"device: {pick_device()} (CUDA available: {torch.cuda.is_available()})",
    ]
    if not MANIFEST.is_file():
        return [*lines, "shipped checkpoints: " + missing_data_message(MANIFEST)], False
    results = verify_shipped()
    manifest = read_manifest()
    if not results:
        lines.append(f"shipped checkpoints: none listed in {MANIFEST}")
    for name, ok, message in results:
        size = manifest[name].get("bytes") if isinstance(manifest[name], dict) else None
        megabytes = f"{size / 1e6:.2f} MB" if isinstance(size, (int, float)) else "size not recorded"
        lines.append(f"  {'OK  ' if ok else 'FAIL'} {name} ({megabytes}): {message}")
    return lines, all(ok for _, ok, _ in results)
