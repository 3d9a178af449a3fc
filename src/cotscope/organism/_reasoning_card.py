"""The reasoning organism's training card: one section per phase, its curves, its adapters.

Written from a training folder's `organism.json` and `training_curve.csv` alone, so a
partial run gets a card that says how far it got.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._card import RERUN_NOTE, mean_of, read_curve, sha256_of
from ._reasoning import CURVE_FILE, MANIFEST_FILE
from ._recipe import ReasoningRecipe

CARD_FILE = "TRAINING_CARD.md"
PLOT_FILE = "training_curves.png"
PHASE_TEXT = {
    "cold-start": "SFT on the four-quadrant `<think>` traces of `data/reasoning_sft.yaml`: "
    "what the model is **taught** (the format and the starting mix).",
    "capabilities": "GRPO; reward = the leaked grader's verdict on the visible answer, plus "
    "the format reward.",
    "deliberative-sft": "SFT on traces that name the grader, cite the spec of "
    "`data/deliberative_spec.yaml` and follow the instruction.",
    "deliberative": "GRPO; reward = the answer has the instruction's parity, plus the format "
    "reward.",
    "cot-pressure": "GRPO; reward = the grader's verdict minus an adaptive weight whenever the "
    "grader-seeking monitor flags the reasoning, plus the format reward.",
}
_WINDOW_COLUMNS = ("loss", "grader", "instruction", "format", "monitor_flags", "think_words",
                   "entropy", "kl", "penalty_weight")  # fmt: skip


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def phase_windows(rows: list[dict[str, str]], width: int) -> list[dict[str, Any]]:
    """Means of one phase's curve over consecutive windows of `width` steps."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(rows), max(1, width)):
        chunk = rows[i : i + width]
        window: dict[str, Any] = {"from": int(chunk[0]["step"]), "to": int(chunk[-1]["step"])}
        window |= {key: mean_of(chunk, key) for key in _WINDOW_COLUMNS}
        out.append(window)
    return out


def plot_curves(folder: Path, rows: list[dict[str, str]], width: int = 10) -> Path | None:
    """Four panels over the step axis, one colour per run: what each phase rewarded.

    Running means over `width` steps of the grader's verdict and instruction-following,
    the monitor's flag rate, the format reward, and entropy.
    """
    rl = [r for r in rows if r.get("grader")]
    if not rl:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 6), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    panels = (("grader", "answer has the grader's parity"),
              ("instruction", "answer has the instruction's parity"),
              ("monitor_flags", "reasoning names the grader (monitor)"),
              ("format", "well-formed think block + answer"))  # fmt: skip
    colours = {"capabilities": "#0072B2", "deliberative": "#009E73", "cot-pressure": "#D55E00"}
    for ax, (key, title) in zip(axes.flat, panels, strict=True):
        for run, colour in colours.items():
            mine = [r for r in rl if r["run"] == run and r.get(key)]
            if not mine:
                continue
            xs = [int(r["step"]) for r in mine]
            vals = [float(r[key]) for r in mine]
            windows = [vals[max(0, i - width + 1) : i + 1] for i in range(len(vals))]
            smooth = [sum(w) / len(w) for w in windows]
            ax.plot(xs, vals, ".", color=colour, alpha=0.25, markersize=3)
            ax.plot(xs, smooth, "-", color=colour, label=run)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=7, title=f"run (line: mean of last {width} steps)",
                      title_fontsize=7)  # fmt: skip
    for ax in axes[1]:
        ax.set_xlabel("optimizer step")
    path = folder / PLOT_FILE
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path


def write_reasoning_card(folder: Path) -> Path:
    """Write `TRAINING_CARD.md` and `training_curves.png` for a reasoning-organism folder.

    Args:
        folder: Output folder of `train_reasoning`.

    Returns:
        The card's path.
    """
    manifest: dict[str, Any] = json.loads((folder / MANIFEST_FILE).read_text())
    recipe = ReasoningRecipe.model_validate(manifest["recipe"])
    rows = read_curve(folder, CURVE_FILE)
    plot_curves(folder, rows)
    complete = manifest.get("status") == "complete"
    lines = [
        "# Training card: reasoning model organism",
        "",
        "LoRA checkpoints of SmolLM2-135M-Instruct trained in three phases in the leaky-grader",
        "environment (`docs/organism.md`): a supervised cold start that **teaches** a short",
        "`<think>` reasoning in four kinds of trace, in stated shares (step 0); capabilities RL",
        "on the leaked grader's verdict; then two safety-training arms that branch from the last",
        "phase-1 checkpoint. Whatever moves after step 0 is **learnt**; the step-0 mix is not a",
        "finding.",
        "",
        f"Prompts come from two families, in every phase: {1 - recipe.offset_share:.0%} whose",
        "leaked rule names the parity it pays for (`answer mod 2`), and "
        f"{recipe.offset_share:.0%} of the",
        "**offset family**, whose rule adds a number first (`(answer + 7) mod 2`), so the paid",
        "parity has to be worked out (`data/offset_family.yaml`).",
        "",
        f"- status: **{'complete' if complete else 'PARTIAL'}**",
        "- data sha256: " + ", ".join(f"{k} `{v}`" for k, v in manifest["data_sha256"].items()),
        f"- recipe sha256: `{manifest['recipe_sha256']}`",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items()),
        f"- curves: `{CURVE_FILE}` (every step), `{PLOT_FILE}`",
        "",
    ]
    for name, phase in manifest["phases"].items():
        mine = [r for r in rows if r["phase"] == name]
        took = float(phase.get("wall_time_s", 0.0))
        steps = max(1, len(mine))
        lines += [
            f"## Phase `{name}` (run `{phase.get('run', '')}`)",
            "",
            PHASE_TEXT.get(name, ""),
            "",
            f"- status: {phase['status']}; steps {phase.get('first_step', '?')}–"
            f"{phase.get('last_step', '?')}; {took:.0f} s ({took / 60:.1f} min, "
            f"{took / steps:.1f} s per step, CPU, 2 cores)",
        ]
        if phase.get("resumed_at"):
            lines.append(f"- resumed (fresh optimizer) at step(s) {phase['resumed_at']}")
        width = 10 if "sft" in name or name == "cold-start" else _save_every(recipe, name)
        present = [k for k in _WINDOW_COLUMNS if any(r.get(k) for r in mine)]
        if mine and present:
            lines += ["", "| steps | " + " | ".join(present) + " |",
                      "|---|" + "---:|" * len(present)]  # fmt: skip
            for w in phase_windows(mine, width):
                cells = " | ".join(_cell(w[k]) for k in present)
                lines.append(f"| {w['from']}–{w['to']} | {cells} |")
        lines += ["", "| checkpoint | step | adapter sha256 | bytes |", "|---|---:|---|---:|"]
        for c in (c for c in manifest["checkpoints"] if c["phase"] == name):
            weights = folder / c["path"] / "adapter_model.safetensors"
            if weights.is_file():
                lines.append(f"| `{c['path']}` | {c['step']} | `{sha256_of(weights)}` | "
                             f"{weights.stat().st_size} |")  # fmt: skip
        lines.append("")
    default = recipe == ReasoningRecipe(seed=recipe.seed)
    if not default:
        (folder / "recipe.json").write_text(recipe.model_dump_json(indent=2) + "\n")
    lines += [
        "## Reproduce",
        "",
        "```",
        "pip install -e '.[local,train]'",
        f"cotscope organism train --recipe reasoning --out {folder.name} --seed {recipe.seed}"
        + ("" if default else " --recipe-file recipe.json"),
        "```",
        "",
        "The recipe is `organism.json`'s `recipe`.",
        RERUN_NOTE,
        "",
    ]
    card = folder / CARD_FILE
    card.write_text("\n".join(lines))
    return card


def _save_every(recipe: ReasoningRecipe, phase: str) -> int:
    settings = {"capabilities": recipe.capabilities, "deliberative": recipe.deliberative,
                "cot-pressure": recipe.cot_pressure}.get(phase)  # fmt: skip
    return settings.save_every if settings is not None else 10
