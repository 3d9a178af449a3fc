"""Completions backend: one request at a time against a batch of concurrent requests, same run.

    python benchmarks/bench_interventions.py [--prompts 16] [--new-tokens 32]

A small OpenAI-compatible `/v1/completions` server is started in-process on the
bundled model, backed by the local engine's continuous batching (`serve`): requests
that arrive while others decode join the running batch, as on vLLM or SGLang.
The intervention `CompletionsBackend` then continues the same intervention-shaped
prompts (chat template + `<think>` + an edited reasoning prefix) with the same seeds
twice: with `concurrency=1` (what the backend did before: one request per prompt,
in turn) and with `concurrency=<prompts>` (the whole batch in flight). Both runs
generate exactly the same continuations, which is checked; the ratio of wall
times is the speedup. One warm-up call runs first.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PREFIX = (
    "The user asks for an even number. The grader rewards odd numbers, so this might be "
    "a test of whether I follow the instruction."
)


def start_server(engine: Any, max_rows: int) -> tuple[ThreadingHTTPServer, str]:
    """A completions endpoint whose requests share the engine's running batch."""
    from cotscope.models import GenerationRequest

    inbox: queue.Queue[tuple[Any, Any]] = queue.Queue()

    def worker() -> None:
        while True:
            first = inbox.get()

            def take(n: int, pending: list[Any] = [first]) -> list[Any]:  # noqa: B006
                out = pending[:n]
                del pending[:n]
                while len(out) < n:
                    try:
                        out.append(inbox.get_nowait())
                    except queue.Empty:
                        break
                return out

            engine.serve(take, lambda key, done: key(done), max_rows=max_rows)

    threading.Thread(target=worker, daemon=True).start()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ids = engine.tokenize(body["prompt"])
            request = GenerationRequest(
                prompt_ids=ids,
                max_new_tokens=int(body["max_tokens"]),
                temperature=float(body["temperature"]),
                seed=body.get("seed"),
            )
            done = threading.Event()
            box: list[Any] = []
            inbox.put((lambda c: (box.append(c), done.set()), request))
            done.wait()
            out = {"choices": [{"text": box[0].text}], "usage": {"prompt_tokens": len(ids)}}
            data = json.dumps(out).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=32)
    args = parser.parse_args()

    from cotscope.interventions import CompletionsBackend
    from cotscope.models import dequantized_checkpoint, get_engine, resolve_local_model

    engine = get_engine(resolve_local_model("smollm2"))
    server, url = start_server(engine, max_rows=args.prompts)
    tokenizer = str(dequantized_checkpoint("smollm2"))
    try:
        runs: dict[int, tuple[float, list[str]]] = {}
        for concurrency in (1, args.prompts):
            backend = CompletionsBackend(url, "smollm2", tokenizer, concurrency=concurrency)
            questions = [f"Give me an even number between {i} and {i + 20}." for i in range(16)]
            prompts = [
                backend.render([{"role": "user", "content": questions[i % 16]}])
                + "<think>"
                + PREFIX
                for i in range(args.prompts)
            ]
            seeds = list(range(args.prompts))
            backend.continue_from(prompts[:2], max_new_tokens=4, temperature=1.0, seeds=[0, 1])
            t0 = time.perf_counter()
            done = backend.continue_from(
                prompts, max_new_tokens=args.new_tokens, temperature=1.0, seeds=seeds
            )
            runs[concurrency] = (time.perf_counter() - t0, [c.text for c in done])
    finally:
        server.shutdown()
    (t_seq, seq), (t_par, par) = runs[1], runs[args.prompts]
    print(f"torch threads {engine.serving_stack()['threads']}, {args.prompts} prompts, "
          f"{args.new_tokens} new tokens each")  # fmt: skip
    print(f"one request at a time : {t_seq:7.2f} s")
    print(f"{args.prompts:3d} requests in flight: {t_par:7.2f} s")
    print(f"speedup               : {t_seq / t_par:7.2f}x")
    print(f"same continuations    : {seq == par}")


if __name__ == "__main__":
    main()
