"""The Upgrade from Lightning 1.x page (docs/upgrade.md): each 1.x form a reader's old script has,
run at build on the pinned Lightning 2.x (its real error or warning), what it did on the last 1.x
release (the version matrix's ``lightning-1.9`` set, pages/versions.json), and the 2.x form.

One table, ``TABLE``, says everything an entry needs; ``entry()`` prints a section from it and
``summary()`` the table at the top of the page."""

from __future__ import annotations

import re

from pages import versions
from snippet_runner.pairs import Change, Pairs, fenced

FOLDER = "snippets/upgrade"
LAST_1X = "lightning-1.9"  # the version matrix's set of the last 1.x release

# The page's groups, in page order: key -> heading (each is a section of the page, {#key}).
GROUPS = {
    "hooks": "Hooks: `training_epoch_end`, `validation_epoch_end`, `*_step_end`",
    "optimizers": "Several optimizers: `optimizer_idx`, manual optimization",
    "trainer": "`Trainer` and `fit` arguments that are gone",
    "module": "The module, the command line, Lite and metrics",
}

# fmt: off
TABLE: list[Change] = [
    # --- hooks ---
    Change(
        "training_epoch_end", "training-epoch-end", "hooks",
        "`training_epoch_end(self, outputs)`", "`on_train_epoch_end(self)`",
        "Use `on_train_epoch_end(self)`. It gets no `outputs`: keep what you need in a list on the module "
        "(append in `training_step`), reduce it in the hook, and clear the list for the next epoch.",
        "NotImplementedError: Support for `training_epoch_end` has been removed in v2.0.0.",
        r"epoch 1: mean training loss \d+\.\d{6}",
        why="Append `loss.detach()`, not `loss`: a loss that keeps its graph keeps the step's activations "
        "in memory until the list is cleared. Lightning 1.x kept every step's output for the whole epoch "
        "whether the hook needed it or not; 2.x leaves the choice to you (the error links Lightning's "
        "migration examples).",
        same_as_1x=r"^epoch \d: mean training loss",
        searches=("Support for `training_epoch_end` has been removed in v2.0.0", "training_epoch_end"),
    ),
    Change(
        "validation_epoch_end", "validation-epoch-end", "hooks",
        "`validation_epoch_end(self, outputs)`", "`on_validation_epoch_end(self)`",
        "Use `on_validation_epoch_end(self)`, with the step values kept in a list on the module: append "
        "in `validation_step`, average in the hook, then clear the list.",
        "NotImplementedError: Support for `validation_epoch_end` has been removed in v2.0.0.",
        r"epoch 1: mean validation loss \d+\.\d{6} over 4 batches",
        why="Clearing the list matters here: the sanity check before the first epoch also runs "
        "`validation_step` and calls the hook. Without `.clear()`, epoch 0 would average 6 batches "
        "(the sanity check's 2 and the epoch's 4) and epoch 1 all 10 so far (checked by deleting the "
        "line). No `detach()` is needed: validation runs without gradients. [Results over an epoch]"
        "(epoch-results.md) does this on the auto-encoder against a plain loop, and shows when "
        "`self.log(..., on_epoch=True)` already gives the epoch's value without a list.",
        same_as_1x=r"mean validation loss",
        searches=("Support for `validation_epoch_end` has been removed", "validation_epoch_end"),
    ),
    Change(
        "test_epoch_end", "test-epoch-end", "hooks",
        "`test_epoch_end(self, outputs)`", "`on_test_epoch_end(self)`",
        "Use `on_test_epoch_end(self)`, with the values kept in a list on the module by `test_step`, as "
        "for validation.",
        "NotImplementedError: Support for `test_epoch_end` has been removed in v2.0.0.",
        r"test accuracy \d\.\d{6} over 4 batches",
        why="Lightning checks for this hook only when `trainer.test()` starts: the old script trains for "
        "two epochs first and fails at the end, so a leftover `test_epoch_end` can cost a whole run. "
        "(`training_epoch_end` and `validation_epoch_end` are refused as soon as `fit` starts.)",
        same_as_1x=r"^test accuracy",
        searches=("Support for `test_epoch_end` has been removed", "test_epoch_end"),
    ),
    Change(
        "on_training_epoch_end", "on-training-epoch-end", "hooks",
        "`on_training_epoch_end(self)`", "`on_train_epoch_end(self)`",
        "The hook is `on_train_epoch_end`. Lightning never calls a method named `on_training_epoch_end`, "
        "in 2.x or in 1.x, and says nothing about it.",
        "fit done: 2 epochs, 16 steps",
        r"epoch 1: mean training loss \d+\.\d{6}",
        why="The wrong name is the one Lightning's own upgrade table gave for `training_epoch_end`. "
        "Lightning calls hooks by their exact names and does not warn about a method it does not "
        "know, so the old script trains normally and only its epoch lines are missing. The "
        "`NotImplementedError` of the first entry names the right hook.",
        old_fails=False, keep=None,
        searches=("on_training_epoch_end", "on_training_epoch_end not called"),
    ),
    Change(
        "training_step_end", "step-end", "hooks",
        "`training_step_end` / `validation_step_end`", "the end of `training_step` / `validation_step`",
        "Move the hook's code to the end of `training_step` / `validation_step`: Lightning 2.x never "
        "calls `training_step_end`, `validation_step_end` or `test_step_end`, and does not warn.",
        "fit done: 2 epochs, 16 steps",
        r"step 16: validation loss \d\.\d{6}",
        why="The hooks served `strategy=\"dp\"` (DataParallel), where each GPU ran `training_step` on its "
        "slice of the batch and `training_step_end` got the pieces together. Lightning 2.x has no "
        "`\"dp\"` strategy: each device runs whole steps, so there is nothing left to gather. A 1.x "
        "module whose `training_step` returned unreduced values (per-sample losses, "
        "`reduction=\"none\"`) for `training_step_end` to average does not fail silently: the vector "
        "reaches `backward`, which 2.6.6 refuses for a tensor that is not a single number.",
        old_fails=False, keep=None,
        same_as_1x=r"^step \d+: (training|validation) loss",
        searches=("training_step_end", "validation_step_end"),
    ),
    # --- several optimizers ---
    Change(
        "optimizer_idx", "optimizer-idx", "optimizers",
        "`training_step(self, batch, batch_idx, optimizer_idx)`", "manual optimization",
        "Set `self.automatic_optimization = False` and step the optimizers in `training_step`: take "
        "them with `opt_g, opt_d = self.optimizers()` and, for each in turn, `self.toggle_optimizer(opt)`, "
        "compute its loss, `self.manual_backward(loss)`, `opt.step()`, `opt.zero_grad()`, "
        "`self.untoggle_optimizer(opt)`.",
        "RuntimeError: Training with multiple optimizers is only supported with manual optimization.",
        r"optimizer steps: 32",
        why="This is the loop Lightning 1.x ran for you: for each batch it called `training_step` once "
        "per optimizer with its `optimizer_idx`, made only that optimizer's parameters trainable "
        "(`toggle_optimizer`), and stepped it. Written out in that order, with a fresh `z` for the "
        "second part as the second call drew one, the 2.x module ends with the same weights as 1.9.5. "
        "The toggle keeps the generator's loss from putting gradients into the discriminator; "
        "`global_step` still counts optimizer steps, two per batch.",
        same_as_1x=r"^(optimizer steps|generator weight sum|discriminator weight sum):",
        searches=("Training with multiple optimizers is only supported with manual optimization", "optimizer_idx"),
    ),
    Change(
        "clip_manual", "clip-manual", "optimizers",
        "`Trainer(gradient_clip_val=0.5)` with manual optimization", "`self.clip_gradients(...)`",
        "A module that steps its optimizers itself also clips itself: call "
        "`self.clip_gradients(opt, gradient_clip_val=0.5, gradient_clip_algorithm=\"norm\")` between "
        "`self.manual_backward(loss)` and `opt.step()`, and drop `gradient_clip_val` from the `Trainer`. "
        "Step its learning-rate scheduler yourself too, through `self.lr_schedulers()`.",
        "lightning_fabric.utilities.exceptions.MisconfigurationException: Automatic gradient clipping is "
        "not supported for manual optimization.",
        r"epoch 1: largest gradient norm 0\.500000, next lr 0\.025",
        why="Manual optimization, which a module with several optimizers needs in 2.x (the entry "
        "above), leaves clipping, accumulation and schedulers to the module: "
        "`Trainer(accumulate_grad_batches=...)` is refused the same way, and a scheduler returned by "
        "`configure_optimizers` is silently never stepped (the training loop skips schedulers when "
        "`automatic_optimization` is off), so without `self.lr_schedulers().step()` the learning rate "
        "would stay at 0.1.",
        keep=r"^[\w.]+Exception\b",
        on_1x="Lightning 1.9.5 raises the same exception: 1.x refused `gradient_clip_val` with manual "
        "optimization too. A 1.x script meets it on moving to manual optimization, which 2.x forces "
        "on a module with several optimizers.",
        searches=("Automatic gradient clipping is not supported for manual optimization", "gradient_clip_val manual optimization"),
    ),
    Change(
        "backward_hook", "backward-hook", "optimizers",
        "`backward(self, loss, optimizer, optimizer_idx)`", "`backward(self, loss, *args, **kwargs)`",
        "Write `def backward(self, loss, *args, **kwargs)` and pass the rest on with "
        "`loss.backward(*args, **kwargs)`. Lightning 2.x calls the hook with the loss (and whatever its "
        "strategy adds), never with `optimizer` or `optimizer_idx`.",
        "TypeError: LitClassifier.backward() missing 2 required positional arguments: 'optimizer' and "
        "'optimizer_idx'",
        r"backward ran 16 times",
        why="Override `backward` only to change how the backward pass runs; to look at the loss or "
        "the gradients, the hooks `on_before_backward` and `on_after_backward` are enough.",
        same_as_1x=r"^(backward ran|first layer's weight sum)",
        searches=("missing 2 required positional arguments: 'optimizer' and 'optimizer_idx'",
                  "def backward(self, loss, optimizer, optimizer_idx)"),
    ),
    # --- Trainer and fit arguments ---
    Change(
        "gpus", "gpus", "trainer",
        "`Trainer(gpus=N)`",
        '`Trainer(accelerator="gpu", devices=N)`',
        "Say what hardware with `accelerator` and how many with `devices`: `accelerator=\"gpu\", devices=N`; "
        "`\"auto\"` for both takes every GPU there is, and the CPU where there is none.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'gpus'",
        r"^\w+Accelerator, \d+ device\(s\)",
        why="Lightning 1.9 still took `gpus=`, with a deprecation warning; on a machine without a GPU what "
            "`gpus=0` meant is the CPU, which `\"auto\"` picks. Both runs here trained on the CPU and ended with the same loss.",
        same_as_1x=r"^(\w+Accelerator, \d+ device\(s\)|epoch \d+, step \d+, loss [\d.]+)$",
        fixed_keep=r"Accelerator, |^epoch \d",
        searches=("unexpected keyword argument 'gpus'", "Trainer(gpus=", "gpus=torch.cuda.device_count()"),
    ),
    Change(
        "tpu_cores", "tpu-cores", "trainer",
        "`Trainer(tpu_cores=8)`",
        '`Trainer(accelerator="tpu", devices=8)`',
        "TPU cores are devices like any other: `accelerator=\"tpu\", devices=8`, or `\"auto\"` for both, which "
        "takes the TPU cores on a TPU host.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'tpu_cores'",
        r"^\w+Accelerator, \d+ device\(s\)",
        why="This build has no TPU, so the fixed script uses `accelerator=\"auto\", devices=\"auto\"` and shows "
            "what they pick here (the CPU); the `accelerator=\"tpu\", devices=8` form in its comment was not run.",
        on_1x="It needs a TPU host with `torch_xla`, and this machine has none.",
        fixed_keep=r"Accelerator, |^epoch \d",
        searches=("unexpected keyword argument 'tpu_cores'", "Trainer(tpu_cores=8)"),
    ),
    Change(
        "num_processes", "num-processes", "trainer",
        "`Trainer(num_processes=2)`",
        '`Trainer(accelerator="cpu", devices=2, strategy="ddp")`',
        "Processes on the CPU are devices too: `accelerator=\"cpu\", devices=2`. Lightning 2.x starts them with "
        "`strategy=\"ddp\"` (its default for several devices; `\"ddp_spawn\"`, what 1.x used, still exists).",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'num_processes'",
        r"^rank 0 of 2: step 8, loss [\d.]+$",
        why="Each process trains on its own share of the data, which Lightning deals out with a "
            "`DistributedSampler`: 4 steps an epoch, 8 in all, and each rank prints its own last loss. A script "
            "that starts processes needs the `if __name__ == \"__main__\":` guard.",
        fixed_keep=r"^rank \d of 2",
        searches=("unexpected keyword argument 'num_processes'", "Trainer(num_processes="),
    ),
    Change(
        "resume_from_checkpoint", "resume-from-checkpoint", "trainer",
        "`Trainer(resume_from_checkpoint=path)`",
        "`trainer.fit(model, ckpt_path=path)`",
        "Pass the checkpoint to `fit`: `trainer.fit(model, train_dataloaders=..., ckpt_path=path)` restores the "
        "weights, the optimizer, the epoch and the step, and goes on from there.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'resume_from_checkpoint'",
        r"^epoch 4, step 32, loss [\d.]+$",
        why="Both scripts train 2 epochs, save `two_epochs.ckpt`, and resume into new weights up to epoch 4: "
            "Lightning 1.9.5 and 2.6.6 end on the same step, loss and weights. 1.9 warned that the argument was "
            "deprecated since 1.5.",
        same_as_1x=r"^(saved after epoch \d+, step \d+|epoch \d+, step \d+, loss [\d.]+|first weight: -?[\d.]+)$",
        fixed_keep=r"^(saved after|epoch \d|first weight)",
        searches=("unexpected keyword argument 'resume_from_checkpoint'", "resume_from_checkpoint"),
    ),
    Change(
        "progress_bar_refresh_rate", "progress-bar-refresh-rate", "trainer",
        "`Trainer(progress_bar_refresh_rate=10)`",
        "`Trainer(callbacks=[TQDMProgressBar(refresh_rate=10)])`",
        "The progress bar is a callback: pass `TQDMProgressBar(refresh_rate=10)` in `callbacks`; "
        "`enable_progress_bar=False` turns it off ([what each prints](progress-bars.md#tqdm)).",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'progress_bar_refresh_rate'",
        r"^progress bar: TQDMProgressBar, refresh rate 10$",
        fixed_keep=r"^(progress bar|epoch \d)",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`.",
        searches=("unexpected keyword argument 'progress_bar_refresh_rate'", "progress_bar_refresh_rate"),
    ),
    Change(
        "checkpoint_callback", "checkpoint-callback", "trainer",
        "`Trainer(checkpoint_callback=False)`",
        "`Trainer(enable_checkpointing=False)`",
        "Write `enable_checkpointing=False`. To configure the checkpoints instead, pass a `ModelCheckpoint` in "
        "`callbacks`.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'checkpoint_callback'",
        r"^checkpoint files: \[\]$",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`.",
        fixed_keep=r"^(checkpoint files|epoch \d)",
        searches=("unexpected keyword argument 'checkpoint_callback'", "checkpoint_callback=False"),
    ),
    Change(
        "weights_summary", "weights-summary", "trainer",
        '`Trainer(weights_summary="full")`',
        "`Trainer(callbacks=[ModelSummary(max_depth=-1)])`",
        "The summary is a callback: `ModelSummary(max_depth=-1)` lists every layer (what `\"full\"` did); the "
        "default shows the top level, and `enable_model_summary=False` turns it off "
        "([what each prints](progress-bars.md#summary)).",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'weights_summary'",
        r"\| model\.0 \| Linear",
        fixed_keep=r"\| |^-{10,}$|params$",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`.",
        searches=("unexpected keyword argument 'weights_summary'", "weights_summary"),
    ),
    Change(
        "replace_sampler_ddp", "replace-sampler-ddp", "trainer",
        "`Trainer(replace_sampler_ddp=False)`",
        "`Trainer(use_distributed_sampler=False)`",
        "The flag was renamed: `use_distributed_sampler=False` keeps your `DataLoader`'s own sampler when "
        "training on several devices.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'replace_sampler_ddp'",
        r"^epoch 2, step 16, loss [\d.]+$",
        why="On one device there is no sampler to replace, so both runs train the same way.",
        same_as_1x=r"^epoch \d+, step \d+, loss [\d.]+$",
        fixed_keep=r"^epoch \d",
        searches=("unexpected keyword argument 'replace_sampler_ddp'", "replace_sampler_ddp"),
    ),
    Change(
        "terminate_on_nan", "terminate-on-nan", "trainer",
        "`Trainer(terminate_on_nan=True)`",
        "`Trainer(detect_anomaly=True)`",
        "`detect_anomaly=True` turns on PyTorch's anomaly detection: the first backward pass that makes a NaN "
        "raises a `RuntimeError` naming the operation, so training stops at that step, as `terminate_on_nan` did.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'terminate_on_nan'",
        r"^stopped: Function '\w+' returned nan values",
        why="The data has one corrupt image (a NaN) in the fourth batch, and the run stops after 3 steps. "
            "Anomaly detection slows every step, and Lightning says so when it starts; for a check at the end of "
            "each epoch instead, `EarlyStopping(monitor=\"train_loss\", check_finite=True)` (on by default) stops "
            "training without an error once the monitored value is NaN or infinite.",
        fixed_keep=r"^(stopped|epoch)",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`. Older 1.x raised a "
              "`ValueError` at the end of the batch whose loss or weights were not finite.",
        searches=("unexpected keyword argument 'terminate_on_nan'", "terminate_on_nan"),
    ),
    Change(
        "track_grad_norm", "track-grad-norm", "trainer",
        "`Trainer(track_grad_norm=2)`",
        "`self.log_dict(grad_norm(self, norm_type=2))`",
        "Log the norms yourself: in the module's `on_before_optimizer_step`, "
        "`self.log_dict(grad_norm(self, norm_type=2))` (`from pytorch_lightning.utilities import grad_norm`) "
        "logs each parameter's gradient norm and the total, under the same names as before.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'track_grad_norm'",
        r"^last step: total gradient 2-norm [\d.]+$",
        why="1.x logged the values rounded to 4 decimals, on every step and as an epoch mean (so the last step's "
            "value is `grad_2.0_norm_total_step` there); the hook logs full precision, per step, as "
            "`grad_2.0_norm_total`. Printed to 4 decimals, the two runs agree.",
        same_as_1x=r"^(last step: total gradient 2-norm [\d.]+|epoch \d+, step \d+, loss [\d.]+)$",
        fixed_keep=r"^(last step|epoch \d)",
        searches=("unexpected keyword argument 'track_grad_norm'", "track_grad_norm"),
    ),
    Change(
        "auto_lr_find", "auto-lr-find", "trainer",
        "`Trainer(auto_lr_find=True)` and `trainer.tune(model)`",
        "`Tuner(trainer).lr_find(model)`",
        "The tuner is its own object: `Tuner(trainer).lr_find(model, ...)` (`from pytorch_lightning.tuner "
        "import Tuner`) runs the learning-rate finder and, as `trainer.tune` did, sets `model.lr` to its suggestion.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'auto_lr_find'",
        r"^learning rate: [\d.e+-]+$",
        why="Check the suggestion before you trust it: the finder runs the same 100 steps and records the same "
            "losses as in 1.x, but 2.x picks the steepest slope against the learning rate itself, where 1.x took it "
            "against the step (a log scale). From the same curve Lightning 1.9.5 suggested 0.190546 and 2.6.6 "
            "suggests 5.7544e-07. `lr_finder.plot(suggest=True)` shows the curve and the point chosen. "
            "[The tuner's page](tuner.md) draws the curve and tries the suggestion.",
        fixed_keep=r"^(learning rate|epoch \d)",
        searches=("unexpected keyword argument 'auto_lr_find'", "auto_lr_find"),
    ),
    Change(
        "trainer_tune", "trainer-tuner", "trainer",
        "`trainer.tuner.lr_find(model)`",
        "`Tuner(trainer).lr_find(model)`",
        "Build the tuner from the trainer: `Tuner(trainer).lr_find(model, ...)` returns the same finder object, "
        "with `suggestion()` and `plot()`.",
        "AttributeError: 'Trainer' object has no attribute 'tuner'",
        r"^learning rate: [\d.e+-]+$",
        why="`Tuner.lr_find` now also sets `model.lr` to the suggestion by default (`update_attr=True`); "
            "`trainer.tuner.lr_find` in 1.x did not, which is why 1.x code assigned it by hand, as here. The "
            "suggestion itself changed too (see [the entry above](#auto-lr-find)): 0.190546 on 1.9.5, 5.7544e-07 on "
            "2.6.6, from the same losses.",
        fixed_keep=r"^(learning rate|epoch \d)",
        searches=("'Trainer' object has no attribute 'tuner'", "trainer.tuner.lr_find"),
    ),
    Change(
        "auto_scale_batch_size", "auto-scale-batch-size", "trainer",
        '`Trainer(auto_scale_batch_size="binsearch")` and `trainer.tune(model)`',
        '`Tuner(trainer).scale_batch_size(model, mode="binsearch")`',
        "Call the tuner: `Tuner(trainer).scale_batch_size(model, mode=\"binsearch\")` tries larger batches until "
        "one runs out of memory and sets `model.batch_size`; the module must build its `DataLoader` from that "
        "attribute.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'auto_scale_batch_size'",
        r"^batch size: \d+$",
        why="Same settings, a different answer: with `init_val=2, max_trials=3` Lightning 1.9.5 tried 2, 4, 8 and "
            "16 and kept 16, while 2.6.6 tries 2, 4 and 8 and then takes 5% off (`margin=0.05`, new in 2.x) and "
            "keeps 7. On a CPU nothing runs out of memory, so only `max_trials` stops the search.",
        fixed_keep=r"^(Batch size|Applying margin|Finished batch size|batch size|epoch \d)",
        searches=("unexpected keyword argument 'auto_scale_batch_size'", "auto_scale_batch_size"),
    ),
    Change(
        "amp_backend", "amp-backend", "trainer",
        '`Trainer(amp_backend="apex", amp_level="O2", precision=16)`',
        '`Trainer(precision="16-mixed")`',
        "Mixed precision is PyTorch's own AMP, chosen with one flag: `precision=\"16-mixed\"` (NVIDIA apex and "
        "its `amp_level` are gone). On a CPU Lightning switches to `\"bf16-mixed\"` with a warning, as here.",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'amp_backend'",
        r"^precision: b?f?16-mixed$",
        fixed_keep=r"AMP with fp16 is not supported|^precision:|^epoch \d",
        on_1x="It needs NVIDIA's apex and a GPU, and this machine has neither.",
        searches=("unexpected keyword argument 'amp_backend'", "amp_backend=\"apex\"", "amp_level"),
    ),
    Change(
        "precision_16", "precision-16", "trainer",
        "`Trainer(precision=16)`",
        '`Trainer(precision="16-mixed")`',
        "Write `precision=\"16-mixed\"`: `16` still works in 2.x, with a warning that it is kept for historical "
        "reasons. On a CPU both switch to `\"bf16-mixed\"`, as 1.9 did (`bf16`).",
        "`precision=16` is supported for historical reasons but its usage is discouraged. Please set your "
        "precision to 16-mixed instead!",
        r"^precision: b?f?16-mixed$",
        old_fails=False,
        keep=r"`precision=16` is supported|AMP with fp16 is not supported|^precision:",
        fixed_keep=r"AMP with fp16 is not supported|^precision:|^epoch \d",
        why="`precision=\"bf16-mixed\"` asks for bfloat16 directly: no warning on a CPU, but on a GPU it needs "
            "one that supports bfloat16. The runs here all trained in bfloat16 and ended on the same loss.",
        same_as_1x=r"^epoch \d+, step \d+, loss [\d.]+$",
        searches=("`precision=16` is supported for historical reasons", "Trainer(precision=16)"),
    ),
    Change(
        "strategy_dp", "strategy-dp", "trainer",
        '`Trainer(strategy="dp")`',
        '`Trainer(strategy="auto")` (or `"ddp"`)',
        "DataParallel is gone: leave `strategy` out (`\"auto\"`), which runs DDP when there are several devices, "
        "or write `strategy=\"ddp\"`.",
        "ValueError: You selected an invalid strategy name: `strategy='dp'`.",
        r"^strategy: \w+Strategy$",
        why="DP split every batch across the GPUs of one process; DDP runs one process per device, each on its "
            "own share of the data. `training_step_end`, where DP code gathered the pieces, is no longer called.",
        on_1x="There it warned that DataParallel runs on GPUs only and trained with DDP in one process "
        "instead: a different loss from the fixed run, which needs no strategy on one device.",
        fixed_keep=r"^(strategy|epoch \d)",
        searches=("invalid strategy name: `strategy='dp'`", "strategy=\"dp\""),
    ),
    Change(
        "train_dataloader_kwarg", "train-dataloader", "trainer",
        "`trainer.fit(model, train_dataloader=loader)`",
        "`trainer.fit(model, train_dataloaders=loader)`",
        "The keyword is plural: `train_dataloaders=` (and `val_dataloaders=`), or pass the loader second, "
        "`trainer.fit(model, loader)`.",
        "TypeError: Trainer.fit() got an unexpected keyword argument 'train_dataloader'",
        r"^epoch 2, step 16, loss [\d.]+$",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`.",
        fixed_keep=r"^epoch \d",
        searches=("unexpected keyword argument 'train_dataloader'", "fit(model, train_dataloader="),
    ),
    Change(
        "stochastic_weight_avg", "stochastic-weight-avg", "trainer",
        "`Trainer(stochastic_weight_avg=True)`",
        "`Trainer(callbacks=[StochasticWeightAveraging(swa_lrs=...)])`",
        "Pass the callback: `StochasticWeightAveraging(swa_lrs=0.1)`; 2.x requires `swa_lrs`, the learning "
        "rate to use while averaging (here the optimizer's own).",
        "TypeError: Trainer.__init__() got an unexpected keyword argument 'stochastic_weight_avg'",
        r"^first weight: -?[\d.]+$",
        why="By default averaging starts at 80% of `max_epochs` (`swa_epoch_start=0.8`): the second of the two "
            "epochs here.",
        on_1x="Gone before 1.9 already: Lightning 1.9.5 raises the same `TypeError`.",
        fixed_keep=r"^(first weight|epoch \d)",
        searches=("unexpected keyword argument 'stochastic_weight_avg'", "stochastic_weight_avg"),
    ),
    Change(
        "on_epoch_start", "on-epoch-start", "hooks",
        "`def on_epoch_start(self)`",
        "`def on_train_epoch_start(self)`",
        "Name the loop: `on_train_epoch_start` (or `on_validation_epoch_start`, `on_test_epoch_start`); the same "
        "goes for `on_epoch_end`.",
        "epoch 2, step 16, loss",
        r"^starting epoch 1$",
        old_fails=False,
        keep=r"^(starting epoch|epoch \d)",
        fixed_keep=r"^(starting epoch|epoch \d)",
        why="Lightning 2.6.6 says nothing about the old name: the method is simply never called, so "
            "`on_epoch_start.py` trains without printing `starting epoch`.",
        on_1x="Lightning 1.8 had already removed the hook.",
        searches=("on_epoch_start", "on_epoch_end"),
    ),
    # --- the module's API ---
    Change(
        "hparams_assign", "hparams-assign", "module",
        "`self.hparams = hparams`", "`self.save_hyperparameters()`",
        "Give `__init__` the hyperparameters as named arguments and call `self.save_hyperparameters()`: "
        "they land in `self.hparams` and in every checkpoint, and `load_from_checkpoint` rebuilds the "
        "model from them.",
        "AttributeError: property 'hparams' of 'LitClassifier' object has no setter",
        r"in model\.ckpt: \{'hidden': 64, 'lr': 0\.1\}",
        why="`self.hparams` is a read-only property, but what it holds can still be changed "
        "(`self.hparams.lr = 0.01`). Python before 3.11 words the error differently.",
        fixed_keep=r"hparams|model\.ckpt",
        on_1x="Lightning 1.9.5 raises the same `AttributeError`: the setter was removed in 1.3.0 "
        "(Lightning's CHANGELOG: \"Removed deprecated `LightningModule` `hparams` setter\", #6207). "
        "The form comes from Lightning 1.0–1.2 code and tutorials.",
        searches=("property 'hparams'", "self.hparams = hparams"),
    ),
    Change(
        "load_on_instance", "load-on-instance", "module",
        "`model.load_from_checkpoint(path)`", "`model = Model.load_from_checkpoint(path)`",
        "Call `load_from_checkpoint` on the class and keep what it returns: "
        "`model = LitClassifier.load_from_checkpoint(\"model.ckpt\")`. It builds a new model; it never "
        "loads into an existing one.",
        "TypeError: The classmethod `LitClassifier.load_from_checkpoint` cannot be called on an instance.",
        r"loaded model: +first weight -0\.008974",
        why="Lightning 1.x allowed the call on an instance, and it did nothing useful: it returned a "
        "new, loaded model, the line threw it away, and `model` kept its fresh random weights. On "
        "1.9.5 the old script printed `loaded model:  first weight 0.015022` against the trained "
        "`-0.008974`, with no warning. 2.x turns that silent mistake into an error.",
        fixed_keep=r"model:",
        same_as_1x=r"^trained model:",
        searches=("load_from_checkpoint",),
    ),
    Change(
        "argparse_trainer", "argparse", "module",
        "`Trainer.add_argparse_args`, `Trainer.from_argparse_args`", "`LightningCLI`",
        "Let `LightningCLI` build the command line: `cli = LightningCLI(LitClassifier, run=False)` "
        "takes a `--trainer.*` option for every `Trainer` argument and a `--model.*` option for every "
        "argument of the module's `__init__`, and gives you `cli.model` and `cli.trainer`. It needs "
        "the package `jsonargparse[signatures]`.",
        "AttributeError: type object 'Trainer' has no attribute 'add_argparse_args'",
        r"max_epochs: 2, hidden: 64, lr: 0\.1",
        why="The options are renamed: `--max_epochs 3 --hidden 32` becomes "
        "`--trainer.max_epochs 3 --model.hidden 32` (both scripts then print the same numbers), and "
        "`--help` lists them all. Without `run=False` the CLI expects a subcommand "
        "(`python script.py fit --trainer.max_epochs 3`) and runs it itself, taking the data from "
        "the module's `train_dataloader` or a `LightningDataModule`. Give it "
        "`seed_everything_default`: by default it seeds with a random seed, which undoes a "
        "`torch.manual_seed` made before it. [Configuration and a command line](cli.md) goes on from here: "
        "a YAML file with `--config`, `--print_config`, and overrides on the command line.",
        same_as_1x=r"^(max_epochs|first layer's weight sum)",
        searches=("has no attribute 'add_argparse_args'", "from_argparse_args"),
    ),
    Change(
        "lightning_lite", "lightning-lite", "module",
        "`LightningLite`", "`Fabric`",
        "LightningLite is Fabric since 2.0: `from lightning.fabric import Fabric`, "
        "`fabric = Fabric(accelerator=\"auto\", devices=1)`, then the same `setup`, "
        "`setup_dataloaders` and `backward` calls on `fabric` instead of `self`, in a plain script "
        "with no subclass and no `run()`.",
        "ModuleNotFoundError: No module named 'pytorch_lightning.lite'",
        r"epoch 1: last batch loss \d\.\d{6}",
        why="Lightning 1.9.5 already warned, on every run, that `LightningLite` becomes Fabric in 2.0. "
        "Installing `lightning` gives Fabric under both names, `lightning.fabric` and "
        "`lightning_fabric`.",
        same_as_1x=r"^epoch \d: last batch loss",
        searches=("No module named 'pytorch_lightning.lite'", "LightningLite"),
    ),
    Change(
        "pl_metrics", "pl-metrics", "module",
        "`from pytorch_lightning.metrics import Accuracy`", "`from torchmetrics import Accuracy`",
        "Import metrics from `torchmetrics`, which is installed with Lightning, and give `Accuracy` its "
        "task: `Accuracy(task=\"multiclass\", num_classes=3)` (next entry).",
        "ModuleNotFoundError: No module named 'pytorch_lightning.metrics'",
        r"val_acc after 2 epochs: \d\.\d{6}",
        why="Logged as the `Metric` object, `self.log(\"val_acc\", self.val_acc)`, the accuracy is "
        "accumulated over the epoch's batches, computed and reset by Lightning: "
        "[Metrics with torchmetrics](metrics.md), against a count by hand and under DDP.",
        on_1x="Lightning 1.9.5 fails the same way: the metrics moved to torchmetrics, were deprecated "
        "in Lightning 1.3.0 and removed in 1.5.0 (Lightning's CHANGELOG: \"Removed deprecated "
        "`metrics`\", #8586). This is Lightning 1.2-era code.",
        searches=("No module named 'pytorch_lightning.metrics'", "pytorch_lightning.metrics"),
    ),
    Change(
        "accuracy_task", "accuracy-task", "module",
        "`torchmetrics.Accuracy()`", "`torchmetrics.Accuracy(task=\"multiclass\", num_classes=3)`",
        "Name the task: `Accuracy(task=\"multiclass\", num_classes=3)`, or `task=\"binary\"`, or "
        "`task=\"multilabel\"` with `num_labels=`. Since torchmetrics 0.11, `Accuracy` no longer "
        "guesses it from the data.",
        "TypeError: Accuracy.__new__() missing 1 required positional argument: 'task'",
        r"val_acc after 2 epochs: \d\.\d{6}",
        why="`Accuracy(task=...)` returns the task's own class, here `MulticlassAccuracy`, with "
        "`average=\"micro\"`: the share of correct samples, as before. Built directly, "
        "`MulticlassAccuracy(num_classes=3)` defaults to `average=\"macro\"`, the mean of the "
        "per-class accuracies, which is a different number.",
        on_1x="Lightning 1.9.5 has no say here: it uses the torchmetrics that is installed, and with "
        "torchmetrics 0.11 or later (1.9.0 in this venv) it fails the same way. `Accuracy()` ran only "
        "with torchmetrics before 0.11.",
        searches=("missing 1 required positional argument: 'task'", "torchmetrics.Accuracy()"),
    ),
]
# fmt: on

PAIRS = Pairs(FOLDER, GROUPS, TABLE)
# Stem -> (the 1.x form's run, the 2.x form's run), in page order.
RUNS = PAIRS.runs


def on_last_1x(c: Change) -> str:
    """What the old form did on the last 1.x release, from the version matrix's run of it: how it
    ended and, where it ran to the end, its last lines (those the 2.x form must print alike)."""
    record = versions.record(LAST_1X, PAIRS.old(c.stem))
    release = f"Lightning {versions.version(LAST_1X, 'pytorch-lightning')}"
    if record is None:
        return f"*Not run on {release} yet.*"
    ran_on = f"{release} (torch {versions.version(LAST_1X, 'torch')})"
    note = f" {c.on_1x}" if c.on_1x else ""
    if record["returncode"] != 0:
        return f"On {ran_on}, `{c.stem}.py` failed too: `` {record['error']} ``.{note}"  # it may hold backticks
    lines = [line for line in record["last_lines"] if not c.same_as_1x or re.search(c.same_as_1x, line)]
    said = f"On {ran_on}, `{c.stem}.py` ran to the end (exit code 0).{note}"
    return f"{said}\n\n" + fenced("\n".join(lines), f'text title="What {c.stem}.py printed on {release}"')


def entry(stem: str) -> str:
    return PAIRS.entry(stem, after_old=on_last_1x)


def summary() -> str:
    return PAIRS.summary()
