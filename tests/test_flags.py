"""The command line's options and their flags: ddpm_lessons.flags (types, the dest -> flag record, the mapping of
an InputError to the flag it names)."""

import argparse

import pytest
import torch

from ddpm_lessons import InputError
from ddpm_lessons.config import MLPConfig
from ddpm_lessons.flags import (
    OptionError,
    add_command,
    add_config_options,
    add_option,
    arguments,
    clip_norm,
    count,
    device_name,
    integer,
    message_with_flag,
    parameter_named,
    positive_float,
    tuple_of_ints,
)


def test_a_command_records_the_flag_of_every_option_it_adds():
    commands = argparse.ArgumentParser().add_subparsers(dest="command")
    command = add_command(commands, "demo", run=print)
    add_option(command, "--n-train", type=integer, default=1)
    add_option(command, "path")
    add_config_options(command, MLPConfig)
    assert command.get_default("run") is print
    flags = command.get_default("flags")
    assert flags["n_train"] == "--n-train" and flags["path"] == "path" and flags["num_layers"] == "--layers"
    other = add_command(commands, "other", run=print)
    assert other.get_default("flags") == {}, "each sub-command keeps its own record"


def test_parameter_named_reads_the_attribute_first_then_the_leading_name():
    assert parameter_named(InputError("batch_size must be >= 1")) == "batch_size"
    assert parameter_named(InputError("groups=8 must divide every level width")) == "groups"
    error = InputError("the steps are wrong")
    error.parameter = "steps"
    assert parameter_named(error) == "steps"


def test_message_with_flag_names_the_parameter_the_error_is_about():
    flags = {"n_train": "--n-train", "model": "--model"}
    assert (
        message_with_flag(InputError("n_train must be >= 1, got 0"), flags) == "n_train must be >= 1, got 0 (--n-train)"
    )
    assert message_with_flag(InputError("--n-train is too large"), flags) == "--n-train is too large", "named already"
    assert message_with_flag(InputError("something else"), flags) == "something else"
    with pytest.raises(OptionError) as info, arguments("model", n="n_train"):
        raise ValueError("n must be an integer >= 1, got 0")
    assert isinstance(info.value, InputError) and info.value.dest == "n_train"
    assert message_with_flag(info.value, flags).endswith("(--n-train)")
    with pytest.raises(OptionError) as info, arguments("model", n="n_train"):
        raise TypeError("the U-Net is for images")
    assert message_with_flag(info.value, flags) == "the U-Net is for images (--model)", "the fallback flag"


def test_arguments_lets_other_exceptions_through():
    with pytest.raises(RuntimeError), arguments(n="n_train"):
        raise RuntimeError("not a flag value")


def test_types_refuse_bad_values_with_a_reason():
    assert integer("-3") == -3 and integer(str(2**63 - 1)) == 2**63 - 1
    for text, words in [("1e23", "expected an integer"), (str(2**63), "must fit in 64 bits")]:
        with pytest.raises(argparse.ArgumentTypeError, match=words):
            integer(text)
    assert count(0)("0") == 0 and count(1)("1") == 1  # refusals below the minimum: tests/test_cli.py
    assert positive_float("2e-3") == 2e-3
    for text in ("0", "inf", "nan", "x"):  # "-1": tests/test_cli.py
        with pytest.raises(argparse.ArgumentTypeError):
            positive_float(text)
    assert tuple_of_ints("1,2,2") == (1, 2, 2) and tuple_of_ints("") == ()
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated integers"):
        tuple_of_ints("1,a")
    assert clip_norm("0") is None and clip_norm("1.5") == 1.5


def test_device_name_accepts_only_devices_this_machine_has():
    assert device_name("cpu") == "cpu"  # a name torch does not know: tests/test_cli.py
    with pytest.raises(argparse.ArgumentTypeError, match="not available"):
        device_name("meta")
    if not torch.cuda.is_available():
        with pytest.raises(argparse.ArgumentTypeError, match="cuda is not available on this machine"):
            device_name("cuda")
