"""Checkpoints: atomic writes, safe loads, and the sha256 manifest of the files shipped in ``data/``.

Loading never unpickles arbitrary objects (``torch.load(..., weights_only=True)``), and a shipped file is checked
against ``data/MANIFEST.json`` before it is read. A truncated, corrupted or mismatched file raises
:class:`CheckpointError` naming the file and what is wrong; nothing on disk is changed by a failed load.
"""

from __future__ import annotations

import collections
import contextlib
import glob
import hashlib
import io
import json
import os
import pickle
import platform
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import torch

from .validation import InputError, check_bool

__all__ = [
    "CheckpointError",
    "DATA_DIR",
    "DATA_ENV",
    "MANIFEST",
    "find_data_dir",
    "exclusive_run",
    "RunLockedError",
    "remove_stale_temporaries",
    "atomic_write_bytes",
    "check_weights_only_payload",
    "save_checkpoint",
    "load_checkpoint",
    "check_unpacked_size",
    "MAX_UNPACKED_BYTES",
    "sidecar",
    "sha256_file",
    "read_manifest",
    "record_in_manifest",
    "shipped_path",
    "verify_shipped",
]

DATA_ENV = "DDPM_LESSONS_DATA"

MAX_SIDECAR_BYTES = 4096
"""A sidecar holds one digest line (two during a save's swap): 4 KiB is ample, and a larger file is not read."""
MAX_SIDECAR_DIGESTS = 8
MAX_MANIFEST_BYTES = 1 << 20
"""The manifest lists a handful of files (about 4 KiB today); 1 MiB bounds what a damaged or hostile one costs."""
MAX_CHECKPOINT_BYTES = 1 << 30
MAX_UNPACKED_BYTES = 2 << 30
"""A checkpoint is a zip archive. The shipped ones unpack to at most ~4.3 MB and a long training run's checkpoint
(weights, EMA and Adam state of the largest course model) to a few hundred MB: 2 GiB leaves room for any model the
course trains, yet refuses a small deflated file that would unpack to more memory than a laptop has."""


def find_data_dir() -> Path:
    """The folder of the shipped checkpoints and their ``MANIFEST.json``.

    ``$DDPM_LESSONS_DATA`` when it is set; otherwise the repository's ``data/`` beside the package, which is where
    a checkout or an editable install (``pip install -e .``) finds it. A wheel installed elsewhere has no ``data/``
    beside it: point the variable at a checkout's ``data/`` folder (:func:`shipped_path` says so when it is missing).
    """
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "data"


DATA_DIR = find_data_dir()
MANIFEST = DATA_DIR / "MANIFEST.json"


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, fails its checksum, or belongs to another configuration.

    ``reason`` says what is wrong; ``advice`` (or None) what to do, in terms of the loader's keyword ``parameter``
    (``verify``, ``use_ema``); the message is both. The command line gives its own advice for that parameter, in
    terms of its flags."""

    def __init__(self, reason: str, *, advice: str | None = None, parameter: str | None = None):
        super().__init__(reason if advice is None else f"{reason}; {advice}")
        self.reason, self.advice, self.parameter = reason, advice, parameter


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A temporary file in ``path``'s folder (so the final rename is atomic), with the usual permissions.

    ``mkstemp`` creates files readable by the owner only; a checkpoint should get the mode a plain ``open``
    would give it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return fd, tmp


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    fd, tmp = _temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path) -> list[Path]:
    """Delete the temporary files that killed writes of ``path`` left beside it (``.<name>.*.tmp``).

    Call it only while holding :func:`exclusive_run` on ``path``: then no live writer owns one of them.
    """
    path = Path(path)
    stale = sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp")) if path.parent.is_dir() else []
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale


class RunLockedError(CheckpointError):
    """Another run is writing the same checkpoint."""


@contextlib.contextmanager
def exclusive_run(path):
    """Hold an exclusive lock on ``<path>.lock`` while a run writes ``path``; a second run fails at once.

    The lock file names its holder (process id, host, start time), so the error says which run to wait for. The
    lock is ``fcntl.flock``: the kernel releases it when its process dies, so a lock file left by a killed run is
    taken over by the next one (with a note naming the dead holder). The lock file is removed when the run ends;
    a run that opened it just before the removal sees that its file is no longer the one at the path and tries
    again. Stale temporary files of killed writes are removed once the lock is held. Where ``fcntl`` does not exist
    (Windows) the run is not locked.
    """
    path = Path(path)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    handle = _acquire(lock_path, path, fcntl)
    try:
        previous = handle.read().strip()
        if previous:
            print(f"note: took over the lock {lock_path} left by a run that ended ({previous})", file=sys.stderr)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {platform.node()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        remove_stale_temporaries(path)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()  # still held: a waiting run that opened this file retries on the new one
        handle.close()


def _acquire(lock_path: Path, path: Path, fcntl):
    """Open and flock ``lock_path``, retrying while the file we locked was removed by the run that held it."""
    while True:
        handle = open(lock_path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            handle.close()
            raise RunLockedError(
                f"another run is writing {path} ({holder}); wait for it to finish or choose another output file"
            ) from None
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            handle.seek(0)
            return handle
        handle.close()


def sidecar(path) -> Path:
    """``model.pt`` → ``model.pt.sha256``: the checksum written beside every checkpoint."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


# What torch.load(weights_only=True) rebuilds: plain containers and scalars, tensors, and torch's small value types.
WEIGHTS_ONLY_TYPES = (str, bytes, int, float, complex, bool, type(None), torch.dtype, torch.Size, torch.device)
WEIGHTS_ONLY_CONTAINERS = (dict, list, tuple, set)


def check_weights_only_payload(payload, name: str = "payload") -> None:
    """Refuse, naming where it sits (``payload['data_info']['path']``), anything in ``payload`` that
    :func:`load_checkpoint` (``weights_only=True``) would refuse: a ``pathlib.Path``, a NumPy scalar or array, a
    module, a namedtuple, any other class. Run before a byte is written, so a checkpoint is never saved that its
    own loader cannot read back (a run that could not resume)."""
    stack = [(payload, name)]
    while stack:
        value, where = stack.pop()
        kind = type(value)
        if kind in WEIGHTS_ONLY_TYPES or kind is torch.Tensor or kind is torch.nn.Parameter:
            continue
        if kind in WEIGHTS_ONLY_CONTAINERS or kind is collections.OrderedDict:
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(value, dict) and type(key) not in WEIGHTS_ONLY_TYPES:
                    stack.append((key, f"a key of {where}"))
                stack.append((item, f"{where}[{key!r}]" if not isinstance(value, set) else f"an element of {where}"))
            continue
        hint = "str(...)" if hasattr(value, "__fspath__") else "float(...), int(...) or .tolist()"
        raise InputError(
            f"{where} is a {kind.__module__}.{kind.__qualname__}, which load_checkpoint (weights_only=True) refuses; "
            f"store plain data instead (tensors, numbers, strings, lists, dicts), e.g. {hint}",
            parameter=name,
        )


def save_checkpoint(path, payload: dict) -> str:
    """``torch.save`` ``payload`` atomically (temporary file, then rename); returns the file's sha256.

    The sha256 is also written beside it (``<file>.sha256``), so that :func:`load_checkpoint` detects a file
    damaged later — torch's format itself does not notice changed bytes inside a tensor. The payload must hold
    only tensors, numbers, strings, None and lists/tuples/dicts of them, so that it loads with ``weights_only=True``:
    anything else is refused before a byte is written (:func:`check_weights_only_payload`).
    """
    check_weights_only_payload(payload)
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise InputError(f"path must be a file name, got {path!r}", parameter="path")
    path = Path(path)
    if path.is_dir() or not path.name:
        raise InputError(f"path {path} is a folder; give the checkpoint's file name inside it", parameter="path")
    fd, tmp = _temporary_beside(path)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        digest = sha256_file(tmp)
        # No kill can separate a checkpoint from its digest: the sidecar first lists the new digest beside the old
        # one (both files verify during the swap), then the rename, then the sidecar keeps only the new digest.
        side = sidecar(path)
        old = side.read_text(encoding="utf-8", errors="replace").split()[:1] if side.is_file() else []
        atomic_write_bytes(side, "".join(f"{d}  {path.name}\n" for d in [digest, *old]).encode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    atomic_write_bytes(sidecar(path), f"{digest}  {path.name}\n".encode())
    return digest


def _expected_digests(path: Path, manifest: Path) -> tuple[list[str], str] | None:
    """The digests ``path`` may have and where they come from: the manifest for a shipped file, else its sidecar."""
    entry = read_manifest(manifest).get(path.name) if path.parent == Path(manifest).resolve().parent else None
    if entry is not None:
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise CheckpointError(f"{Path(manifest).name} lists {path.name} without a sha256 digest")
        return [entry["sha256"].lower()], Path(manifest).name
    side = sidecar(path)
    if not side.exists():
        return None
    if not side.is_file():
        raise CheckpointError(f"checksum file {side} is not a file")
    return _sidecar_digests(side), side.name


def _sidecar_digests(side: Path) -> list[str]:
    """The digests a sidecar lists, read only if it is small (a sidecar is one line; two during a save's swap)."""
    with open(side, "rb") as handle:
        data = handle.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise CheckpointError(f"checksum file {side} is larger than {MAX_SIDECAR_BYTES} bytes; it is not a sidecar")
    words = data.decode("utf-8", errors="replace").split()
    digests = [w.lower() for w in words if len(w) == 64 and all(c in "0123456789abcdefABCDEF" for c in w)]
    if not digests:
        raise CheckpointError(f"checksum file {side} is malformed (expected a sha256 hex digest)")
    if len(digests) > MAX_SIDECAR_DIGESTS:
        raise CheckpointError(f"checksum file {side} lists {len(digests)} digests (at most {MAX_SIDECAR_DIGESTS})")
    return digests


def _verify(given, path: Path, data: bytes, expected_sha256, verify: bool, manifest: Path) -> None:
    """Check the sha256 of ``data`` (the bytes read from ``path``, the ones that will be loaded) against the given
    digest, ``path``'s manifest entry or its sidecar (see load_checkpoint)."""
    if expected_sha256 is not None:
        expected, source = [str(expected_sha256).lower()], "the expected digest"
    else:
        found = _expected_digests(path, manifest)
        if found is None:
            if verify:
                raise CheckpointError(
                    f"checkpoint {given} has no checksum to verify (no {sidecar(path).name} beside it and not listed "
                    "in MANIFEST.json)",
                    advice="load it with verify=False if you trust it",
                    parameter="verify",
                )
            warnings.warn(f"loading {given} without verifying it: it has no checksum", stacklevel=3)
            return
        expected, source = found
    actual = hashlib.sha256(data).hexdigest()
    if actual not in expected:
        raise CheckpointError(
            f"checkpoint {given} fails its sha256 check against {source}: expected {expected[0]}, got {actual} "
            "(the file is damaged or was replaced; re-fetch or retrain it)"
        )


def _read_once(given, path: Path) -> bytes:
    """The file's bytes, read once and bounded: what is hashed is what is loaded (no second open to swap under)."""
    chunks, size = [], 0
    try:
        with open(path, "rb") as handle:
            # in 1-MiB pieces: read(MAX + 1) would reserve a whole GiB for a file of a few kB
            while size <= MAX_CHECKPOINT_BYTES and (chunk := handle.read(1 << 20)):
                chunks.append(chunk)
                size += len(chunk)
    except OSError as error:
        raise CheckpointError(f"checkpoint {given} could not be read ({error.strerror or error})") from None
    data = b"".join(chunks)
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"checkpoint {given} is larger than {MAX_CHECKPOINT_BYTES:,} bytes; refusing to load it")
    return data


def check_unpacked_size(given, data: bytes, limit: int | None = None) -> None:
    """Refuse an archive whose entries unpack to more than ``limit`` bytes (a small deflated file can ask for GBs).

    Data that is not a zip archive is left to ``torch.load``, which refuses it (or reads torch's legacy format,
    which is not compressed, so its size is bounded by the file's).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    limit = MAX_UNPACKED_BYTES if limit is None else limit
    if unpacked > limit:
        raise CheckpointError(
            f"checkpoint {given} would unpack to {unpacked:,} bytes (limit {limit:,}); refusing to load it"
        )


def _torch_load(given, data: bytes, map_location) -> object:
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:  # weights_only refused an object: the file asks to run code
        raise CheckpointError(
            f"checkpoint {given} may be unsafe: it asks to build objects other than tensors and plain data "
            f"({_refused_object(error)}), so it could not be read safely; use only checkpoints written by this package"
        ) from None
    except Exception as error:  # torch raises several types for truncated or foreign files
        raise CheckpointError(
            f"checkpoint {given} could not be read safely ({type(error).__name__}: {_refused_object(error)})"
        ) from None


def _refused_object(error: BaseException) -> str:
    """What torch refused, without its advice: it suggests ``weights_only=False``, which would run the file's code."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = [line for line in lines if "GLOBAL" in line or "Unsupported" in line]
    kept = named or [line for line in lines if "weights_only" not in line and "Weights only" not in line]
    return (kept or ["refused by the weights-only loader"])[0][:300]


def load_checkpoint(
    path, *, expected_sha256: str | None = None, verify: bool = True, map_location="cpu", manifest=None
) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint`, safely (``weights_only=True``) and verified.

    Args:
        path: the file (a symlink is followed, and the file it points to is the one verified).
        expected_sha256: the digest the file must have; if not given, a shipped file (one listed in
            ``data/MANIFEST.json``) must match its manifest entry, and any other file its ``<file>.sha256``
            sidecar, written by :func:`save_checkpoint`. Digests compare without regard to case.
        verify: ``False`` loads a file that has no digest to check, with a warning; a digest that exists is
            always checked.
        map_location: where tensors are loaded (default CPU). manifest: the manifest to consult (default
            ``data/MANIFEST.json``).

    Raises:
        CheckpointError: missing file, a directory or device instead of a file, no digest to check (unless
        ``verify=False``), checksum mismatch, truncated or corrupted file, or not a dict payload. Each message
        names the file.
    """
    check_bool(verify, "verify")
    given = Path(path)
    path = given.resolve()
    if not path.exists():
        raise CheckpointError(f"checkpoint {given} does not exist")
    if path.is_dir():
        raise CheckpointError(f"checkpoint {given} is a directory, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {given} is not a regular file (a device or pipe cannot be a checkpoint)")
    data = _read_once(given, path)
    _verify(given, path, data, expected_sha256, verify, Path(MANIFEST if manifest is None else manifest))
    check_unpacked_size(given, data)
    payload = _torch_load(given, data, map_location)
    if not isinstance(payload, dict):
        raise CheckpointError(f"checkpoint {given} does not hold a dict payload (got {type(payload).__name__})")
    return payload


def read_manifest(manifest=MANIFEST) -> dict:
    """The manifest ``{file name: {"sha256": ..., "bytes": ..., "command": ..., ...}}``; empty if there is none."""
    manifest = Path(manifest)
    if not manifest.exists():
        return {}
    with open(manifest, "rb") as handle:
        data = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise CheckpointError(f"{manifest} is larger than {MAX_MANIFEST_BYTES:,} bytes; it is not the course manifest")
    try:
        entries = json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise CheckpointError(f"{manifest} is not valid JSON ({error})") from None
    if not isinstance(entries, dict):
        raise CheckpointError(f"{manifest} does not hold an object of file entries")
    return entries


def record_in_manifest(path, info: dict, manifest=MANIFEST) -> dict:
    """Add or replace ``path``'s entry (its sha256 and size, plus ``info``) in the manifest, atomically."""
    path = Path(path)
    entries = read_manifest(manifest)
    entries[path.name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, **info}
    text = json.dumps(dict(sorted(entries.items())), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(manifest, text.encode("utf-8"))
    return entries[path.name]


def shipped_path(name: str, *, manifest=MANIFEST) -> Path:
    """Path of a file shipped in ``data/``, after checking its sha256 against the manifest."""
    if not Path(manifest).is_file():
        raise CheckpointError(missing_data_message(manifest))
    entries = read_manifest(manifest)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise CheckpointError(f"{name!r} is not listed in {Path(manifest).name} (shipped files: {known})")
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        # a manifest lists files of its own folder; a name with a folder in it would make the package hash any file
        raise CheckpointError(f"{Path(manifest).name} lists {name!r}, which is not a file name in its folder")
    entry = entries[name]
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise CheckpointError(f"{Path(manifest).name} lists {name} without a sha256 digest")
    path = Path(manifest).parent / name
    if not path.is_file():
        raise CheckpointError(f"shipped file {path} is missing")
    if path.stat().st_size > MAX_CHECKPOINT_BYTES:  # hashed in full below: bounded like a load
        raise CheckpointError(f"shipped file {path} is larger than {MAX_CHECKPOINT_BYTES:,} bytes; refusing to hash it")
    expected = entries[name].get("sha256") if isinstance(entries[name], dict) else None
    if not isinstance(expected, str):
        raise CheckpointError(f"{Path(manifest).name} lists {name} without a sha256 digest")
    actual = sha256_file(path)
    if actual != expected.lower():
        raise CheckpointError(f"shipped file {path} fails its sha256 check: manifest {expected}, file {actual}")
    return path


def missing_data_message(manifest=MANIFEST) -> str:
    """Why the shipped checkpoints cannot be found: where the package looked and how to point it at ``data/``."""
    where = f"${DATA_ENV}={os.environ[DATA_ENV]}" if os.environ.get(DATA_ENV) else f"${DATA_ENV} is not set"
    return (
        f"the course's shipped checkpoints were not found: there is no {Path(manifest).name} at {manifest} "
        f"({where}). Set {DATA_ENV} to the data/ folder of a ddpm-lessons checkout (the folder holding "
        f"MANIFEST.json and the .pt files), or install the package from the checkout with pip install -e ."
    )


def verify_shipped(manifest=MANIFEST) -> list[tuple[str, bool, str]]:
    """Check every file in the manifest: ``[(name, ok, message), ...]``."""
    if not Path(manifest).is_file():
        raise CheckpointError(f"manifest {manifest} is not a file")
    results = []
    for name in sorted(read_manifest(manifest)):
        try:
            shipped_path(name, manifest=manifest)
            results.append((name, True, "sha256 ok"))
        except CheckpointError as error:
            results.append((name, False, str(error)))
    return results
