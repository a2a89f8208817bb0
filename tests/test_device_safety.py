"""Every snippet runs where the reader runs it, a GPU included (DESIGN.md, "Runs where the reader
runs it"; issue 23). The build machine has no GPU, so this is a static check of the scripts' source,
with ``ast``, of the ways a script breaks on a GPU and not on a CPU:

- a plain PyTorch training script that never picks a device (its Lightning twin, with the
  ``Trainer``'s default ``accelerator="auto"``, takes the GPU; the plain loop stays on the CPU);
- ``torch.load`` without ``map_location`` (a checkpoint saved on a GPU loads onto the GPU, and a
  comparison with CPU tensors raises);
- ``load_from_checkpoint`` without ``map_location``, whose model is then called on inputs that no
  ``.to(model.device)`` moves (the model lands on the checkpoint's device:
  ``_default_map_location`` in ``pytorch_lightning/core/saving.py``);
- a function that reads the module's ``device`` before the module defines it;
- a tensor made inside a ``LightningModule``'s method without ``device=`` (it stays on the CPU
  while the module moves to the GPU).

The second half of the file feeds the checker short sources that break each rule, so that the
first half cannot pass by checking nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

SNIPPETS = REPO / "snippets"

PICK_DEVICE = "pick-device"
LOAD_ON_CPU = "load-on-cpu"
INPUTS_TO_MODEL = "inputs-to-model-device"
DEVICE_BEFORE_USE = "device-before-use"
STEP_TENSORS = "step-tensors-follow-module"

# Plain PyTorch training scripts that stay on the CPU, and why. Keep it short.
CPU_ONLY = {
    "errata/dataset_loop.py": "the notes' loop as written; the page shows its fix as a diff, which must hold only the fix",
    "errata/dataset_loop_fixed.py": "dataset_loop.py with only the erratum fixed",
    "errata/zero_grad.py": "the notes' typo as written; the page shows its fix as a diff, which must hold only the fix",
    "errata/zero_grad_fixed.py": "zero_grad.py with only the erratum fixed",
    "multi-device/train_ddp_pytorch.py": "DDP on CPU processes with gloo; multi-device.md#gpus lists its edits for GPUs",
}
# torch.load without map_location, and why.
UNMAPPED_LOAD = {
    "upgrade/hparams_assign.py": "reads hyper_parameters, no tensor; the Upgrade page shows the 1.9.5 run of this very file",
    "upgrade/hparams_assign_fixed.py": "the fixed form of hparams_assign.py, the same line, so the diff shows only the fix",
}
# Tensors made on the CPU inside a LightningModule's step on purpose, and why.
CPU_TENSOR_ON_PURPOSE = {
    "errors/tensor_device.py": "the error the Errors page shows is that very tensor's",
}

LIGHTNING_PACKAGES = {"lightning", "pytorch_lightning", "lightning_fabric"}
TENSOR_FACTORIES = {"zeros", "ones", "randn", "rand", "randint", "tensor", "arange", "full", "empty", "eye", "linspace"}
# Methods of a module that do not run it on inputs.
NOT_A_FORWARD = {
    "to", "cpu", "cuda", "eval", "train", "load_state_dict", "state_dict", "parameters", "named_parameters",
    "freeze", "unfreeze", "requires_grad_", "apply", "half", "float", "double", "type", "zero_grad",
}  # fmt: skip


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"


def dotted(node: ast.AST) -> str:
    """``torch.cuda.is_available`` for that expression; "" for anything that is not a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def keywords(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg}


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


# ---------------------------------------------------------------- the rules


def unpicked_device(tree: ast.Module, file: str) -> list[Violation]:
    """A training script without Lightning that never calls torch.cuda.is_available() (nor imports
    a ``device`` chosen in a module of its own)."""
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        if any(module.split(".")[0] in LIGHTNING_PACKAGES for module in modules):
            return []
    training = [
        call
        for call in calls(tree)
        if isinstance(call.func, ast.Attribute)
        and (call.func.attr == "backward" or (call.func.attr == "step" and "optim" in dotted(call.func.value)))
    ]
    if not training:
        return []
    picks = any(dotted(call.func) == "torch.cuda.is_available" for call in calls(tree))
    imports_device = any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "device" for alias in node.names)
        for node in ast.walk(tree)
    )
    if picks or imports_device:
        return []
    first = min(call.lineno for call in training)
    return [
        Violation(
            file,
            first,
            PICK_DEVICE,
            "trains with plain PyTorch but never picks its device: "
            'device = torch.device("cuda" if torch.cuda.is_available() else "cpu"), as the core page does',
        )
    ]


def unmapped_loads(tree: ast.Module, file: str) -> list[Violation]:
    return [
        Violation(file, call.lineno, LOAD_ON_CPU, 'torch.load(...) without map_location="cpu"')
        for call in calls(tree)
        if dotted(call.func) == "torch.load" and "map_location" not in keywords(call)
    ]


def inputs_off_the_model_device(tree: ast.Module, file: str) -> list[Violation]:
    """A model from load_from_checkpoint (no map_location) called on inputs, in a script where no
    ``.to(<model>.device)`` moves anything to it."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        loads = [
            call
            for call in calls(node.value)
            if isinstance(call.func, ast.Attribute) and call.func.attr == "load_from_checkpoint"
        ]
        if not loads or any("map_location" in keywords(call) for call in loads):
            continue
        for name in (t.id for t in node.targets if isinstance(t, ast.Name)):
            if not runs_on_inputs(tree, name):
                continue
            moved = any(
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "to"
                and any(dotted(arg) == f"{name}.device" for arg in call.args)
                for call in calls(tree)
            )
            if not moved:
                found.append(
                    Violation(
                        file,
                        node.lineno,
                        INPUTS_TO_MODEL,
                        f"{name} = ...load_from_checkpoint(...) lands on the checkpoint's device, and {name} "
                        f"is called on inputs never moved with .to({name}.device) (or pass map_location=)",
                    )
                )
    return found


def runs_on_inputs(tree: ast.Module, name: str) -> bool:
    """``name(x)`` or ``name.part(x)`` (a submodule, ``model.encoder(x)``) somewhere in the script."""
    for call in calls(tree):
        if not call.args:
            continue
        if isinstance(call.func, ast.Name) and call.func.id == name:
            return True
        if (
            isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == name
            and call.func.attr not in NOT_A_FORWARD
        ):
            return True
    return False


def device_read_before_defined(tree: ast.Module, file: str) -> list[Violation]:
    """A function that reads the module-level name ``device`` while the module defines it only
    below the function (the function works, but only because of where it happens to be called)."""
    defined = module_bindings(tree, "device")
    found = []

    def visit(node: ast.AST, enclosing_binds: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                binds = enclosing_binds or binds_locally(child, "device")
                if not binds:
                    reads = [
                        n.lineno
                        for n in ast.walk(child)
                        if isinstance(n, ast.Name) and n.id == "device" and isinstance(n.ctx, ast.Load)
                    ]
                    start = min([child.lineno, *(d.lineno for d in getattr(child, "decorator_list", []))])
                    if reads and not any(line < start for line in defined):
                        where = f"line {min(defined)}" if defined else "nowhere"
                        found.append(
                            Violation(
                                file,
                                min(reads),
                                DEVICE_BEFORE_USE,
                                f"reads the module's device, which is defined {where}, after the function "
                                f"(line {start}): define device before the functions that use it, or pass it in",
                            )
                        )
                visit(child, binds)
            else:
                visit(child, enclosing_binds)

    visit(tree, False)
    return found


def module_bindings(tree: ast.Module, name: str) -> list[int]:
    """The lines where module-level code (not inside a def or a class) binds ``name``."""
    lines = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Name) and child.id == name and isinstance(child.ctx, ast.Store):
                lines.append(child.lineno)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                if any((alias.asname or alias.name.split(".")[0]) == name for alias in child.names):
                    lines.append(child.lineno)
            visit(child)

    visit(tree)
    return lines


def binds_locally(function: ast.AST, name: str) -> bool:
    arguments = function.args
    parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    if any(p is not None and p.arg == name for p in parameters):
        return True
    body = function.body if isinstance(function.body, list) else [function.body]
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Global) and name in node.names:
                return False
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
                return True
    return False


def cpu_tensors_in_steps(tree: ast.Module, file: str) -> list[Violation]:
    """``torch.zeros(...)`` and the like, without ``device=``, in a LightningModule's methods
    (``__init__`` aside, where a tensor becomes a buffer or a parameter that moves with the module)."""
    found = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        if not any(dotted(base).endswith("LightningModule") for base in cls.bases):
            continue
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or method.name == "__init__":
                continue
            for call in calls(method):
                factory = dotted(call.func)
                if factory.startswith("torch.") and factory[6:] in TENSOR_FACTORIES and "device" not in keywords(call):
                    found.append(
                        Violation(
                            file,
                            call.lineno,
                            STEP_TENSORS,
                            f"{factory}(...) in {cls.name}.{method.name} is made on the CPU: make it like the "
                            "batch (torch.randn_like(x), x.new_zeros(...)), pass device=self.device, or "
                            "register a buffer",
                        )
                    )
    return found


RULES = {
    PICK_DEVICE: unpicked_device,
    LOAD_ON_CPU: unmapped_loads,
    INPUTS_TO_MODEL: inputs_off_the_model_device,
    DEVICE_BEFORE_USE: device_read_before_defined,
    STEP_TENSORS: cpu_tensors_in_steps,
}
EXEMPT = {PICK_DEVICE: CPU_ONLY, LOAD_ON_CPU: UNMAPPED_LOAD, STEP_TENSORS: CPU_TENSOR_ON_PURPOSE}


def check(source: str, file: str = "<source>", rules=tuple(RULES)) -> list[Violation]:
    tree = ast.parse(source, filename=file)
    return [v for rule in rules if file not in EXEMPT.get(rule, {}) for v in RULES[rule](tree, file)]


def snippet_files() -> list[Path]:
    return sorted(SNIPPETS.rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(SNIPPETS).as_posix()


# ---------------------------------------------------------------- the snippets


def test_there_are_snippets_to_check():
    files = snippet_files()
    assert len(files) > 100, len(files)


@pytest.mark.parametrize("rule", list(RULES))
def test_no_snippet_breaks_the_rule(rule):
    found = [v for path in snippet_files() for v in check(path.read_text(), relative(path), rules=(rule,))]
    assert not found, "\n" + "\n".join(map(str, found))


@pytest.mark.parametrize(("rule", "file"), [(rule, file) for rule, files in EXEMPT.items() for file in files])
def test_every_exception_is_still_needed(rule, file):
    """An exempted script exists and still breaks the rule: a stale exception would hide a new one."""
    path = SNIPPETS / file
    assert path.is_file(), f"{file} is exempted from {rule} but does not exist"
    assert RULES[rule](ast.parse(path.read_text()), file), f"{file} no longer needs its exception from {rule}"


# ---------------------------------------------------------------- the checker catches each fault


def rules_broken(source: str) -> list[str]:
    return [v.rule for v in check(source)]


CPU_LOOP = """
import torch
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = model(torch.randn(8, 4)).pow(2).mean()
loss.backward()
optimizer.step()
"""


def test_a_plain_training_loop_without_a_device_choice_is_caught():
    assert rules_broken(CPU_LOOP) == [PICK_DEVICE]
    (violation,) = check(CPU_LOOP, "loop.py")
    assert str(violation).startswith("loop.py:6: pick-device: ")


def test_a_plain_training_loop_that_picks_its_device_passes():
    picked = CPU_LOOP.replace(
        "model = torch.nn.Linear(4, 1)",
        'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")\n'
        "model = torch.nn.Linear(4, 1).to(device)",
    )
    assert rules_broken(picked) == []
    # A device chosen in a module of the page's own, and imported, counts too.
    assert rules_broken("from autoencoder_pytorch import device, train_one_epoch\n" + CPU_LOOP) == []


def test_a_training_loop_only_stepping_its_optimizer_is_caught():
    assert rules_broken("import torch\noptimizer = make()\noptimizer.step()\n") == [PICK_DEVICE]


def test_a_lightning_script_needs_no_device_choice():
    assert rules_broken("import pytorch_lightning as pl\n" + CPU_LOOP) == []
    assert rules_broken("from lightning_fabric import Fabric\n" + CPU_LOOP) == []


def test_an_exempted_script_is_not_reported():
    assert check(CPU_LOOP, "multi-device/train_ddp_pytorch.py") == []


def test_torch_load_without_map_location_is_caught():
    source = 'import torch\na = torch.load("a.pt", weights_only=True)\nb = torch.load("b.pt", map_location="cpu")\n'
    assert [(v.line, v.rule) for v in check(source)] == [(2, LOAD_ON_CPU)]


def test_a_loaded_model_fed_cpu_inputs_is_caught():
    source = """
import torch
model = LitAutoEncoder.load_from_checkpoint("last.ckpt").eval()
x = torch.rand(8, 784)
print(model(x))
"""
    assert [(v.line, v.rule) for v in check(source)] == [(3, INPUTS_TO_MODEL)]
    # Through a submodule too.
    assert rules_broken(source.replace("model(x)", "model.encoder(x)")) == [INPUTS_TO_MODEL]


def test_a_loaded_model_fed_inputs_on_its_device_passes():
    source = """
import torch
model = LitAutoEncoder.load_from_checkpoint("last.ckpt")
x = torch.rand(8, 784).to(model.device)
print(model(x))
"""
    assert rules_broken(source) == []
    on_cpu = source.replace('("last.ckpt")', '("last.ckpt", map_location="cpu")').replace(".to(model.device)", "")
    assert rules_broken(on_cpu) == []
    # Loaded to read its hyperparameters only: nothing runs on inputs.
    assert rules_broken('model = Lit.load_from_checkpoint("last.ckpt")\nprint(dict(model.hparams))\n') == []


def test_device_defined_after_the_functions_that_read_it_is_caught():
    source = """
import torch


def train(model, loader):
    for x in loader:
        model(x.to(device))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
"""
    (violation,) = check(source, "late.py", rules=(DEVICE_BEFORE_USE,))
    assert (violation.line, violation.rule) == (7, DEVICE_BEFORE_USE)
    assert "defined line 10" in violation.message
    # Defined first, or passed in, it passes.
    device_line = 'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")\n'
    moved = source.replace(device_line, "").replace("import torch\n", "import torch\n" + device_line)
    assert check(moved, rules=(DEVICE_BEFORE_USE,)) == []
    passed = source.replace("def train(model, loader):", "def train(model, loader, device):")
    assert check(passed, rules=(DEVICE_BEFORE_USE,)) == []


def test_device_never_defined_at_module_level_is_caught():
    source = "def train(x):\n    return x.to(device)\n"
    assert rules_broken(source) == [DEVICE_BEFORE_USE]
    # A local of an enclosing function is not the module's.
    assert rules_broken("def outer(device):\n    def inner(x):\n        return x.to(device)\n    return inner\n") == []


def test_a_tensor_made_on_the_cpu_inside_a_step_is_caught():
    source = """
import pytorch_lightning as pl
import torch


class Lit(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.register_buffer("weights", torch.tensor([1.0, 2.0]))

    def training_step(self, batch, batch_idx):
        x, y = batch
        noise = torch.randn(x.shape)
        mask = torch.ones(3, device=self.device)
        return (x + noise).sum()
"""
    assert [(v.line, v.rule) for v in check(source)] == [(13, STEP_TENSORS)]
    assert rules_broken(source.replace("torch.randn(x.shape)", "torch.randn_like(x)")) == []
