"""Load and check a sweep spec before any model is loaded.

Every problem is reported with the file and the field it sits in, e.g.
`sweep.yaml: models[2].step: steps must increase (got 100 after 200)`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._models import CheckpointPattern, ModelEntry, SweepSpec


class SpecError(ValueError):
    """The sweep spec is invalid; the message names the file and the field."""


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i >= 2 and loc[i - 2] == "models" and isinstance(loc[i - 1], int):
            continue  # the tag of the entry's kind (model or expand) adds noise, not location
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _format_validation(source: str, ex: ValidationError) -> str:
    lines = [f"{source}: invalid sweep spec"]
    seen = set()
    for err in ex.errors():
        line = f"  {_loc(err['loc'])}: {err['msg']}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


def parse_spec(data: Any, source: str = "<spec>") -> SweepSpec:
    """Validate a spec given as a mapping.

    Raises:
        SpecError: naming the source and the offending field.
    """
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a sweep spec must be a mapping, got {type(data).__name__}")
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as ex:
        raise SpecError(_format_validation(source, ex)) from None


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a YAML sweep spec file.

    Raises:
        SpecError: for an unreadable file, bad YAML (with its line) or an invalid field.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as ex:
        raise SpecError(f"{p}: cannot read sweep spec: {ex.strerror or ex}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as ex:
        mark = getattr(ex, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{p}:{where} not valid YAML: {ex}") from None
    return parse_spec(data, str(p))


_STEP_RE = re.compile(r"(\d+)(?!.*\d)")


def _step_of(name: str) -> int | None:
    m = _STEP_RE.search(name)
    return int(m.group(1)) if m else None


def _is_local(model: str) -> bool:
    return model.startswith("local/")


def expand_models(
    spec: SweepSpec, source: str = "<spec>", base: Path | None = None
) -> list[ModelEntry]:
    """Expand checkpoint patterns into concrete model entries, in the spec's order.

    Raises:
        SpecError: for a missing folder, a folder without checkpoints, or revisions
            whose steps do not line up.
    """
    out: list[ModelEntry] = []
    for i, item in enumerate(spec.models):
        where = f"{source}: models[{i}]"
        if isinstance(item, ModelEntry):
            out.append(item)
            continue
        out.extend(_expand_pattern(item, where, base))
    return out


def _expand_pattern(item: CheckpointPattern, where: str, base: Path | None) -> list[ModelEntry]:
    if item.expand == "revisions":
        if not item.revisions:
            raise SpecError(f"{where}.revisions: list at least one revision")
        if len(item.steps) != len(item.revisions):
            raise SpecError(
                f"{where}.steps: give one step per revision "
                f"({len(item.revisions)} revisions, {len(item.steps)} steps)"
            )
        return [
            ModelEntry(
                id=f"{item.id_prefix}-{step}",
                model=item.model,
                model_args={**item.model_args, "revision": rev},
                step=step,
                run=item.run,
            )
            for rev, step in zip(item.revisions, item.steps, strict=True)
        ]
    if not item.path:
        raise SpecError(f"{where}.path: `expand: folder` needs a path")
    folder = Path(item.path)
    if base is not None and not folder.is_absolute():
        folder = base / folder
    if not folder.is_dir():
        raise SpecError(f"{where}.path: no such folder: {folder}")
    manifest = folder / ORGANISM_MANIFEST
    if manifest.is_file():
        return _from_manifest(item, manifest, where)
    found = []
    for sub in folder.glob(item.glob):
        step = _step_of(sub.name)
        if sub.is_dir() and step is not None:
            found.append((step, sub))
    if not found:
        raise SpecError(f"{where}.path: no `{item.glob}` folders with a step number in {folder}")
    found.sort()
    entries: list[ModelEntry] = []
    if item.include_base:
        entries.append(
            ModelEntry(
                id=f"{item.id_prefix}-0",
                model=item.model,
                model_args=dict(item.model_args),
                step=0,
                run=item.run,
            )
        )
    for step, sub in found:
        if (sub / "adapter_config.json").exists():
            model, args = item.model, {**item.model_args, "adapter": str(sub.resolve())}
        elif _is_local(item.model):
            model, args = f"local/{sub.resolve()}", dict(item.model_args)
        else:
            model, args = item.model, {**item.model_args, "checkpoint": str(sub.resolve())}
        entries.append(
            ModelEntry(
                id=f"{item.id_prefix}-{step}", model=model, model_args=args, step=step, run=item.run
            )
        )
    return entries


ORGANISM_MANIFEST = "organism.json"
"""A training folder's manifest (`cotscope organism train --recipe reasoning`): every
checkpoint with its path, training run, phase and step."""


def _from_manifest(item: CheckpointPattern, manifest: Path, where: str) -> list[ModelEntry]:
    # The organism's runs (the trunk and each arm) and phases come from its manifest;
    # ids carry the run, since arms share step numbers.
    try:
        data = json.loads(manifest.read_text())
        listed = [(str(c["path"]), str(c["run"]), str(c["phase"]), int(c["step"]))
                  for c in data["checkpoints"]]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as ex:
        raise SpecError(
            f"{where}.path: {manifest}: not a readable organism manifest ({ex})"
        ) from None
    if not listed:
        raise SpecError(f"{where}.path: {manifest} lists no checkpoints yet")
    if item.include_base:
        raise SpecError(
            f"{where}.include_base: {manifest} already has its own step 0 (the cold start); "
            "list the base model as a model entry of its own"
        )
    entries = []
    # Runs in the order they start (the trunk first, then its branches), each by step.
    starts: dict[str, int] = {}
    for _, run, _, step in listed:
        starts[run] = min(starts.get(run, step), step)
    for path, run, phase, step in sorted(listed, key=lambda c: (starts[c[1]], c[1], c[3])):
        sub = (manifest.parent / path).resolve()
        if not (sub / "adapter_config.json").is_file():
            raise SpecError(f"{where}.path: {manifest} lists {path}, which holds no adapter")
        prefix = f"{item.id_prefix}-" if item.id_prefix != "step" else ""
        entries.append(ModelEntry(
            id=f"{prefix}{run}-{step}", model=item.model,
            model_args={**item.model_args, "adapter": str(sub)}, step=step,
            run=run if not item.run else f"{item.run}/{run}", phase=phase,
        ))  # fmt: skip
    return entries


def check_models(
    entries: list[ModelEntry], source: str = "<spec>", base: Path | None = None
) -> None:
    """Check ids, steps and local paths of expanded models without loading anything.

    Raises:
        SpecError: for duplicate ids, steps given for some models but not others,
            steps out of order, or a local model/adapter path that does not exist.
    """
    seen: dict[str, int] = {}
    for i, m in enumerate(entries):
        if m.id in seen:
            raise SpecError(
                f"{source}: models[{i}].id: duplicate id {m.id!r} (also models[{seen[m.id]}])"
            )
        seen[m.id] = i
    with_step = [m.step is not None for m in entries]
    if any(with_step) and not all(with_step):
        missing = [m.id for m in entries if m.step is None]
        raise SpecError(
            f"{source}: models: give a step for every checkpoint or for none; "
            f"missing for {', '.join(missing)}"
        )
    last: dict[str, ModelEntry] = {}  # steps increase within each training run
    for i, m in enumerate(entries):
        prev = last.get(m.run)
        if (
            prev is not None
            and m.step is not None
            and prev.step is not None
            and m.step <= prev.step
        ):
            within = f" of run {m.run!r}" if m.run else ""
            raise SpecError(
                f"{source}: models[{i}].step: steps{within} must increase in list order "
                f"(got {m.step} for {m.id!r} after {prev.step} for {prev.id!r})"
            )
        last[m.run] = m
    for i, m in enumerate(entries):
        _check_paths(m, f"{source}: models[{i}]", base)


def _check_paths(m: ModelEntry, where: str, base: Path | None) -> None:
    def exists(p: str) -> bool:
        path = Path(p).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        return path.exists()

    adapter = m.model_args.get("adapter")
    if adapter is not None and not exists(str(adapter)):
        raise SpecError(f"{where}.model_args.adapter: no such adapter folder: {adapter}")
    if _is_local(m.model):
        name = m.model.removeprefix("local/")
        looks_like_path = "/" in name or name.endswith(".gguf") or name.startswith(".")
        if looks_like_path and not exists(name):
            raise SpecError(f"{where}.model: no such local model path: {name}")
