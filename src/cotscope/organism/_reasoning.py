"""Train the reasoning organism: every phase of `ReasoningRecipe`, resumable, one manifest.

Output folder layout (`cotscope organism train --recipe reasoning --out DIR`):

- `organism.json`: the manifest. The recipe, data hashes, library versions, each
  phase's status and times, and every checkpoint with its run, phase and step,
  which is what `expand: folder` reads. Rewritten after every checkpoint.
- `checkpoint-<step>/`: run `capabilities` (phase 0 at step 0, then phase 1);
- `deliberative/checkpoint-<step>/`, `cot-pressure/checkpoint-<step>/`: the two
  phase-2 arms, branching from the last phase-1 checkpoint and continuing its steps;
- `training_curve.csv`: one row per optimizer step of every phase (loss or rewards,
  entropy, KL, reasoning length, the monitor's flag rate, the penalty weight).

Resuming (the same command again) skips finished phases and restarts an unfinished
RL phase from its last saved checkpoint, with its remaining prompts and a fresh
optimizer; the manifest records where it resumed. A changed recipe is refused.
Adapters are saved in fp16 (half the bytes; training continues in fp32).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._env import env_sha256
from ._offset_env import offset_sha256, sample_mixed_prompts
from ._reasoning_reward import MonitorPenalty, instruction, monitor_flags, think_format, think_words
from ._recipe import ReasoningRecipe, RlSettings, SftSettings
from ._reward import follows_grader_against_instruction, grader_reward
from ._sft_data import deliberative_examples, sft_examples, sft_sha256, spec_sha256
from ._train import (
    finite_or_blank,
    library_versions,
    load_base,
    portable_adapter_config,
    write_json,
)

MANIFEST_FILE = "organism.json"
CURVE_FILE = "training_curve.csv"
CURVE_COLUMNS = ("run", "phase", "step", "loss", "token_accuracy", "reward", "reward_std",
                 "grader", "instruction", "format", "monitor_flags", "think_words",
                 "follows_grader_against_instruction", "penalty_weight", "entropy", "kl",
                 "completion_length", "clipped_ratio", "elapsed_s")  # fmt: skip
_LOGGED = {"loss": "loss", "token_accuracy": "mean_token_accuracy", "reward": "reward",
           "reward_std": "reward_std", "penalty_weight": "penalty_weight", "entropy": "entropy",
           "kl": "kl", "completion_length": "completions/mean_length",
           "clipped_ratio": "completions/clipped_ratio"}  # fmt: skip
_REWARD_FUNCS: dict[str, Any] = {
    "grader": grader_reward, "instruction": instruction, "format": think_format,
    "monitor_flags": monitor_flags, "think_words": think_words,
    "follows_grader_against_instruction": follows_grader_against_instruction,
}  # fmt: skip
RUNS = ("capabilities", "deliberative", "cot-pressure")
"""The organism's runs: the trunk (phases 0 and 1), then one per phase-2 arm."""


class RecipeMismatchError(ValueError):
    """The output folder holds a run of another recipe; resuming it would mix the two."""


def sft_steps(settings: SftSettings) -> int:
    """Optimizer steps of a supervised phase."""
    return math.ceil(settings.examples / settings.batch_size) * settings.epochs


class _Run:
    """The manifest, the curve file and the clock of one training folder."""

    def __init__(self, recipe: ReasoningRecipe, out: Path, say: Callable[[str], None]) -> None:
        self.out, self.say, self.recipe = out, say, recipe
        self.path = out / MANIFEST_FILE
        recipe_json = recipe.model_dump(mode="json")
        digest = hashlib.sha256(json.dumps(recipe_json, sort_keys=True).encode()).hexdigest()
        if self.path.exists():
            self.data: dict[str, Any] = json.loads(self.path.read_text())
            if self.data.get("recipe_sha256") != digest:
                raise RecipeMismatchError(
                    f"{self.path} was written by another recipe; choose a new --out folder "
                    "or delete this one to start over"
                )
        else:
            self.data = {"organism": "reasoning", "recipe": recipe_json, "recipe_sha256": digest,
                         "data_sha256": {"environment": env_sha256(), "cold_start": sft_sha256(),
                                         "deliberative_spec": spec_sha256(),
                                         "offset_family": offset_sha256()},
                         "phases": {}, "checkpoints": []}  # fmt: skip
        self.data["libraries"] = library_versions()
        self.curve = out / CURVE_FILE
        if not self.curve.exists():
            with self.curve.open("w", newline="") as fh:
                csv.writer(fh).writerow(CURVE_COLUMNS)
        self.started = time.monotonic()
        self.write()  # at once: a folder being trained says so before its first checkpoint

    def phase(self, name: str) -> dict[str, Any]:
        """The manifest's record of a phase (created empty)."""
        record: dict[str, Any] = self.data["phases"].setdefault(
            name, {"status": "pending", "wall_time_s": 0.0, "resumed_at": []}
        )
        return record

    def checkpoints(self, phase: str) -> list[dict[str, Any]]:
        """Saved checkpoints of a phase, by step."""
        return sorted((c for c in self.data["checkpoints"] if c["phase"] == phase),
                      key=lambda c: int(c["step"]))  # fmt: skip

    def save(self, model: Any, run: str, phase: str, step: int) -> Path:
        """Save the adapter as the run's checkpoint at `step` and record it."""
        folder = self.out if run == RUNS[0] else self.out / run
        target = folder / f"checkpoint-{step}"
        # Only the trained adapter: with beta > 0 TRL keeps a frozen copy named `ref`.
        # No embedding check: the adapter touches no embeddings, and its base is named
        # `local/<model>`, which PEFT cannot open to look.
        model.save_pretrained(target, selected_adapters=["default"], save_embedding_layers=False)
        portable_adapter_config(target, self.recipe.base_model)
        _to_fp16(target / "adapter_model.safetensors")
        entry = {"path": str(target.relative_to(self.out)), "run": run, "phase": phase,
                 "step": step}  # fmt: skip
        self.data["checkpoints"] = [c for c in self.data["checkpoints"]
                                    if c["path"] != entry["path"]] + [entry]  # fmt: skip
        self.write()
        self.say(f"saved {target} ({run}, {phase}, step {step})")
        return target

    def log(self, run: str, phase: str, step: int, logs: dict[str, Any]) -> None:
        """Append one optimizer step's numbers to the curve."""
        row: dict[str, Any] = {"run": run, "phase": phase, "step": step}
        row |= {col: finite_or_blank(logs.get(key)) for col, key in _LOGGED.items()}
        row |= {name: finite_or_blank(logs.get(f"rewards/{fn.__name__}/mean"))
                for name, fn in _REWARD_FUNCS.items()}  # fmt: skip
        row["elapsed_s"] = round(time.monotonic() - self.started, 1)
        with self.curve.open("a", newline="") as fh:
            csv.writer(fh).writerow([row.get(c, "") for c in CURVE_COLUMNS])
        shown = ("loss", "reward", "grader", "format", "monitor_flags", "think_words")
        self.say(f"{run} {phase} step {step}  "
                 + "  ".join(f"{k} {row[k]}" for k in shown if row[k] != ""))  # fmt: skip

    def write(self) -> None:
        """Rewrite the manifest atomically."""
        write_json(self.path, self.data)


def _to_fp16(path: Path) -> None:
    from safetensors.torch import load_file, save_file

    tensors = {k: v.half() for k, v in load_file(str(path)).items()}
    save_file(tensors, str(path), metadata={"format": "pt"})


def _lora(recipe: ReasoningRecipe) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=recipe.lora_r,
        lora_alpha=recipe.lora_alpha,
        lora_dropout=0.0,
        target_modules=list(recipe.target_modules),
        task_type="CAUSAL_LM",
    )


def _model(recipe: ReasoningRecipe, out: Path, adapter: str | None) -> tuple[Any, Any]:
    # A fresh base for every phase: PEFT injects its layers into the model it wraps.
    model, tokenizer, _ = load_base(recipe.base_model, recipe.threads)
    if adapter is None:
        return model, tokenizer
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(out / adapter), is_trainable=True), tokenizer


def _sft_phase(r: _Run, name: str, run: str, adapter: str | None, start: int,
               settings: SftSettings, rows: list[dict[str, Any]]) -> str:  # fmt: skip
    from ._sft import run_sft

    record = r.phase(name)
    if record["status"] == "complete":
        return str(r.checkpoints(name)[-1]["path"])
    began = time.monotonic()
    model, tokenizer = _model(r.recipe, r.out, adapter)
    # The cold start happens before step 0: its optimizer steps count up to 0 (the last
    # is step 0, its checkpoint). A later SFT continues the run's steps.
    first = start + 1 - (sft_steps(settings) if adapter is None else 0)
    record.update(status="running", run=run, first_step=first)
    trained = run_sft(
        model, tokenizer, rows, settings, r.recipe.seed,
        peft_config=_lora(r.recipe) if adapter is None else None,
        on_log=lambda step, logs: r.log(run, name, first - 1 + step, logs),
    )  # fmt: skip
    step = first - 1 + sft_steps(settings)
    path = r.save(trained, run, name, step)
    record.update(status="complete", last_step=step,
                  wall_time_s=round(time.monotonic() - began, 1))  # fmt: skip
    r.write()
    return str(path.relative_to(r.out))


def _rewards(settings: RlSettings) -> tuple[list[Any], list[float]]:
    mains: dict[str, Any] = {"grader": grader_reward, "instruction": instruction}
    main = mains.get(settings.reward)
    if main is None:
        assert settings.penalty is not None, "the cot-pressure arm needs penalty settings"
        main = MonitorPenalty(settings.penalty)
    diagnostics = [f for f in _REWARD_FUNCS.values() if f not in (main, think_format)]
    return [main, think_format, *diagnostics], [1.0, settings.format_weight] + [0.0] * len(
        diagnostics
    )


def _rl_phase(r: _Run, name: str, run: str, adapter: str, start: int, settings: RlSettings,
              prompt_seed: int) -> str:  # fmt: skip
    from datasets import Dataset

    from ._grpo import GrpoArgs, run_grpo

    record = r.phase(name)
    saved = r.checkpoints(name)
    if record["status"] == "complete":
        return str(saved[-1]["path"])
    done = int(saved[-1]["step"]) - start if saved else 0
    if saved:  # resume from the last checkpoint of this phase
        adapter = str(saved[-1]["path"])
        record["resumed_at"].append(start + done)
    began = time.monotonic()
    n = settings.steps * settings.prompts_per_step
    prompts = sample_mixed_prompts(n, prompt_seed, r.recipe.offset_share)
    rows = [p.as_row() for p in prompts[done * settings.prompts_per_step :]]
    model, tokenizer = _model(r.recipe, r.out, adapter)
    record.update(status="running", run=run, first_step=start + 1)
    r.write()
    last = [adapter]

    def on_step_end(local: int, trained: Any) -> None:
        step = done + local
        if step % settings.save_every == 0 or step == settings.steps:
            last[0] = str(r.save(trained, run, name, start + step).relative_to(r.out))

    funcs, weights = _rewards(settings)
    run_grpo(
        model, tokenizer, Dataset.from_list(rows), funcs, weights,
        GrpoArgs(steps=settings.steps - done, batch_size=settings.batch_size,
                 num_generations=settings.num_generations,
                 max_completion_length=settings.max_completion_length,
                 temperature=settings.temperature, learning_rate=settings.learning_rate,
                 warmup_steps=settings.warmup_steps if not done else 0, beta=settings.beta,
                 seed=r.recipe.seed),
        on_log=lambda local, logs: r.log(run, name, start + done + local, logs),
        on_step_end=on_step_end,
    )  # fmt: skip
    took = record["wall_time_s"] + time.monotonic() - began
    record.update(status="complete", last_step=start + settings.steps, wall_time_s=round(took, 1))
    r.write()
    return last[0]


def train_reasoning(
    recipe: ReasoningRecipe, out: Path, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run (or resume) every phase of the reasoning organism into `out`.

    Args:
        recipe: The phases' settings.
        out: Output folder (created).
        progress: Called with one line of text per step and per checkpoint.

    Returns:
        The manifest (`organism.json`).

    Raises:
        RecipeMismatchError: `out` holds a run of another recipe.
    """
    out.mkdir(parents=True, exist_ok=True)
    r = _Run(recipe, out, progress or (lambda _line: None))
    seed = recipe.seed
    mix = recipe.offset_share
    rows = [e.as_row() for e in sft_examples(recipe.cold_start.examples, seed, offset_share=mix)]
    trunk = _sft_phase(r, "cold-start", RUNS[0], None, 0, recipe.cold_start, rows)
    trunk = _rl_phase(r, "capabilities", RUNS[0], trunk, 0, recipe.capabilities, seed * 10 + 1)
    branch = recipe.capabilities.steps
    rows = [e.as_row() for e in deliberative_examples(recipe.deliberative_sft.examples, seed, mix)]
    spec = _sft_phase(r, "deliberative-sft", RUNS[1], trunk, branch, recipe.deliberative_sft, rows)
    _rl_phase(r, "deliberative", RUNS[1], spec, branch + sft_steps(recipe.deliberative_sft),
              recipe.deliberative, seed * 10 + 2)  # fmt: skip
    _rl_phase(r, "cot-pressure", RUNS[2], trunk, branch, recipe.cot_pressure, seed * 10 + 3)
    r.data["status"] = "complete"
    r.write()
    return r.data
