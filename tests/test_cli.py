"""The command-line interface: help, `info`, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stablecheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample-run"


def test_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "info" in capsys.readouterr().out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["bogus"], ["info"], ["info", "x", "--format", "zip"]])
def test_usage_errors_exit_two(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_info_on_the_sample_run(capsys):
    assert main(["info", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    for text in ("file_format    run", "n_snapshots    2", "t000000: 64 x 4000",
                 "sas15: (25, 40), [2000, 3000)", "zero_fraction", "n_nonfinite    0",
                 "dtype          float32", "assumptions: none"):
        assert text in out, text


def test_info_json(capsys, tmp_path):
    np.save(tmp_path / "x.npy", np.arange(6.0).reshape(3, 2))
    assert main(["info", "--json", str(tmp_path / "x.npy")]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["snapshots"] == [["0", 3, 2]] and d["n_zero"] == 1 and d["assumptions"]


def test_data_error_is_one_line_exit_one(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy at all")
    assert main(["info", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a .npy file" in err and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy at all")
    proc = subprocess.run([sys.executable, "-m", "stablecheck.cli", "info", "--debug", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" in proc.stderr
    assert "NoiseFormatError" in proc.stderr


def test_console_entry_point_runs_info():
    proc = subprocess.run([sys.executable, "-m", "stablecheck.cli", "info", str(SAMPLE)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "Noise dataset" in proc.stdout
