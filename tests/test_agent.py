"""The interviewer end to end: offline, and through litellm to a scripted server."""

from __future__ import annotations

import sqlite3

import pytest
from fakeserver import Reply
from helpers import FakeClock, new_session

from interviewer.agent import NEXT_MARKER, InputError, Interviewer
from interviewer.llm import LLMError
from interviewer.session import MAX_MESSAGE_CHARS, step_banner
from interviewer.store import Store

ANSWERS = [
    "Text suggestions for 300M users; p99 latency under 100ms; GDPR applies; personalization from user history.",
    "Autoregressive next-token generation conditioned on the thread; success is acceptance rate above 25%.",
    "Sent emails, anonymised, with PII scrubbing and dedup; bias checks; held-out eval sets by locale.",
    "A distilled decoder-only transformer, about 300M params, pre-trained then fine-tuned; int8 quantization.",
    "Offline: perplexity and exact-match; human eval for relevance and safety; then an A/B test on acceptance.",
    "Online inference on GPUs with continuous batching, a Redis cache for prefixes, fallback to no suggestion.",
    "Shadow mode, 1% canary, gradual rollout; monitor acceptance, latency and toxicity; retrain on feedback.",
]


def hold_offline_interview(fw, store=None, max_turns: int = 150):
    clock = FakeClock()
    s = new_session(fw)
    it = Interviewer(fw, s, store=store, now=clock)
    replies = [it.open().consume()]
    for i in range(max_turns):
        clock.advance(minutes=1)
        reply = it.answer(ANSWERS[(s.current_step - 1)] + f" (point {i})")
        replies.append(reply.consume())
        if reply.plan.closing:
            break
    return s, replies


def test_full_offline_interview_walks_all_seven_steps_in_order(fw) -> None:
    s, replies = hold_offline_interview(fw)
    steps = [t.step for t in s.turns]
    assert steps == sorted(steps), "steps only move forward"
    assert set(steps) == set(range(1, 8))
    for n in range(1, 8):
        assert sum(step_banner(fw, n) in r for r in replies) == 1, f"step {n} announced once"
    assert s.turns[-1].kind == "closing" and all(t.offline for t in s.turns if t.role == "interviewer")
    # Follow-ups come from the topic bank and are never repeated.
    assert s.asked_topics and len(s.asked_topics) == len(set(s.asked_topics))
    assert len(s.turns) < 120


def test_offline_interview_is_saved_turn_by_turn(fw, tmp_path) -> None:
    store = Store(tmp_path)
    s, _ = hold_offline_interview(fw, store=store)
    assert store.load(s.id).turns == s.turns


def test_hidden_detail_revealed_only_when_asked(fw) -> None:
    s = new_session(fw)
    it = Interviewer(fw, s)
    opening = it.open().consume()
    assert s.problem.hidden.latency_budget not in opening
    reply = it.answer("I'd assume the latency target is tight.").consume()
    assert s.problem.hidden.latency_budget not in reply
    reply = it.answer("What latency budget do we have?").consume()
    assert s.problem.hidden.latency_budget in reply and s.revealed == ["latency_budget"]


def test_hint_and_next_are_recorded(fw) -> None:
    s = new_session(fw)
    it = Interviewer(fw, s)
    it.open().consume()
    hint = it.hint()
    text = hint.consume()
    assert text.startswith("Hint:")
    assert [t.hint for t in s.turns[-2:]] == [True, True]
    it.next_step().consume()
    assert s.current_step == 2 and s.turns[-2].kind == "next" and step_banner(fw, 2) in s.turns[-1].text


@pytest.mark.parametrize("bad", ["", "   \n ", "x" * (MAX_MESSAGE_CHARS + 1)])
def test_bad_input_is_refused_and_changes_nothing(fw, tmp_path, bad: str) -> None:
    store = Store(tmp_path)
    s = new_session(fw)
    it = Interviewer(fw, s, store=store)
    it.open().consume()
    before = store.load(s.id)
    with pytest.raises(InputError) as err:
        it.answer(bad)
    assert store.load(s.id) == before == s
    if bad.strip():
        assert f"{MAX_MESSAGE_CHARS:,}" in str(err.value)


def test_candidate_turn_is_committed_before_the_model_is_called(fw, tmp_path, fake_llm, model_settings) -> None:
    store = Store(tmp_path)
    s = new_session(fw, model="openai/scripted", api_base=fake_llm.base_url)
    seen: list[list[str]] = []

    def responder(body):
        db = sqlite3.connect(tmp_path / "interviewer.db")
        rows = db.execute("SELECT data FROM turns WHERE session_id=? ORDER BY idx", (s.id,)).fetchall()
        seen.append([r[0] for r in rows])
        return "What scale are we designing for?"

    fake_llm.responder = responder
    it = Interviewer(fw, s, model_settings, store)
    it.open().consume()
    it.answer("My unique answer 42").consume()
    assert "My unique answer 42" in seen[-1][-1]


def test_model_interview_prompts_carry_step_followup_and_stay_bounded(fw, fake_llm, model_settings) -> None:
    s = new_session(fw, model="openai/scripted")
    clock = FakeClock()
    fake_llm.default = Reply(text="Interesting. Why that choice? " + NEXT_MARKER)
    it = Interviewer(fw, s, model_settings, now=clock)
    it.open().consume()
    assert "Step 1 of 7" in fake_llm.chat_requests[-1].system
    long = "We will cache prompts in Redis and use a KV cache with continuous batching on GPUs. " * 12
    for _ in range(60):
        clock.advance(seconds=40)
        reply = it.answer(long)
        reply.consume()
        if reply.plan.closing:
            break
    prompts = [r.prompt_text for r in fake_llm.chat_requests]
    assert s.current_step == 7
    # Every step was the current step of some prompt, in order.
    firsts = [
        next(i for i, r in enumerate(fake_llm.chat_requests) if f"Step {n} of 7" in r.system) for n in range(1, 8)
    ]
    assert firsts == sorted(firsts)
    # A trigger word (cache) brought a topic-bank follow-up into the directive.
    assert any("A follow-up from the topic bank" in p for p in prompts)
    assert s.asked_topics
    # The marker is stripped from what the candidate sees, but recorded.
    assert all(NEXT_MARKER not in t.text for t in s.turns) and any(t.proposes_next for t in s.turns)
    # Bounded context: late prompts are not much bigger than mid ones.
    sizes = [len(p) for p in prompts]
    assert max(sizes[-5:]) < 1.3 * max(sizes[len(sizes) // 2 : len(sizes) // 2 + 5])
    assert s.usage.calls == len(fake_llm.chat_requests) and s.usage.completion_tokens > 0


def test_model_error_keeps_the_turn_and_retry_does_not_resend_it(fw, tmp_path, fake_llm, model_settings) -> None:
    store = Store(tmp_path)
    s = new_session(fw, model="openai/scripted")
    settings = model_settings.model_copy(update={"max_retries": 0})
    it = Interviewer(fw, s, settings, store)
    fake_llm.script("Welcome. What are we building?")
    it.open().consume()
    fake_llm.script(Reply(status=500, error="GPU on fire"))
    with pytest.raises(LLMError, match="HTTP 500") as failed:
        it.answer("A text suggestion system.").consume()
    assert "GPU on fire" not in str(failed.value)  # the server's body is never echoed
    stored = store.load(s.id)
    assert stored.turns[-1].text == "A text suggestion system." and stored.awaiting_reply()
    with pytest.raises(InputError, match="retry"):
        it.answer("again")
    fake_llm.script("Thanks. Who are the users?")
    assert it.retry().consume() == "Thanks. Who are the users?"
    texts = [t.text for t in store.load(s.id).turns]
    assert texts.count("A text suggestion system.") == 1 and texts[-1] == "Thanks. Who are the users?"


def test_resume_continues_where_it_stopped(fw, tmp_path) -> None:
    store = Store(tmp_path)
    s = new_session(fw)
    it = Interviewer(fw, s, store=store)
    it.open().consume()
    it.answer(ANSWERS[0]).consume()
    resumed = store.load(s.id)
    it2 = Interviewer(fw, resumed, store=store)
    it2.answer("What about cost?").consume()
    assert len(store.load(s.id).turns) == len(s.turns) + 2
    assert store.load(s.id).turns[: len(s.turns)] == s.turns


def test_ended_session_refuses_new_answers(fw) -> None:
    s = new_session(fw)
    it = Interviewer(fw, s)
    it.open().consume()
    it.end()
    with pytest.raises(InputError, match="ended"):
        it.answer("one more thing")
