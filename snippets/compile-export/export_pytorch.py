# Run after compile_pytorch.py, in its folder: python export_pytorch.py
# (reads autoencoder.pt and MNIST under ./data; writes autoencoder.pt2, autoencoder.onnx, autoencoder.onnx.data)
# --8<-- [start:imports]
import onnxruntime
import torch
from torch import nn
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:model]
class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))
# --8<-- [end:model]


# --8<-- [start:load]
model = AutoEncoder()
model.load_state_dict(torch.load("autoencoder.pt", map_location="cpu", weights_only=True))
model.eval()
test_set = datasets.MNIST("data", train=False, download=True, transform=transforms.ToTensor())
digits = torch.stack([image for image, _ in test_set]).view(len(test_set), -1)  # 1,000 test digits, flat
example = digits[:8]  # any real batch: export records the shapes and dtypes it sees
with torch.no_grad():
    expected = model(digits)
# --8<-- [end:load]

# --8<-- [start:export]
batch = torch.export.Dim("batch")  # the first dimension may be any size, not only the example's 8
exported = torch.export.export(model, (example,), dynamic_shapes={"x": {0: batch}})
torch.export.save(exported, "autoencoder.pt2")
# --8<-- [end:export]

# --8<-- [start:check-export]
program = torch.export.load("autoencoder.pt2").module()  # no AutoEncoder class needed
got = program(digits)
print(f"autoencoder.pt2, {len(digits)} digits: max |Δ| = {(got - expected).abs().max().item():.2e}")
torch.testing.assert_close(got, expected)  # float32: |Δ| ≤ 1e-5 + 1.3e-6 × |expected|, else it raises
# --8<-- [end:check-export]

# --8<-- [start:onnx]
torch.onnx.export(model, (example,), "autoencoder.onnx", dynamic_shapes={"x": {0: batch}})
# --8<-- [end:onnx]

# --8<-- [start:check-onnx]
session = onnxruntime.InferenceSession("autoencoder.onnx")  # ONNX Runtime: no torch needed to run it
(inputs,) = session.get_inputs()
print(f"ONNX input {inputs.name!r}, shape {inputs.shape}")
(got,) = session.run(None, {inputs.name: digits.numpy()})
print(f"autoencoder.onnx, {len(digits)} digits: max |Δ| = {abs(got - expected.numpy()).max():.2e}")
torch.testing.assert_close(torch.from_numpy(got), expected)
# --8<-- [end:check-onnx]
