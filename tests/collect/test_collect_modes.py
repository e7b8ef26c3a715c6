"""Model mode, backends, the training-loop hook, SGD training and option checks."""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pytest
import torch
from collect_helpers import read_snapshot
from safetensors.torch import load_file

from stablecheck.collect import (
    NoiseCollector,
    collect_noise,
    digits_dataset,
    example_task,
    make_mlp,
    train_and_collect,
)
from stablecheck.collect._data import train_batch
from stablecheck.errors import DataWarning
from stablecheck.noise import open_run


def _bn_dropout_net(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(OrderedDict([
        ("fc1", torch.nn.Linear(64, 32)), ("bn", torch.nn.BatchNorm1d(32)),
        ("relu", torch.nn.ReLU()), ("drop", torch.nn.Dropout(0.3)),
        ("fc2", torch.nn.Linear(32, 10))]))


def test_eval_mode_default_and_model_untouched(tmp_path):
    x, y = digits_dataset()
    net = _bn_dropout_net()
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    for p in net.parameters():
        p.grad = torch.full_like(p, 7.0)               # the user's own gradients
    rng_state = torch.get_rng_state()
    res = collect_noise(net, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "e",
                        batch_sizes=(16,), n_batches=4, seed=0)
    assert net.training and all(m.training for m in net.modules())
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(torch.all(p.grad == 7.0) for p in net.parameters())
    assert torch.equal(torch.get_rng_state(), rng_state)
    run = open_run(res.out)
    assert run.meta["model_mode"] == "eval"
    assert run.meta["stochastic_modules"] == ["bn: BatchNorm1d", "drop: Dropout"]
    assert run.meta["train_mode_modules"] == []


def test_train_mode_is_recorded_seeded_and_restores_buffers(tmp_path):
    x, y = digits_dataset()
    net = _bn_dropout_net()
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    kw = dict(batch_sizes=(16,), n_batches=4, seed=0, mode="train")
    a = collect_noise(net, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "a", **kw)
    b = collect_noise(net, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "b", **kw)
    e = collect_noise(net, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "e",
                      batch_sizes=(16,), n_batches=4, seed=0)
    assert not net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # BN buffers
    ua, ub = read_snapshot(a.out, "t00000000_b16"), read_snapshot(b.out, "t00000000_b16")
    assert np.array_equal(ua, ub)                      # dropout seeded per minibatch
    assert not np.allclose(ua, read_snapshot(e.out, "t00000000_b16"))
    meta = open_run(a.out).meta
    assert meta["model_mode"] == "train"
    assert meta["train_mode_modules"] == ["bn: BatchNorm1d", "drop: Dropout"]


def test_train_mode_refusals(tmp_path):
    x, y = digits_dataset()
    with pytest.raises(ValueError, match="vmap"):
        collect_noise(_bn_dropout_net(), torch.nn.CrossEntropyLoss(), (x, y),
                      out=tmp_path / "v", mode="train", backend="vmap", n_batches=2)
    with pytest.raises(ValueError, match="batch of 1"):
        collect_noise(_bn_dropout_net(), torch.nn.CrossEntropyLoss(), (x, y),
                      out=tmp_path / "o", mode="train", batch_sizes=(1, 8), n_batches=2)


def test_vmap_backend_matches_loop(tmp_path):
    task = example_task("cnn", "digits", seed=2)
    kw = dict(batch_sizes=(8, 32), n_batches=6, seed=1, chunk_bytes=40_000)
    a = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "loop", **kw)
    b = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "vmap",
                      backend="vmap", **kw)
    for name in a.snapshots:
        # same mathematics, different kernels (batched matmul): float32 rounding only
        np.testing.assert_allclose(read_snapshot(b.out, name), read_snapshot(a.out, name),
                                   rtol=0, atol=1e-6)


def test_hook_in_users_own_loop(tmp_path):
    x, y = digits_dataset()
    model = make_mlp(64, 10, hidden=(16,), seed=0)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    saved = {}
    with NoiseCollector(loss_fn, (x, y), out=tmp_path / "hook", every=5, batch_sizes=(8, 64),
                        n_batches=3, seed=0) as collector:
        for step in range(12):
            if collector.maybe_collect(step, model):
                saved[step] = {k: v.clone() for k, v in model.state_dict().items()}
            idx = torch.from_numpy(train_batch(1797, 32, step, seed=0))
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
        res = collector.result()
    assert res.iterations == (0, 5, 10)
    assert set(res.snapshots) == {f"t{t:08d}_b{b}" for t in (0, 5, 10) for b in (8, 64)}
    run = open_run(res.out)
    for t, state in saved.items():
        w = load_file(str(tmp_path / "hook" / f"weights/t{t:08d}.safetensors"))
        assert all(torch.equal(w[k], v) for k, v in state.items())
        assert run.snapshots[f"t{t:08d}_b8"].meta["iteration"] == t


def test_train_and_collect_matches_hand_written_sgd(tmp_path):
    x, y = digits_dataset()
    kw = dict(steps=30, lr=0.05, momentum=0.9, train_batch_size=32, iterations=(0, 10, 30),
              batch_sizes=(16,), n_batches=3, seed=4)
    model = make_mlp(64, 10, hidden=(16,), seed=1)
    res = train_and_collect(model, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "t", **kw)
    # independent: torch's SGD driven by hand on the same batches
    ref = make_mlp(64, 10, hidden=(16,), seed=1)
    opt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    for step in range(31):
        if step in (0, 10, 30):
            w = load_file(str(tmp_path / "t" / f"weights/t{step:08d}.safetensors"))
            for k, v in ref.state_dict().items():
                np.testing.assert_allclose(w[k].numpy(), v.numpy(), rtol=0, atol=1e-6)
        if step == 30:
            break
        idx = torch.from_numpy(train_batch(1797, 32, step, seed=4))
        opt.zero_grad()
        torch.nn.CrossEntropyLoss()(ref(x[idx]), y[idx]).backward()
        opt.step()
    meta = open_run(res.out).meta
    assert (meta["optimizer"], meta["lr"], meta["momentum"], meta["train_batch_size"]) == \
        ("SGD", 0.05, 0.9, 32)
    assert res.iterations == (0, 10, 30)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                  ref.state_dict().values()))


def test_collect_noise_with_schedule_trains(tmp_path):
    task = example_task("linear", "teacher", seed=0)
    res = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r",
                        iterations=[0, 5], lr=0.01, batch_sizes=(4,), n_batches=2)
    assert res.iterations == (0, 5)
    with pytest.raises(ValueError, match="needs SGD training"):
        collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "s",
                      iterations=[0, 5], batch_sizes=(4,), n_batches=2)


def test_float64_storage_and_run_metadata(tmp_path):
    task = example_task("mlp", "teacher", seed=0, hidden=(8,))
    res = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp_path / "r",
                        batch_sizes=(4,), n_batches=2, dtype="float64", seed=13)
    run = open_run(res.out)
    u = read_snapshot(res.out, "t00000000_b4")
    assert u.dtype == np.float64
    meta = run.meta
    assert meta["versions"]["torch"] == torch.__version__
    assert meta["seed"] == 13 and meta["sampling"] == "without_replacement"
    snap = run.snapshots["t00000000_b4"].meta
    assert snap["full_gradient"] == "exact" and snap["full_gradient_batch_size"] == 2048
    json.dumps(run.config)  # the fingerprinted configuration is plain JSON


def test_partition_mean_warns_when_batches_do_not_divide(tmp_path):
    x, y = digits_dataset()
    with pytest.warns(DataWarning, match="do not divide"):
        collect_noise(make_mlp(64, 10, hidden=(8,)), torch.nn.CrossEntropyLoss(), (x, y),
                      out=tmp_path / "r", batch_sizes=(100,), n_batches=2,
                      full_gradient="partition_mean")


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_sizes": (0,)}, "batch_sizes"),
    ({"batch_sizes": (5000,)}, "exceed the 1797"),
    ({"n_batches": 0}, "n_batches"),
    ({"full_gradient": "large_batch"}, "B_big"),
    ({"full_gradient": ("large_batch", 10**6)}, "exceeds the 1797"),
    ({"full_gradient": "approx"}, "full_gradient"),
    ({"mode": "training"}, "mode"),
    ({"sampling": "poisson"}, "sampling"),
    ({"dtype": "float16"}, "dtype"),
    ({"layers": ["nope"]}, "matches none"),
    ({"iterations": [0, 1], "every": 2}, "not both"),
    ({"every": 2}, "needs `steps`"),
    ({"resume": "yes"}, "resume"),
    ({"out": None}, "directory path"),
    ({"threads": 0}, "threads"),
])
def test_bad_options(tmp_path, kwargs, match):
    x, y = digits_dataset()
    kwargs = {"out": tmp_path / "r", **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        collect_noise(make_mlp(64, 10, hidden=(8,)), torch.nn.CrossEntropyLoss(), (x, y),
                      **kwargs)


def test_weighted_loss_refused_and_callable_losses(tmp_path):
    x, y = digits_dataset()
    model = make_mlp(64, 10, hidden=(8,))
    with pytest.raises(ValueError, match="class weights"):
        collect_noise(model, torch.nn.CrossEntropyLoss(weight=torch.ones(10)), (x, y),
                      out=tmp_path / "w", n_batches=2)
    a = collect_noise(model, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "a",
                      n_batches=3, seed=1)
    b = collect_noise(model, lambda o, t: torch.nn.functional.cross_entropy(o, t,
                                                                            reduction="none"),
                      (x, y), out=tmp_path / "b", n_batches=3, seed=1)
    np.testing.assert_allclose(read_snapshot(b.out, "t00000000_b32"),
                               read_snapshot(a.out, "t00000000_b32"), atol=1e-6)


def test_map_style_dataset_equals_tensor_pair(tmp_path):
    x, y = digits_dataset(n=400)

    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return 400

        def __getitem__(self, i):
            return x[i], y[i]

    model = make_mlp(64, 10, hidden=(8,), seed=2)
    kw = dict(batch_sizes=(16,), n_batches=4, seed=6, full_chunk=128)
    a = collect_noise(model, torch.nn.CrossEntropyLoss(), (x, y), out=tmp_path / "a", **kw)
    b = collect_noise(model, torch.nn.CrossEntropyLoss(), Items(), out=tmp_path / "b", **kw)
    # same examples in the same order; stacking items gives the same batch tensors
    np.testing.assert_array_equal(read_snapshot(b.out, "t00000000_b16"),
                                  read_snapshot(a.out, "t00000000_b16"))
