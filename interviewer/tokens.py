"""Offline-safe token counting.

tiktoken downloads its BPE files on first use and litellm downloads a model
cost map at import. Neither may touch the network here: litellm's wheel ships
the cl100k/o200k/p50k files, so we point tiktoken at them *before* the first
``get_encoding`` and tell litellm to use its bundled cost map. This module
finds that folder without importing litellm (which costs ~2 s).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

ENCODING = "cl100k_base"


def litellm_tokenizers_dir() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return folder if folder.is_dir() else None


def configure_offline_env() -> None:
    """Idempotent; call before importing litellm or asking tiktoken for an encoding."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    folder = litellm_tokenizers_dir()
    if folder is not None:
        # litellm rewrites TIKTOKEN_CACHE_DIR at import unless CUSTOM_ is set;
        # set both so our choice and litellm's agree.
        os.environ.setdefault("CUSTOM_TIKTOKEN_CACHE_DIR", str(folder))
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", os.environ["CUSTOM_TIKTOKEN_CACHE_DIR"])


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    configure_offline_env()
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return len(_encoding().encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict[str, str]]) -> int:
    # ~4 tokens of chat framing per message, as OpenAI documents for cl100k.
    return sum(count_tokens(m.get("content") or "") + 4 for m in messages) + 2


def truncate_to_tokens(text: str, budget: int) -> str:
    enc = _encoding()
    ids = enc.encode(text, disallowed_special=())
    if len(ids) <= budget:
        return text
    return enc.decode(ids[:budget])
