"""Train and export veriml's bundled demo model (``src/veriml/data/demo_cnn.onnx``).

A small CNN for the procedural 16x16 digits of ``veriml.demo_data``::

    input  (1, 1, 16, 16)
    Conv 1->4, 3x3, pad 1 -> Relu -> AveragePool 2     (1, 4, 8, 8)
    Conv 4->8, 3x3, pad 1 -> Relu -> AveragePool 2     (1, 8, 4, 4)
    Flatten -> Gemm 128->32 -> Relu -> Gemm 32->10     (1, 10) logits

Everything is seeded and runs on the CPU in well under two minutes on two cores.
Writes, into ``--out-dir``:

* ``demo_cnn.onnx``: opset 17, static batch size 1, input ``input``, output ``logits``;
* ``demo_input.json``: one test image in ezkl's layout (``input_data``, ``input_shapes``,
  ``output_data`` from onnxruntime, plus its ``label``);
* ``README.md``: how the files were made and the measured test accuracy.

Needs torch (``pip install torch``); the rest of veriml does not.

Usage::

    python scripts/train_demo_model.py
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from veriml.demo_data import make_digits

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "veriml" / "data"
OPSET = 17
TRAIN_SEED, TEST_SEED, TORCH_SEED = 0, 1, 0
COMMAND = "python scripts/train_demo_model.py"


class DemoCNN(nn.Module):
    """Conv-Relu-AvgPool twice, then a two-layer perceptron: 4,794 parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(8 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((pred == y).mean())


def train(n_train: int, epochs: int, batch: int, lr: float) -> nn.Module:
    torch.manual_seed(TORCH_SEED)
    x, y = make_digits(n_train, seed=TRAIN_SEED)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = DemoCNN()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((n_train + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    gen = torch.Generator().manual_seed(TORCH_SEED)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n_train, generator=gen)
        total = 0.0
        for lo in range(0, n_train, batch):
            idx = perm[lo:lo + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        model.eval()
        print(f"epoch {epoch + 1}/{epochs}  loss {total / n_train:.4f}  "
              f"train acc {accuracy(model, x[:2000], y[:2000]):.4f}")
    return model.eval()


def export(model: nn.Module, path: Path) -> None:
    """Export with the TorchScript-based exporter (no onnxscript needed): plain
    Conv / Relu / AveragePool / Flatten / Gemm nodes, weights inline."""
    dummy = torch.zeros(1, 1, 16, 16)
    with warnings.catch_warnings():  # "legacy exporter" notice: chosen on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model, (dummy,), str(path), dynamo=False, opset_version=OPSET,
            input_names=["input"], output_names=["logits"], do_constant_folding=True,
        )
    onnx_model = onnx.load(str(path))
    onnx.checker.check_model(onnx_model, full_check=True)


def onnx_logits(session: ort.InferenceSession, x: np.ndarray) -> np.ndarray:
    """Run the batch-1 model over ``x`` (n, 1, 16, 16) one image at a time."""
    return np.concatenate([session.run(["logits"], {"input": xi[None]})[0] for xi in x])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--n-test", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    t0 = time.perf_counter()
    model = train(args.n_train, args.epochs, args.batch, args.lr)
    n_params = sum(p.numel() for p in model.parameters())

    x_test, y_test = make_digits(args.n_test, seed=TEST_SEED)
    test_acc = accuracy(model, x_test, y_test)
    print(f"parameters {n_params}  test acc {test_acc:.4f} "
          f"(n={args.n_test}, seed={TEST_SEED})  train time {time.perf_counter() - t0:.1f}s")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out_dir / "demo_cnn.onnx"
    export(model, onnx_path)

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    ort_out = onnx_logits(session, x_test)
    with torch.no_grad():
        torch_out = model(torch.from_numpy(x_test)).numpy()
    max_diff = float(np.abs(ort_out - torch_out).max())
    ort_acc = float((ort_out.argmax(1) == y_test).mean())
    print(f"onnx {onnx_path.stat().st_size} bytes  onnxruntime acc {ort_acc:.4f}  "
          f"max |torch - onnxruntime| {max_diff:.2e}")
    if max_diff >= 1e-4:
        raise SystemExit(f"onnxruntime disagrees with torch: max abs diff {max_diff:.2e}")

    # The demo input: the first test image the model classifies correctly.
    k = int(np.flatnonzero(ort_out.argmax(1) == y_test)[0])
    demo = {
        "input_data": [[float(v) for v in x_test[k].ravel()]],
        "input_shapes": [[1, 1, 16, 16]],
        "output_data": [[float(v) for v in ort_out[k]]],
        "label": int(y_test[k]),
    }
    (args.out_dir / "demo_input.json").write_text(json.dumps(demo) + "\n")

    (args.out_dir / "README.md").write_text(f"""\
# Bundled demo model

Produced by `{COMMAND}` (torch {torch.__version__.split('+')[0]}, CPU, fixed seeds);
rerun it to regenerate every file here.

- `demo_cnn.onnx`: a {n_params:,}-parameter CNN for the 16x16 procedural digits of
  `veriml.demo_data.make_digits`; ONNX opset {OPSET}, static batch size 1, input `input`
  (float32 `[1, 1, 16, 16]`, values in [0, 1]), output `logits` (float32 `[1, 10]`).
  Layers: Conv(1->4, 3x3, pad 1), Relu, AveragePool(2), Conv(4->8, 3x3, pad 1), Relu,
  AveragePool(2), Flatten, Gemm(128->32), Relu, Gemm(32->10).
- `demo_input.json`: test image {k} of `make_digits({args.n_test}, seed={TEST_SEED})`
  (label {demo['label']}) in ezkl's input layout; `output_data` holds onnxruntime's logits.

Trained on `make_digits({args.n_train}, seed={TRAIN_SEED})` for {args.epochs} epochs
(Adam, one-cycle learning rate {args.lr}, batch {args.batch}).
Test accuracy on `make_digits({args.n_test}, seed={TEST_SEED})`: {100 * test_acc:.2f}% (torch),
{100 * ort_acc:.2f}% (onnxruntime); max |torch - onnxruntime| logit difference {max_diff:.1e}.
""")
    print(f"wrote {onnx_path}, demo_input.json (test image {k}, label {demo['label']}), README.md")


if __name__ == "__main__":
    main()
