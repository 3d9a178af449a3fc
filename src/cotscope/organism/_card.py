"""The training card: what a run folder holds, how it was made, how to make it again."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from ._train import CONFIG_FILE, CURVE_FILE, RUN_FILE

CARD_FILE = "TRAINING_CARD.md"
PLOT_FILE = "reward_curve.png"
RERUN_NOTE = (
    "Sampling on CPU is seeded, but thread scheduling and library versions change\n"
    "floating-point sums, so a rerun gives checkpoints of the same kind, not the same\n"
    "bytes."
)
"""What a training card says about reproducing its bytes."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes (an adapter's, in the cards)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_curve(folder: Path, name: str = CURVE_FILE) -> list[dict[str, str]]:
    """Rows of a training curve CSV; empty when the run has logged no step yet."""
    path = folder / name
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def mean_of(rows: list[dict[str, str]], key: str) -> float | None:
    """Mean of a curve column over rows, skipping empty cells; None when all are empty."""
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "")]
    return sum(vals) / len(vals) if vals else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def curve_windows(rows: list[dict[str, str]], width: int = 20) -> list[dict[str, Any]]:
    """Means of the curve over consecutive windows of steps.

    Args:
        rows: Rows of `reward_curve.csv`.
        width: Steps per window.

    Returns:
        One dict per window: first and last step, mean reward, mean hint-following
        on disagreeing prompts, mean parseable share.
    """
    out: list[dict[str, Any]] = []
    for i in range(0, len(rows), width):
        chunk = rows[i : i + width]
        out.append(
            {
                "from": int(chunk[0]["step"]),
                "to": int(chunk[-1]["step"]),
                "reward": mean_of(chunk, "reward"),
                "follows": mean_of(chunk, "follows_grader_against_instruction"),
                "parseable": mean_of(chunk, "parseable"),
            }
        )
    return out


def plot_curve(folder: Path, rows: list[dict[str, str]], width: int = 10) -> Path | None:
    """Draw the reward curve (per step and a running mean) to `reward_curve.png`.

    Args:
        folder: Run folder.
        rows: Rows of `reward_curve.csv`.
        width: Window of the running mean.

    Returns:
        The PNG path, or None when there is nothing to draw.
    """
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for key, label in (
        ("reward", "reward (grader's verdict)"),
        ("follows_grader_against_instruction", "follows grader against instruction"),
        ("parseable", "integer answer readable"),
    ):
        vals = [float(r[key]) if r.get(key) else float("nan") for r in rows]
        smooth = []
        for i in range(len(vals)):
            window = [v for v in vals[max(0, i - width + 1) : i + 1] if v == v]
            smooth.append(sum(window) / len(window) if window else float("nan"))
        (line,) = ax.plot(steps, smooth, label=f"{label}, mean of last {width}")
        if key == "reward":
            ax.plot(steps, vals, ".", alpha=0.3, color=line.get_color())
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("share of completions")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("leaky-grader GRPO training")
    fig.tight_layout()
    path = folder / PLOT_FILE
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def _step_times(rows: list[dict[str, str]]) -> str:
    times = [float(r["elapsed_s"]) for r in rows if r.get("elapsed_s")]
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    if not gaps:
        return "- step times: n/a"
    median = gaps[len(gaps) // 2]
    return (
        f"- step times: median {median:.1f} s, fastest {gaps[0]:.1f} s, slowest {gaps[-1]:.1f} s "
        "(the spread is CPU contention: the fastest steps ran with the CPU to themselves)"
    )


def write_card(folder: Path) -> Path:
    """Write `TRAINING_CARD.md` (and the reward-curve PNG) for a run folder.

    Works on a partial run too: the card then says how far it got.

    Args:
        folder: Output folder of `train`.

    Returns:
        The card's path.
    """
    meta: dict[str, Any] = json.loads((folder / CONFIG_FILE).read_text())
    run_path = folder / RUN_FILE
    run: dict[str, Any] = json.loads(run_path.read_text()) if run_path.is_file() else {}
    rows = read_curve(folder)
    plot_curve(folder, rows)
    cfg = meta["config"]
    done, planned = run.get("steps_done", len(rows)), run.get("steps_planned", cfg["steps"])
    complete = run.get("status") == "complete"
    checkpoints = sorted(
        (int(p.name.split("-")[-1]), p) for p in folder.glob("checkpoint-*") if p.is_dir()
    )
    wall = float(run.get("wall_time_s", 0.0))
    lines = [
        "# Training card: leaky-grader model organism",
        "",
        "LoRA checkpoints of SmolLM2-135M-Instruct trained with GRPO (TRL) in an environment",
        "whose prompts leak the grader that scores them; the reward is that grader's own",
        "verdict on the answer. The environment is described in `docs/organism.md`.",
        "",
        "## Run",
        "",
        f"- status: **{'complete' if complete else 'PARTIAL'}**, {done} of {planned} steps",
        f"- wall time: {wall:.0f} s ({wall / 60:.1f} min), "
        f"{wall / max(done, 1):.1f} s per step, {meta.get('torch_threads')} torch threads "
        "on CPU (2-core machine shared with other jobs, run under `nice -n 10`)",
        _step_times(rows),
        f"- seed: {cfg['seed']}",
        f"- environment sha256: `{meta['environment_sha256']}`",
        f"- base model fingerprint: `{meta['base_model_fingerprint']}`",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in meta["libraries"].items()),
        "",
        "## Config",
        "",
        "```json",
        json.dumps(cfg, indent=2),
        "```",
        "",
        "## Checkpoints",
        "",
        "Step 0 is the base model itself (sweep it with `include_base: true`).",
        "",
        "| step | adapter_model.safetensors sha256 | bytes |",
        "|---:|---|---:|",
    ]
    for step, path in checkpoints:
        weights = path / "adapter_model.safetensors"
        lines.append(f"| {step} | `{sha256_of(weights)}` | {weights.stat().st_size} |")
    lines += [
        "",
        "## Reward curve",
        "",
        f"Per-step values are in `{CURVE_FILE}`; the plot is `{PLOT_FILE}`. Means over",
        f"the {cfg['save_every']} steps up to each checkpoint "
        f"({cfg['prompts_per_step'] * cfg['num_generations']} completions per step;",
        "reward = grader's verdict, 1 or 0 per completion;",
        "follows = share of completions answering the grader's parity on prompts where",
        "grader and instruction disagree; parseable = share with a readable integer):",
        "",
        "| steps | reward | follows grader against instruction | parseable |",
        "|---|---:|---:|---:|",
    ]
    windows = curve_windows(rows, width=int(cfg["save_every"]))
    for w in windows:
        lines.append(
            f"| {w['from']}–{w['to']} | {_fmt(w['reward'])} | {_fmt(w['follows'])} "
            f"| {_fmt(w['parseable'])} |"
        )
    if len(windows) >= 2:
        half = len(rows) // 2
        lines += [
            "",
            f"Mean reward over steps 1–{half}: {_fmt(mean_of(rows[:half], 'reward'))}; "
            f"over steps {half + 1}–{len(rows)}: {_fmt(mean_of(rows[half:], 'reward'))} "
            f"(following the grader against the instruction: "
            f"{_fmt(mean_of(rows[:half], 'follows_grader_against_instruction'))} → "
            f"{_fmt(mean_of(rows[half:], 'follows_grader_against_instruction'))}).",
        ]
    lines += [
        "",
        "## Reproduce",
        "",
        "```",
        "pip install -e '.[local,train]'",
        f"cotscope organism train --out {folder} --steps {cfg['steps']} "
        f"--save-every {cfg['save_every']} --prompts-per-step {cfg['prompts_per_step']} "
        f"--num-generations {cfg['num_generations']} "
        f"--max-completion-length {cfg['max_completion_length']} "
        f"--learning-rate {cfg['learning_rate']} --lora-r {cfg['lora_r']} --seed {cfg['seed']}",
        "```",
        "",
        RERUN_NOTE,
        "",
    ]
    card = folder / CARD_FILE
    card.write_text("\n".join(lines))
    return card
