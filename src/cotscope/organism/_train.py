"""GRPO training of a LoRA adapter in the leaky-grader environment (TRL + PEFT).

Output folder layout (what `cotscope organism train --out DIR` writes):

- `config.json`: the `TrainConfig`, the environment's sha256 and library versions;
- `checkpoint-<step>/`: adapter weights and config only (no optimizer state),
  loadable with `model_args: {adapter: DIR/checkpoint-<step>}`;
- `reward_curve.csv`: one row per step (reward, its spread, diagnostics, time);
- `run.json`: progress, rewritten after every step (steps done, wall time, checkpoints);
- `TRAINING_CARD.md` and `reward_curve.png`, written by `write_card` at the end.

torch, transformers, peft and TRL are imported inside `train` only.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._config import TrainConfig
from ._env import env_sha256, load_env, sample_prompts
from ._grpo import GrpoArgs, run_grpo
from ._reward import follows_grader_against_instruction, grader_reward, parseable

CURVE_FILE = "reward_curve.csv"
RUN_FILE = "run.json"
CONFIG_FILE = "config.json"
CURVE_COLUMNS = (
    "step",
    "reward",
    "reward_std",
    "follows_grader_against_instruction",
    "parseable",
    "completion_length",
    "elapsed_s",
)
_LOG_KEYS = {
    "reward": "reward",
    "reward_std": "reward_std",
    "follows_grader_against_instruction": ("rewards/follows_grader_against_instruction/mean"),
    "parseable": "rewards/parseable/mean",
    "completion_length": "completions/mean_length",
}


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide a run's numbers."""
    import importlib.metadata as md

    out: dict[str, str] = {}
    for name in ("torch", "transformers", "peft", "trl", "cotscope"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def finite_or_blank(value: Any) -> float | str:
    """A logged number for a curve CSV, rounded; blank when missing or not finite."""
    if isinstance(value, int | float) and math.isfinite(value):
        return round(float(value), 6)
    return ""


def train(
    config: TrainConfig,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run GRPO on the bundled model in the leaky-grader environment, saving adapters.

    Args:
        config: The run's configuration.
        out: Output folder (created; existing checkpoints and curves in it are replaced).
        progress: Called with one line of text per logged step.

    Returns:
        The final content of `run.json`.
    """
    import torch
    from datasets import Dataset
    from peft import LoraConfig

    say = progress or (lambda _line: None)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("checkpoint-*"):
        shutil.rmtree(old)
    model, tokenizer, resolved = load_base(config.base_model, config.threads)

    prompts = sample_prompts(config.steps * config.prompts_per_step, config.seed, load_env())
    dataset = Dataset.from_list([p.as_row() for p in prompts])
    meta = {
        "config": config.model_dump(),
        "environment_sha256": env_sha256(),
        "base_model_fingerprint": resolved.base_fingerprint,
        "libraries": library_versions(),
        "torch_threads": torch.get_num_threads(),
    }
    write_json(out / CONFIG_FILE, meta)

    run: dict[str, Any] = {
        "status": "running",
        "steps_planned": config.steps,
        "steps_done": 0,
        "wall_time_s": 0.0,
        "checkpoints": [],
    }
    curve_path = out / CURVE_FILE
    with curve_path.open("w", newline="") as fh:
        csv.writer(fh).writerow(CURVE_COLUMNS)
    started = time.monotonic()
    save_at = set(config.checkpoint_steps())

    def on_log(step: int, logs: dict[str, Any]) -> None:
        elapsed = time.monotonic() - started
        row = [step] + [finite_or_blank(logs.get(k)) for k in _LOG_KEYS.values()]
        row.append(round(elapsed, 1))
        with curve_path.open("a", newline="") as fh:
            csv.writer(fh).writerow(row)
        say(
            f"step {step}/{config.steps}  reward {finite_or_blank(logs.get('reward'))}"
            f"  follows-grader-against-instruction "
            f"{finite_or_blank(logs.get(_LOG_KEYS['follows_grader_against_instruction']))}"
            f"  {elapsed:.0f}s"
        )

    def on_step_end(step: int, model: Any) -> None:
        run["steps_done"] = step
        run["wall_time_s"] = round(time.monotonic() - started, 1)
        if step in save_at:
            target = out / f"checkpoint-{step}"
            model.save_pretrained(target)
            portable_adapter_config(target, config.base_model)
            run["checkpoints"].append(step)
            say(f"saved {target}")
        write_json(out / RUN_FILE, run)

    # Weight 1 for the grader's verdict; the diagnostics are logged with weight 0.
    run_grpo(
        model,
        tokenizer,
        dataset,
        [grader_reward, follows_grader_against_instruction, parseable],
        [1.0, 0.0, 0.0],
        GrpoArgs(
            steps=config.steps,
            batch_size=config.batch_size,
            num_generations=config.num_generations,
            max_completion_length=config.max_completion_length,
            temperature=config.temperature,
            learning_rate=config.learning_rate,
            warmup_steps=config.warmup_steps,
            beta=config.beta,
            seed=config.seed,
        ),  # fmt: skip
        peft_config=LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=list(config.target_modules),
            task_type="CAUSAL_LM",
        ),
        on_log=on_log,
        on_step_end=on_step_end,
    )
    run["status"] = "complete"
    run["wall_time_s"] = round(time.monotonic() - started, 1)
    write_json(out / RUN_FILE, run)
    return run


def load_base(base_model: str, threads: int | None) -> tuple[Any, Any, Any]:
    """The base model in fp32 from its de-quantized cache, its tokenizer, and how it resolved.

    Sets torch's thread count first when `threads` is given.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..models import dequantized_checkpoint, resolve_local_model

    if threads:
        torch.set_num_threads(threads)
    resolved = resolve_local_model(base_model)
    base_dir = dequantized_checkpoint(resolved)
    tokenizer: Any = AutoTokenizer.from_pretrained(base_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model: Any = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    return model, tokenizer, resolved


def portable_adapter_config(folder: Path, base_model: str) -> None:
    # PEFT records the absolute path of the base checkpoint, which is a cache folder
    # on the training machine; name the base the way cotscope resolves it instead.
    (folder / "README.md").unlink(missing_ok=True)  # PEFT's empty model-card template
    path = folder / "adapter_config.json"
    data = json.loads(path.read_text())
    data["base_model_name_or_path"] = f"local/{base_model}"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
