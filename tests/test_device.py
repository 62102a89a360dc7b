"""ddpm_lessons.device: MKL held to one code path (MKL_BRANCH) from the package's import on."""

import json
import os
import subprocess
import sys

from ddpm_lessons import device

PROBE = """
import hashlib, json, os, sys
import ddpm_lessons
pinned = os.environ.get("MKL_CBWR")
os.environ["MKL_CBWR"] = "COMPATIBLE"     # honoured only if nothing has called MKL yet
import torch
torch.manual_seed(0)
a, b = torch.randn(257, 513), torch.randn(513, 129)
print(json.dumps({"pinned": pinned, "product": hashlib.sha256((a @ b).numpy().tobytes()).hexdigest()}))
"""


def probe(**env):
    environment = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"} | env
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_import_pins_mkl_keeps_a_readers_choice_and_multiplies_nothing():
    fresh = probe()
    assert fresh["pinned"] == device.MKL_BRANCH  # set where the reader had not set it
    chosen = probe(MKL_CBWR="COMPATIBLE")
    assert chosen["pinned"] == "COMPATIBLE"  # a reader's own setting is kept
    # The first process switched to COMPATIBLE after importing the package; its product matches the process that
    # started with COMPATIBLE, so no import multiplied a matrix before the pin could take effect.
    assert fresh["product"] == chosen["product"]
