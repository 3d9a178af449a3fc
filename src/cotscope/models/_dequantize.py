"""A plain Hugging Face checkpoint made once from a GGUF file, cached on disk.

transformers dequantizes a GGUF on every load (~20 s for the bundled model). Doing
it once and saving fp32 safetensors makes every later load take about a second,
and gives training code an ordinary checkpoint to attach LoRA adapters to.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ._resolve import ResolvedModel, cache_root, resolve_local_model

_MARKER = "cotscope-dequantized.json"


def dequantized_checkpoint(model: str | ResolvedModel) -> Path:
    """Folder of a plain fp32 Hugging Face checkpoint (safetensors and tokenizer).

    For a GGUF model the checkpoint is made on first use under
    `<cache_root()>/dequantized/<base_fingerprint>/`, written to a temporary folder
    and renamed into place, so a killed process never leaves a half-written
    checkpoint and two processes racing both end up with a complete one. For a
    Hugging Face checkpoint folder this is the folder itself. Adapters are not
    merged in: the checkpoint is always the base model.

    Args:
        model: A name or path accepted by `resolve_local_model`, or a resolved model.

    Returns:
        The checkpoint folder, loadable with `AutoModelForCausalLM.from_pretrained`.
    """
    resolved = model if isinstance(model, ResolvedModel) else resolve_local_model(model)
    if resolved.format == "hf":
        return resolved.path
    target = cache_root() / "dequantized" / resolved.base_fingerprint
    if (target / _MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _export(resolved, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process finished first; keep its copy if it is complete.
            if not (target / _MARKER).is_file():
                shutil.rmtree(target, ignore_errors=True)
                os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _export(resolved: ResolvedModel, out: Path) -> None:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, file_name = str(resolved.path.parent), resolved.path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file_name)
    model: Any = AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=file_name, dtype=torch.float32
    )
    # The weights are already dequantized; a leftover quantization config would make
    # from_pretrained try to quantize or dequantize them again.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    marker = {
        "source": str(resolved.path),
        "base_fingerprint": resolved.base_fingerprint,
        "dtype": "float32",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    (out / _MARKER).write_text(json.dumps(marker, indent=2) + "\n")
