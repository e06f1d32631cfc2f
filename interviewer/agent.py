"""The interviewer: takes a candidate action, saves it, and produces the reply.

Order matters and is the point of this module: the candidate's turn is
committed to the store *before* any model call, and the interviewer's turn
(with any step change) is committed only once the reply is complete. A model
error in between leaves the session "awaiting a reply", which ``retry()``
resumes without saving the candidate's words twice.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from . import llm, offline
from .errors import InputError
from .framework import Framework
from .planner import DETAIL_LABELS, Action, TurnPlan, plan_turn
from .prompting import NotesChannel, chat_messages, render, split_context
from .session import (
    HINT_TEXT,
    MAX_MESSAGE_CHARS,
    NEXT_TEXT,
    Assessment,
    Session,
    Turn,
    format_duration,
    step_banner,
    utcnow,
)
from .settings import ModelSettings
from .store import Store
from .tokens import count_tokens

# Old sessions' marker for "step covered"; still stripped if a model writes it.
NEXT_MARKER = "[[NEXT]]"
ASSESS_OPEN = "<assessment>"
ASSESS_CLOSE = "</assessment>"


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


class AssessmentFilter:
    """Takes ``<assessment>…</assessment>`` blocks out of a stream (wherever they
    are, split across chunks anywhere) so the candidate never sees them; the
    raw JSON inside is kept in ``raw``."""

    def __init__(self) -> None:
        self.buffer = ""
        self.inside = False
        self.raw: list[str] = []
        self._current = ""

    def feed(self, chunk: str) -> str:
        self.buffer += chunk
        out = ""
        while self.buffer:
            if self.inside:
                end = self.buffer.find(ASSESS_CLOSE)
                if end < 0:
                    self._current += self.buffer[: max(len(self.buffer) - len(ASSESS_CLOSE), 0)]
                    self.buffer = self.buffer[max(len(self.buffer) - len(ASSESS_CLOSE), 0) :]
                    return out
                self._current += self.buffer[:end]
                self.raw.append(self._current)
                self._current = ""
                self.buffer = self.buffer[end + len(ASSESS_CLOSE) :].lstrip("\n")
                self.inside = False
                continue
            start = self.buffer.find(ASSESS_OPEN)
            if start >= 0:
                out += self.buffer[:start]
                self.buffer = self.buffer[start + len(ASSESS_OPEN) :]
                self.inside = True
                continue
            keep = 0
            for n in range(min(len(ASSESS_OPEN) - 1, len(self.buffer)), 0, -1):
                if ASSESS_OPEN.startswith(self.buffer[-n:]):
                    keep = n
                    break
            out += self.buffer[: len(self.buffer) - keep]
            self.buffer = self.buffer[len(self.buffer) - keep :]
            return out
        return out

    def flush(self) -> str:
        # An unclosed block is the model's, not the candidate's: drop it.
        if self.inside:
            self.raw.append(self._current + self.buffer)
            self.buffer = self._current = ""
            self.inside = False
            return ""
        out, self.buffer = self.buffer, ""
        return out


_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


def parse_assessment(raw: list[str], fw: Framework, step: int) -> Assessment | None:
    """The model's assessment, validated leniently: unknown key-question ids and
    detail names are dropped; anything unusable gives None (cues decide then)."""
    for text in raw:
        match = _JSON_OBJECT.search(text)
        if not match:
            continue
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        known = {kq.id for kq in fw.step(step).key_questions}

        def strings(value: object) -> list[str]:
            return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

        return Assessment(
            step=step,
            addressed=[i for i in strings(data.get("addressed")) if i in known],
            vague=data.get("vague") is True,
            details=[d for d in strings(data.get("details")) if d in DETAIL_LABELS],
            step_done=data.get("step_done") is True,
        )
    return None


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
        self.assessment: Assessment | None = None

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
        assess = AssessmentFilter()
        started = False
        for chunk in self.stream:
            out = marker.feed(assess.feed(chunk))
            if not started:
                # The assessment line comes first: no leading blank lines after it.
                out = out.lstrip()
                started = bool(out)
            if out:
                self.text += out
                yield out
        tail = marker.feed(assess.flush()) + marker.flush()
        if tail:
            self.text += tail
            yield tail
        self.assessment = parse_assessment(assess.raw, it.fw, it.session.current_step)
        completion = self.stream.completion
        if completion is not None:
            it.session.usage.add(completion.usage)
        tokens = completion.usage.completion_tokens if completion else count_tokens(self.text)
        self.text = self.text.strip()
        if self.text == prefix.strip():
            raise llm.LLMError("The model sent only its assessment and no reply.", retryable=True, kind="empty")
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
        asked = plan.reveal + (self.assessment.details if self.assessment else [])
        for field in asked:
            if field not in session.revealed:
                session.revealed.append(field)
        session.current_step = plan.step
        if plan.closing:
            # The closing line ends the interview: the input closes everywhere.
            session.ended_at = it.now()
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
            question_id=plan.key_question.id if plan.key_question else None,
            assessment=self.assessment,
        )
        it.commit(turn)
        if plan.closing:
            it.save()
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
        notes_channel: NotesChannel = "system",
    ) -> None:
        self.fw = fw
        self.session = session
        self.settings = settings or ModelSettings(model=session.model, api_base=session.api_base)
        self.store = store
        self.now = now
        self.sleep = sleep or time.sleep
        self.notes_channel: NotesChannel = notes_channel

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
    def system_prompt(self) -> str:
        """The stable prefix: byte-identical on every turn of a session."""
        fw, session = self.fw, self.session
        hidden = session.problem.hidden
        return render(
            "interviewer_system.md",
            fw.root,
            minutes=session.minutes,
            level=fw.levels[session.level],
            problem=session.problem,
            details=[(name, label, getattr(hidden, name)) for name, label in DETAIL_LABELS.items()],
            steps=fw.steps,
        )

    def notes(self, plan: TurnPlan) -> str:
        """What changes per turn; sent last, as the program's own message."""
        fw, session = self.fw, self.session
        return render(
            "interviewer_turn.md",
            fw.root,
            banner_now=step_banner(fw, plan.step),
            step=fw.step(plan.step),
            step_left=format_duration(plan.clock.step_left),
            total_left=format_duration(plan.clock.total_left),
            addressed=plan.addressed,
            uncovered=plan.uncovered,
            revealed=session.revealed,
            reveal=plan.reveal,
            action=plan.action,
            closing=plan.closing,
            banner=plan.banner,
            reason=(plan.decision.reason if plan.decision else ""),
            probe=plan.probe,
            key_question=plan.key_question,
            topic=plan.topic.question if plan.topic else "",
        )

    def build_messages(self, plan: TurnPlan) -> list[dict[str, str]]:
        summary, recent = split_context(self.session.turns)
        return chat_messages(self.system_prompt(), summary, recent, self.notes(plan), channel=self.notes_channel)
