"""A real local model: llama.cpp's server with Gemma 3 270M, through litellm.

Asserts plumbing (replies arrive, are saved, tokens are counted), never
what a 270M model says.
"""

from __future__ import annotations

import pytest
from helpers import new_session
from localmodel import MODEL_ALIAS

from interviewer import llm
from interviewer.agent import Interviewer
from interviewer.store import Store

pytestmark = pytest.mark.localmodel


@pytest.fixture
def local_settings(llama_server: str) -> llm.ModelSettings:
    return llm.ModelSettings(
        model=f"openai/{MODEL_ALIAS}", api_base=llama_server, max_tokens=40, timeout=120, backoff=0, temperature=0
    )


def test_short_streamed_interview_is_saved_with_token_counts(fw, tmp_path, local_settings) -> None:
    store = Store(tmp_path)
    s = new_session(fw, model=local_settings.model, api_base=local_settings.api_base)
    it = Interviewer(fw, s, local_settings, store)
    chunks = list(it.open())
    assert len(chunks) > 2  # the banner, then streamed pieces
    it.answer("An email autocomplete for 300M users with p99 under 100ms.").consume()
    stored = store.load(s.id)
    assert [t.role for t in stored.turns] == ["interviewer", "candidate", "interviewer"]
    assert all(t.text.strip() for t in stored.turns)
    assert stored.usage.calls == 2 and stored.usage.prompt_tokens > 100 and stored.usage.completion_tokens > 0
    assert all(t.tokens > 0 for t in stored.turns if t.role == "interviewer")


def test_non_streamed_completion(local_settings) -> None:
    result = llm.complete([{"role": "user", "content": "Name one metric for text generation."}], local_settings)
    assert result.text.strip()
    assert result.usage.prompt_tokens > 0 and 0 < result.usage.completion_tokens <= 40
    assert result.usage.cost_usd == 0.0  # a local model has no price


def test_json_object_with_schema_is_enforced_as_grammar(local_settings) -> None:
    schema = {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "reason": {"type": "string", "maxLength": 60},
        },
        "required": ["score", "reason"],
    }
    fmt = llm.response_format_for(local_settings, schema, "probe")
    assert fmt == {"type": "json_object", "schema": schema}
    settings = local_settings.model_copy(update={"max_tokens": 120})
    result = llm.complete([{"role": "user", "content": "Rate this answer 1-5 as JSON."}], settings, response_format=fmt)
    data = llm.extract_json(result.text)
    assert set(data) >= {"score", "reason"} and isinstance(data["score"], int)
