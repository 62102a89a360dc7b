"""Recorded experiments (issue 20; teaching standard §3): commands whose JSON records in ``data/`` lessons read.

Each module is one experiment, run as ``python -m ddpm_lessons.experiments.NAME --help``; :mod:`.record` is their
common frame (the record's keys, atomic writing, checked reading, seeds over processes, a value's spread over seeds).
"""

from .record import command_arguments, read_record, spread

__all__ = ["command_arguments", "read_record", "spread"]
