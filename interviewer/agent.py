"""The interviewer: takes a candidate action, saves it, and produces the reply.

Order matters and is the point of this module: the candidate's turn is
committed to the store *before* any model call, and the interviewer's turn
(with any step change) is committed only once the reply is complete. A model
error in between leaves the session "awaiting a reply", which ``retry()``
resumes without saving the candidate's words twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from . import llm, offline
from .errors import InputError
from .framework import Framework
from .planner import DETAIL_LABELS, Action, TurnPlan, plan_turn
from .prompting import chat_messages, render, split_context
from .session import MAX_MESSAGE_CHARS, Session, Turn, format_duration, step_banner, utcnow
from .settings import ModelSettings
from .store import Store
from .tokens import count_tokens

NEXT_MARKER = "[[NEXT]]"
HINT_TEXT = "(asked for a hint)"
NEXT_TEXT = "(asked to move on to the next step)"


def clean_message(text: str | None, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError("Empty message: nothing was sent.")
    if len(text) > limit:
        raise InputError(f"Message too long: {len(text):,} characters; the limit is {limit:,}. Nothing was sent.")
    return text


class MarkerFilter:
    """Strips NEXT_MARKER from a stream whose chunks may split it anywhere."""

    def __init__(self, marker: str = NEXT_MARKER) -> None:
        self.marker = marker
        self.buffer = ""
        self.seen = False

    def feed(self, chunk: str) -> str:
        self.buffer += chunk
        if self.marker in self.buffer:
            self.seen = True
            self.buffer = self.buffer.replace(self.marker, "")
        # Hold back a tail that could be the start of the marker.
        keep = 0
        for n in range(min(len(self.marker) - 1, len(self.buffer)), 0, -1):
            if self.marker.startswith(self.buffer[-n:]):
                keep = n
                break
        out, self.buffer = self.buffer[: len(self.buffer) - keep], self.buffer[len(self.buffer) - keep :]
        return out

    def flush(self) -> str:
        out, self.buffer = self.buffer, ""
        return out


class Reply:
    """The interviewer's reply: iterate for text chunks (streamed from the model,
    or the offline text). When the iteration completes, the turn is saved.
    ``text`` is the full reply afterwards."""

    def __init__(self, interviewer: Interviewer, plan: TurnPlan) -> None:
        self.interviewer = interviewer
        self.plan = plan
        self.text = ""
        self.turn: Turn | None = None
        self.stream: llm.Stream | None = None

    @property
    def offline(self) -> bool:
        return self.interviewer.session.offline

    def __iter__(self) -> Iterator[str]:
        it = self.interviewer
        if self.offline:
            text = offline.reply(it.fw, it.session, self.plan)
            for word in text.split(" "):
                piece = word if not self.text else " " + word
                self.text += piece
                yield piece
            self._finish(proposes_next=False, tokens=count_tokens(text))
            return
        prefix = f"**{self.plan.banner}**\n\n" if self.plan.banner else ""
        if prefix:
            self.text += prefix
            yield prefix
        self.stream = llm.stream(it.build_messages(self.plan), it.settings, sleep=it.sleep)
        marker = MarkerFilter()
        for chunk in self.stream:
            out = marker.feed(chunk)
            if out:
                self.text += out
                yield out
        tail = marker.flush()
        if tail:
            self.text += tail
            yield tail
        completion = self.stream.completion
        if completion is not None:
            it.session.usage.add(completion.usage)
        tokens = completion.usage.completion_tokens if completion else count_tokens(self.text)
        self.text = self.text.strip() or "Could you say more about that?"
        self._finish(proposes_next=marker.seen, tokens=tokens)

    def consume(self) -> str:
        for _ in self:
            pass
        return self.text

    def _finish(self, *, proposes_next: bool, tokens: int) -> None:
        it, plan = self.interviewer, self.plan
        session = it.session
        if plan.topic is not None and plan.topic.id not in session.asked_topics:
            session.asked_topics.append(plan.topic.id)
        for field in plan.reveal:
            if field not in session.revealed:
                session.revealed.append(field)
        session.current_step = plan.step
        turn = Turn(
            role="interviewer",
            text=self.text,
            step=plan.step,
            kind=plan.kind,  # type: ignore[arg-type]
            at=it.now(),
            tokens=tokens,
            topic_id=plan.topic.id if plan.topic else None,
            hint=plan.kind == "hint",
            offline=session.offline,
            proposes_next=proposes_next,
        )
        it.commit(turn)
        self.turn = turn


class Interviewer:
    def __init__(
        self,
        fw: Framework,
        session: Session,
        settings: ModelSettings | None = None,
        store: Store | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.fw = fw
        self.session = session
        self.settings = settings or ModelSettings(model=session.model, api_base=session.api_base)
        self.store = store
        self.now = now
        self.sleep = sleep or time.sleep

    # --- persistence --------------------------------------------------------
    def commit(self, turn: Turn) -> None:
        if self.store is not None:
            self.store.append_turn(self.session, turn)
        else:
            self.session.turns.append(turn)

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self.session)

    # --- actions ------------------------------------------------------------
    def _candidate(self, text: str, kind: str, hint: bool = False) -> None:
        if self.session.ended:
            raise InputError("This interview has ended; start a new one or open its report.")
        if self.session.awaiting_reply():
            raise InputError("The interviewer has not answered your last message yet: retry first.")
        turn = Turn(
            role="candidate",
            text=text,
            step=self.session.current_step,
            kind=kind,  # type: ignore[arg-type]
            at=self.now(),
            tokens=count_tokens(text),
            hint=hint,
        )
        self.commit(turn)

    def _plan(self, action: Action) -> Reply:
        return Reply(self, plan_turn(self.fw, self.session, action, now=self.now()))

    def open(self) -> Reply:
        """The opening turn (only for a session with no turns yet)."""
        if self.session.turns:
            raise InputError("This interview has already started.")
        self.save()
        return self._plan("open")

    def answer(self, text: str | None) -> Reply:
        self._candidate(clean_message(text), "answer")
        return self._plan("answer")

    def hint(self) -> Reply:
        self._candidate(HINT_TEXT, "hint", hint=True)
        return self._plan("hint")

    def next_step(self) -> Reply:
        self._candidate(NEXT_TEXT, "next")
        return self._plan("next")

    def retry(self) -> Reply:
        """Produce the reply owed after a failed model call (nothing is re-saved)."""
        if not self.session.turns:
            return self._plan("open")
        last = self.session.turns[-1]
        if last.role != "candidate":
            raise InputError("Nothing to retry: the interviewer already replied.")
        action: Action = {"hint": "hint", "next": "next"}.get(last.kind, "answer")  # type: ignore[assignment]
        return self._plan(action)

    def end(self) -> None:
        if not self.session.ended:
            self.session.ended_at = self.now()
            self.save()

    # --- prompt -------------------------------------------------------------
    def build_messages(self, plan: TurnPlan) -> list[dict[str, str]]:
        fw, session = self.fw, self.session
        step = fw.step(plan.step)
        revealed_fields = [f for f in session.revealed if f not in plan.reveal] + plan.reveal
        system = render(
            "interviewer_system.md",
            fw.root,
            minutes=session.minutes,
            level=fw.levels[session.level],
            problem=session.problem,
            revealed=[(DETAIL_LABELS[f], getattr(session.problem.hidden, f)) for f in revealed_fields],
            banner=step_banner(fw, plan.step),
            step=step,
            rubric=fw.rubrics[plan.step],
            uncovered=plan.uncovered,
            step_left=format_duration(plan.clock.step_left),
            total_left=format_duration(plan.clock.total_left),
            next_marker=NEXT_MARKER,
        )
        directive = render(
            "interviewer_turn.md",
            fw.root,
            action=plan.action,
            closing=plan.closing,
            banner=plan.banner,
            reason=(plan.decision.reason if plan.decision else ""),
            reveal=[f"{DETAIL_LABELS[f]}: {getattr(session.problem.hidden, f)}" for f in plan.reveal],
            key_question=plan.key_question.question if plan.key_question else "",
            topic=plan.topic.question if plan.topic else "",
        )
        summary, recent = split_context(session.turns)
        return chat_messages(system, summary, recent, directive)
