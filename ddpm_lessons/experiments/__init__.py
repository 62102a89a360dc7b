"""Recorded experiments (issue 20; teaching standard §3): commands whose JSON records in ``data/`` lessons read.

Each module is one experiment, run as ``python -m ddpm_lessons.experiments.NAME --help``, with its record in
``data/NAME.json``: :mod:`.embedding_ablation` (lesson 04), :mod:`.step_count` (08), :mod:`.flows` (09b),
:mod:`.claims` (10) and :mod:`.design_space` (11; its record is still to be run). :mod:`.record` is their common frame (the record's keys, atomic writing, checked reading, seeds
over processes with each run's CPU time, a value's spread over seeds).
"""

from .record import command_arguments, read_record, spread

__all__ = ["command_arguments", "read_record", "spread"]
