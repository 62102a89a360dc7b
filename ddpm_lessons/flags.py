"""The command line's options and the flags that set them: :mod:`ddpm_lessons.cli` builds its sub-commands with these.

- :class:`CommandLineParser` — an ``ArgumentParser`` whose refusals are one line, ``error: argument --flag: …``,
  exit status 2 (argparse's own prints the whole usage first: 30 lines for ``train``);
- :func:`add_command` / :func:`add_option` — a sub-command whose parser records, in ``args.flags``, the flag of every
  parameter (``dest``) its options set: ``n_train → --n-train``, ``T → --T``, ``channel_sequence → --channels``;
  :func:`add_config_options` adds one option per field of a config record (:mod:`ddpm_lessons.config`);
- :func:`arguments` — where flag values become data, a model or a schedule, a ValueError or TypeError is a bad
  flag value: it becomes an :class:`OptionError` naming the parameter, with the callee's own parameter names mapped
  to the command's (``n="n_train"``: ``toy_data``'s ``n`` is set by ``--n-train``);
- :func:`message_with_flag` — ``"… (--flag)"``: an :class:`~ddpm_lessons.InputError`'s message with the flag of
  the parameter it names, from the sub-command's own record (never by rewriting the message);
- argparse types that refuse a bad value with the flag's name before any work: :func:`integer` (64-bit),
  :func:`count`, :func:`positive_float`, :func:`device_name`, :func:`tuple_of_ints`, :func:`clip_norm`.
"""

from __future__ import annotations

import argparse
import contextlib
import typing

import torch

from .config import choices_of, fields_with_flags
from .validation import InputError

__all__ = [
    "CommandLineParser",
    "DefaultsHelpFormatter",
    "OptionError",
    "parameter_named",
    "arguments",
    "message_with_flag",
    "comma_ints",
    "tuple_of_ints",
    "clip_norm",
    "integer",
    "count",
    "positive_float",
    "device_name",
    "add_command",
    "add_option",
    "add_config_options",
    "add_run_options",
]


class CommandLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose refusal of the command line is one line on stderr, ``error: …`` naming the
    argument (argparse's messages do: ``argument --seed: expected an integer, got '1e23'``), and exit status 2.
    ``--help`` still prints the usage. Its sub-command parsers are of the same class."""

    def error(self, message: str):
        self.exit(2, f"error: {message}\n")


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` with each option's default said once: added as ``(default: …)`` unless the help states it already
    (``--device``: "default: the best available") or there is none to state (a default of None)."""

    def _get_help_string(self, action):  # the one method argparse's formatters override for this
        help = action.help or ""
        if action.default is None or "default:" in help:
            return help
        return super()._get_help_string(action)


class OptionError(InputError):
    """A mistake on the command line, tied to the parameter (an option's ``dest``) it concerns: :func:`main` prints
    ``error: … (--flag)`` and returns 2. ``fallback`` is the dest to name when ``dest`` is not one of the command's."""

    def __init__(self, message: str, dest: str | None = None, fallback: str | None = None):
        super().__init__(message)
        self.dest, self.fallback = dest, fallback


def parameter_named(error: Exception) -> str:
    """The parameter an error is about: its ``parameter`` attribute when it has one, else the name its message starts
    with (the package's messages start with the parameter's name: ``"batch_size must be …"``)."""
    name = getattr(error, "parameter", None)
    if name:
        return name
    text = str(error)
    end = next((i for i, char in enumerate(text) if not (char.isalnum() or char == "_")), len(text))
    return text[:end]


@contextlib.contextmanager
def arguments(fallback: str | None = None, /, **aliases: str):
    """Turning flag values into data, a model or a schedule: a ValueError or TypeError raised here is a bad flag
    value, so it becomes an :class:`OptionError`. (Plain ValueError/TypeError are caught because parts of the library
    still raise them for bad arguments; once every check raises :class:`~ddpm_lessons.InputError`, this block can
    catch only that.) ``aliases`` maps the callee's parameter names to the ``dest`` of the flags that set them
    (``n="n_train"``); ``fallback`` is the dest named when the message names no flag's parameter."""
    try:
        yield
    except (ValueError, TypeError) as error:
        name = parameter_named(error)
        raise OptionError(str(error), aliases.get(name, name), fallback) from error


def message_with_flag(error: InputError, flags: dict[str, str]) -> str:
    """``"… (--flag)"``: the error's message with the flag of the parameter it names (an :class:`OptionError`'s
    ``dest``, then its ``fallback``), unless the message names that flag already."""
    message = str(error)
    names = (getattr(error, "dest", None) or parameter_named(error), getattr(error, "fallback", None))
    flag = next((flags[name] for name in names if name in flags), None)
    return message if flag is None or flag in message else f"{message} ({flag})"


# ---------------------------------------------------------------------------------------------- option types
def comma_ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def tuple_of_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(comma_ints(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 1,2,2, got {text!r}") from None


def clip_norm(text: str) -> float | None:
    value = float(text)
    return None if value == 0 else value


def integer(text: str) -> int:
    """An argparse type: an integer that fits in 64 bits (torch's seeds and sizes are int64)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not -(2**63) <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must fit in 64 bits (|value| < 2**63), got {text}")
    return value


def count(minimum: int):
    """An argparse type: an integer >= ``minimum``."""

    def parse(text: str) -> int:
        value = integer(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {value}")
        return value

    return parse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def device_name(text: str) -> str:
    """An argparse type: a torch device this machine has (cpu, cuda, cuda:N, mps)."""
    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"expected cpu, cuda, cuda:N or mps, got {text!r}") from None
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
    }
    if not available.get(device.type, False):
        raise argparse.ArgumentTypeError(f"{text} is not available on this machine")
    return text


# ------------------------------------------------------------------------------------------- parser helpers
def add_command(commands, name: str, run, **settings) -> argparse.ArgumentParser:
    """A sub-command whose parser records, in ``flags``, the flag of every parameter its options set."""
    command = commands.add_parser(name, **settings)
    command.set_defaults(run=run, flags={})
    return command


def add_option(command: argparse.ArgumentParser, *names: str, **settings) -> argparse.Action:
    """``command.add_argument`` that also records ``dest -> flag`` in the command's ``flags``."""
    action = command.add_argument(*names, **settings)
    command.get_default("flags")[action.dest] = action.option_strings[0] if action.option_strings else action.dest
    return action


def add_config_options(command: argparse.ArgumentParser, record) -> None:
    """One option per field of a config record (:mod:`ddpm_lessons.config`): its flag, type, default, help, choices."""
    for f, flag, hint in fields_with_flags(record):
        options = {"dest": f.name, "default": f.default, "help": f.metadata["help"]}
        if hint is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(hint) is typing.Literal:
            options["choices"] = choices_of(record, f.name)
        elif hint == tuple[int, ...]:
            options["type"] = tuple_of_ints
            options["default"] = ",".join(map(str, f.default))
        elif hint == float | None:  # an optional limit: 0 on the command line means None (off)
            options["type"] = clip_norm
        else:
            options["type"] = integer if hint is int else hint
        add_option(command, flag, **options)


def add_run_options(command: argparse.ArgumentParser, *, threads: bool = True) -> None:
    """``--device``, ``--threads`` and ``--no-progress``, which every command that computes takes."""
    add_option(
        command, "--device", type=device_name, default=None, help="cpu, cuda or mps (default: the best available)"
    )
    if threads:
        add_option(command, "--threads", type=count(0), default=0, help="torch CPU threads (0: torch's default)")
    add_option(command, "--no-progress", action="store_true", help="no progress bar")
