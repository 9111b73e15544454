"""The command line as a planner's shell meets it: help on every command, output piped into `head`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gis.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_has_help(capsys):
    for name in COMMANDS:
        try:
            main([name, "--help"])
        except SystemExit as exc:
            assert exc.code == 0
        assert "usage: python -m gis" in capsys.readouterr().out


def test_output_piped_into_head_ends_without_a_traceback(demo_store):
    """`python -m gis demo … | head -1`: the reader leaves early; no traceback on stderr."""
    script = (f"{sys.executable} -m gis --db {demo_store.url} demo --area guixi | head -1")
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
