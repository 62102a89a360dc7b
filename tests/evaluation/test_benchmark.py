"""The benchmark command: its sub-commands are named, --help works, an unknown name is refused."""

import pytest

from ddpm_lessons.evaluation.benchmark import BENCHMARKS
from ddpm_lessons.evaluation.benchmark import main as bench_main


def test_benchmark_command_lists_its_benchmarks_and_refuses_others():
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
    }
    with pytest.raises(SystemExit) as info:
        bench_main(["--only", "nonsense"])
    assert info.value.code == 2
