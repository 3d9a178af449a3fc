"""Ingest: transcripts from training runs and other tools into a cotscope store.

`ingest(paths, IngestOptions(out=...))` reads cotscope JSONL/Parquet, Inspect logs,
OpenAI- and Anthropic-style chats, plain text and arbitrary JSON (through `--map`),
and writes one `samples` row per transcript, all or nothing.
"""

from ._adapt import FORMATS, FieldMap, Format
from ._errors import IngestAborted, IngestUsageError, Problem, RecordError
from ._ingest import DEFAULT_MAX_RECORD_MB, REJECTS_FILENAME, IngestOptions, IngestResult, ingest
from ._run import FileReport, Progress
from ._schema import (
    SCHEMA_FILENAME,
    Message,
    ToolCall,
    TranscriptRecord,
    render_schema,
    shipped_schema,
    transcript_json_schema,
)

__all__ = [
    "DEFAULT_MAX_RECORD_MB",
    "FORMATS",
    "REJECTS_FILENAME",
    "SCHEMA_FILENAME",
    "FieldMap",
    "FileReport",
    "Format",
    "IngestAborted",
    "IngestOptions",
    "IngestResult",
    "IngestUsageError",
    "Message",
    "Problem",
    "Progress",
    "RecordError",
    "ToolCall",
    "TranscriptRecord",
    "ingest",
    "render_schema",
    "shipped_schema",
    "transcript_json_schema",
]
