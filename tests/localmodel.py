"""Start llama-cpp-python's OpenAI-compatible server with a GGUF on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from servers import free_port, serving

MODEL_ALIAS = "gemma3-270m"


@contextlib.contextmanager
def start_llama_server(python: Path, gguf: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    cmd = [
        str(python), "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", MODEL_ALIAS, "--chat_format", "gemma",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
    ]  # fmt: skip
    with serving(cmd, f"{base}/models", gguf.parent / "llama-server.log"):
        yield base
