"""The litellm layer against a real HTTP server speaking the OpenAI API."""

from __future__ import annotations

import pytest
from fakeserver import Reply
from pydantic import SecretStr
from servers import free_port

from interviewer import llm
from interviewer.agent import MarkerFilter

HELLO = [{"role": "user", "content": "hello"}]


def test_non_streamed_completion_counts_usage(fake_llm, model_settings) -> None:
    fake_llm.script("Tell me about your users.")
    result = llm.complete(HELLO, model_settings)
    assert result.text == "Tell me about your users."
    assert result.usage.completion_tokens == 5 and result.usage.calls == 1
    body = fake_llm.chat_requests[0].body
    assert body["model"] == "scripted" and not body.get("stream")


def test_cached_prompt_tokens_are_reported_where_the_provider_says(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(text="Who are the users?", cached_tokens=1), Reply(text="And the scale?"))
    assert llm.complete(HELLO, model_settings).usage.cached_tokens == 1
    s = llm.stream(HELLO, model_settings)
    list(s)
    assert s.completion is not None and s.completion.usage.cached_tokens == 0
    total = llm.Usage(cached_tokens=3, calls=1)
    total.add(llm.Usage(cached_tokens=4, calls=1))
    assert total.cached_tokens == 7
    # Anthropic's own field name, through litellm.
    assert llm.cached_tokens_of(type("U", (), {"cache_read_input_tokens": 12})()) == 12
    assert llm.cached_tokens_of(None) == 0


def test_streamed_usage_keeps_cached_tokens(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(text="Step one: who are the users?", cached_tokens=1))
    s = llm.stream(HELLO, model_settings)
    list(s)
    assert s.completion is not None and s.completion.usage.cached_tokens == 1


def test_cache_hint_only_for_models_that_need_a_marked_block(model_settings) -> None:
    anthropic = llm._kwargs(model_settings.with_model("anthropic/claude-3-5-haiku-latest"), HELLO)
    assert anthropic["cache_control_injection_points"] == [{"location": "message", "role": "system"}]
    assert "cache_control_injection_points" not in llm._kwargs(model_settings, HELLO)  # a local server: automatic
    assert llm.wants_cache_hint("bedrock/anthropic.claude-3-haiku") and not llm.wants_cache_hint("openai/gpt-4o")


def test_streamed_reply_arrives_in_chunks(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(text="Step one: who are the users and what scale?", chunk_size=4))
    s = llm.stream(HELLO, model_settings)
    chunks = list(s)
    assert len(chunks) > 5
    assert "".join(chunks) == "Step one: who are the users and what scale?"
    assert s.completion is not None and s.completion.usage.completion_tokens == 9
    assert fake_llm.chat_requests[0].body["stream"] is True


def test_server_errors_are_retried_then_succeed(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(status=503), Reply(status=500), "recovered")
    sleeps: list[float] = []
    settings = model_settings.model_copy(update={"max_retries": 2, "backoff": 0.5})
    assert llm.complete(HELLO, settings, sleep=sleeps.append).text == "recovered"
    assert len(fake_llm.chat_requests) == 3
    # Exponential backoff with jitter: the second wait is longer on average.
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_fallback_model_after_primary_fails(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(status=404, error="model not loaded"), "from the fallback")
    settings = model_settings.model_copy(update={"fallback_model": "openai/backup"})
    result = llm.complete(HELLO, settings)
    assert result.text == "from the fallback" and result.model == "openai/backup"
    assert [r.body["model"] for r in fake_llm.chat_requests] == ["scripted", "backup"]


def test_unreachable_server_names_server_and_cause(model_settings) -> None:
    base = f"http://127.0.0.1:{free_port()}/v1"
    settings = model_settings.model_copy(update={"api_base": base, "max_retries": 1})
    with pytest.raises(llm.LLMError) as err:
        llm.complete(HELLO, settings, sleep=lambda _: None)
    assert base in str(err.value) and "reach" in str(err.value)
    assert err.value.kind == "connection" and err.value.retryable


def test_timeout_is_reported(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(delay=3))
    settings = model_settings.model_copy(update={"timeout": 0.5, "max_retries": 0})
    with pytest.raises(llm.LLMError) as err:
        llm.complete(HELLO, settings)
    assert err.value.kind == "timeout" and "0.5 s" in str(err.value)


def test_rate_limit_message(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(status=429, error="slow down"))
    settings = model_settings.model_copy(update={"max_retries": 0})
    with pytest.raises(llm.LLMError, match="rate limited") as err:
        llm.complete(HELLO, settings)
    assert err.value.kind == "rate_limit"


def test_api_key_is_sent_but_never_shown(fake_llm, model_settings) -> None:
    secret = "sk-test-SECRET-0123456789"
    fake_llm.script(Reply(status=401, error=f"Incorrect API key provided: {secret}"))
    settings = model_settings.model_copy(update={"api_key": SecretStr(secret), "max_retries": 0})
    with pytest.raises(llm.LLMError) as err:
        llm.complete(HELLO, settings)
    assert fake_llm.chat_requests[0].headers.get("authorization") == f"Bearer {secret}"
    assert secret not in str(err.value) and err.value.kind == "auth"
    assert secret not in settings.model_dump_json() and secret not in repr(settings)


def test_stream_error_before_first_chunk_is_retried(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(status=502), "second try")
    s = llm.stream(HELLO, model_settings.model_copy(update={"max_retries": 1}))
    assert "".join(s) == "second try"


def test_structured_output_form_per_provider() -> None:
    schema = {"type": "object"}
    hosted = llm.ModelSettings(model="gpt-4o-mini")
    local = llm.ModelSettings(model="openai/gemma", api_base="http://127.0.0.1:8080/v1")
    assert llm.response_format_for(hosted, schema, "g")["type"] == "json_schema"
    assert llm.response_format_for(local, schema, "g") == {"type": "json_object", "schema": schema}
    assert llm.response_format_for(llm.ModelSettings(model="ollama/llama3"), schema, "g")["type"] == "json_object"
    assert llm.response_format_for(hosted.model_copy(update={"structured": "none"}), schema, "g") is None


def test_extract_json_from_prose_and_fences() -> None:
    assert llm.extract_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert llm.extract_json('Sure! Here it is: {"a": [1, 2]} Hope that helps.') == {"a": [1, 2]}
    with pytest.raises(ValueError):
        llm.extract_json("no json here")


@pytest.mark.parametrize(
    "chunks",
    [["Good.", " [[NEXT]]"], ["Good. [[NE", "XT]]"], ["Good. [", "[", "N", "E", "X", "T", "]", "]"]],
)
def test_next_marker_is_stripped_however_it_is_split(chunks: list[str]) -> None:
    f = MarkerFilter()
    out = "".join(f.feed(c) for c in chunks) + f.flush()
    assert out.strip() == "Good." and f.seen


def test_marker_prefix_that_is_not_the_marker_is_kept() -> None:
    f = MarkerFilter()
    out = "".join(f.feed(c) for c in ["a [[b", "]] c"]) + f.flush()
    assert out == "a [[b]] c" and not f.seen


def test_connection_test_reports_success_and_failure(fake_llm, model_settings) -> None:
    fake_llm.script("ready")
    assert "Connected to openai/scripted" in llm.test_connection(model_settings)
    fake_llm.script(Reply(status=500, error="boom"))
    with pytest.raises(llm.LLMError, match="HTTP 500"):
        llm.test_connection(model_settings)
    assert "Offline" in llm.test_connection(llm.ModelSettings())


def test_scripted_server_proves_overlap_without_timing(fake_llm, model_settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake_llm.default = Reply(text="ok", rendezvous=3)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: llm.complete(HELLO, model_settings).text, range(3)))
    assert results == ["ok"] * 3 and fake_llm.max_in_flight == 3


def test_retry_after_is_honoured_and_capped(fake_llm, model_settings) -> None:
    waits: list[float] = []
    fake_llm.script(
        Reply(status=429, headers={"Retry-After": "20"}), Reply(status=429, headers={"Retry-After": "999"}), "ok"
    )
    settings = model_settings.model_copy(update={"max_retries": 2, "backoff": 1.0})
    assert llm.complete(HELLO, settings, sleep=waits.append).text == "ok"
    assert waits == [20.0, llm.MAX_RETRY_AFTER]


def test_a_stream_that_ignores_max_tokens_is_cut_off(fake_llm, model_settings) -> None:
    settings = model_settings.model_copy(update={"max_tokens": 10})
    cap = llm.reply_chars_cap(settings)
    fake_llm.script(Reply(text="word " * (cap // 2), chunk_size=500))
    s = llm.stream(HELLO, settings)
    text = "".join(s)
    assert len(text) == cap and s.truncated and s.completion is not None


def test_an_empty_reply_is_an_error_to_retry(fake_llm, model_settings) -> None:
    fake_llm.script(Reply(text="   "))
    with pytest.raises(llm.LLMError) as err:
        "".join(llm.stream(HELLO, model_settings))
    assert err.value.kind == "empty" and err.value.retryable and "empty reply" in str(err.value)
