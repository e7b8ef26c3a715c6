"""Sampling schedule, offline data, CLI entry point and the torch-free import."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stablecheck
from stablecheck.collect import (
    add_collect_arguments,
    batch_indices,
    cli_collect,
    digits_dataset,
    example_task,
)
from stablecheck.noise import open_run

ROOT = Path(stablecheck.__file__).resolve().parent.parent


def test_without_replacement_batches_partition_then_reshuffle():
    n, b = 100, 30                                     # 3 batches per permutation, 10 left out
    batches = [batch_indices(n, b, k, sampling="without_replacement", seed=1, iteration=4)
               for k in range(6)]
    first, second = np.concatenate(batches[:3]), np.concatenate(batches[3:])
    assert len(np.unique(first)) == 90 and len(np.unique(second)) == 90
    assert not np.array_equal(np.sort(first), np.sort(second))  # a fresh permutation
    again = batch_indices(n, b, 4, sampling="without_replacement", seed=1, iteration=4)
    assert np.array_equal(again, batches[4])           # pure function of (seed, it, B, k)
    other = batch_indices(n, b, 4, sampling="without_replacement", seed=1, iteration=5)
    assert not np.array_equal(other, batches[4])


def test_with_replacement_batches_are_iid_uniform():
    draws = np.concatenate([batch_indices(50, 40, k, sampling="with_replacement", seed=2,
                                          iteration=0) for k in range(500)])
    assert draws.min() >= 0 and draws.max() < 50
    counts = np.bincount(draws, minlength=50)
    # 20000 uniform draws over 50 cells: chi-square with 49 df; 99.9% quantile is 85.4
    chi2 = ((counts - 400.0) ** 2 / 400.0).sum()
    assert chi2 < 85.4
    dup = sum(len(np.unique(batch_indices(50, 40, k, sampling="with_replacement", seed=2,
                                          iteration=0))) < 40 for k in range(20))
    assert dup == 20   # 40 draws from 50 always repeat (birthday bound): real replacement


def test_digits_equal_scikit_learns_loader():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = digits_dataset(dtype="float64")
    np.testing.assert_array_equal(x.numpy(), bunch.data / 16.0)
    np.testing.assert_array_equal(y.numpy(), bunch.target)
    xi, _ = digits_dataset(image=True, n=10)
    assert tuple(xi.shape) == (10, 1, 8, 8)


@pytest.mark.parametrize("model, dataset", [("mlp", "digits"), ("cnn", "digits"),
                                            ("linear", "digits"), ("mlp", "teacher"),
                                            ("linear", "linreg"), ("mlp", "linreg")])
def test_examples_are_deterministic(model, dataset):
    a, b = example_task(model, dataset, seed=3), example_task(model, dataset, seed=3)
    for (ka, va), (kb, vb) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert ka == kb and bool((va == vb).all())
    out = a.model(a.dataset[0][:4])
    assert out.shape[0] == 4
    assert float(a.loss_fn(out, a.dataset[1][:4]).detach()) > 0


def test_example_task_rejects_bad_pairs():
    with pytest.raises(ValueError, match="8x8 images"):
        example_task("cnn", "teacher")
    with pytest.raises(ValueError, match="model"):
        example_task("resnet", "digits")


def test_cli_arguments_and_entry(tmp_path):
    parser = add_collect_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--model", "linear", "--dataset", "linreg", "--iterations", "0,4",
                              "--batch-size", "8,16", "--n-batches", "3", "--out",
                              str(tmp_path / "r"), "--no-progress", "--full-gradient",
                              "large_batch:100", "--lr", "0.01"])
    res = cli_collect(args)
    assert res.iterations == (0, 4) and res.batch_sizes == (8, 16)
    run = open_run(res.out)
    assert run.meta["full_gradient_batch_size"] == 100 and run.meta["lr"] == 0.01
    assert len(run.snapshots) == 4 and all(run.is_complete(s) for s in run.snapshots)
    again = cli_collect(vars(args), resume=True)
    assert again.chunks_written == 0
    with pytest.raises(ValueError, match="large_batch:<int>"):
        cli_collect(vars(args), full_gradient="large_batch:x")


def test_import_without_torch():
    """``import stablecheck`` / ``stablecheck.collect`` must not need (or import) torch."""
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'torch' or name.startswith('torch.'):\n"
            "            raise ModuleNotFoundError(\"No module named 'torch'\")\n"
            "sys.meta_path.insert(0, Block())\n"
            "import stablecheck, stablecheck.collect as c\n"
            "import stablecheck.cli\n"
            "assert 'torch' not in sys.modules\n"
            "assert 'collect_noise' in dir(c)\n"
            "try:\n"
            "    c.collect_noise\n"
            "    c.example_task('mlp', 'digits')\n"
            "except ImportError as e:\n"
            "    assert 'stablecheck[torch]' in str(e), e\n"
            "else:\n"
            "    raise SystemExit('no ImportError')\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
