"""Plain-text transcripts: parse them into a :class:`Session`, and write them.

The format is what a person would paste from notes::

    Problem: Smart email composer          (a problem title or id; else a custom problem)
    Level: senior                          (optional)

    ## Step 1 — Clarify requirements       (optional step markers)
    Interviewer: We run a large webmail product...
    Candidate: Who are the users, and how many?
    continuation lines belong to the turn above.
    Candidate (hint): Could I get a hint?  (a hint request; "Interviewer (hint):" marks the hint)

Step markers are a line of their own (``## Step 3``, ``[Step 3]``,
``--- Step 3 ---``, ``Step 3 of 7 — Data``) or an interviewer turn that
announces ``Step 3 of 7``. Without any marker the steps are inferred from the
content (each step's key-question cues and rubric signals), never going back.
"""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import TranscriptError
from .framework import LEVELS, STEP_COUNT, Framework, Level, custom_problem
from .session import Session, Turn, utcnow

MAX_TRANSCRIPT_CHARS = 2_000_000

_LABEL = re.compile(r"^\s*(interviewer|candidate)\s*(\((hint)\))?\s*:\s?(.*)$", re.IGNORECASE)
_HEADER = re.compile(r"^\s*(problem|level)\s*:\s*(.*)$", re.IGNORECASE)
_MARKER_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*\**\s*step\s+([1-7])\b.*"  # ## Step 3 ...
    r"|\[\s*step\s+([1-7])\s*\].*"  # [Step 3] ...
    r"|[-=*]{3,}\s*step\s+([1-7])\b.*"  # --- Step 3 ---
    r"|\**\s*step\s+([1-7])\s+of\s+7\b.*)$",  # Step 3 of 7 — Data
    re.IGNORECASE,
)
_BANNER = re.compile(r"\bstep\s+([1-7])\s+of\s+7\b", re.IGNORECASE)


def _marker(line: str) -> int | None:
    m = _MARKER_LINE.match(line)
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


def parse_transcript(text: str, fw: Framework, *, level: Level | None = None) -> Session:
    """A Session from a plain-text transcript; raises TranscriptError."""
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise TranscriptError(f"the transcript is too long ({len(text):,} characters; limit {MAX_TRANSCRIPT_CHARS:,})")
    if "\x00" in text:
        raise TranscriptError("this is a binary file, not a transcript")
    lines = text.lstrip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise TranscriptError("the file is empty")
    first = _HEADER.match(lines[0])
    if not first or first.group(1).lower() != "problem" or not first.group(2).strip():
        raise TranscriptError(
            "not a transcript: the first line must be 'Problem: <title or problem id>', "
            "followed by turns starting 'Interviewer:' or 'Candidate:'"
        )
    problem_text = first.group(2).strip()
    problem = fw.find_problem(problem_text) or custom_problem(problem_text)

    found_level: str | None = None
    # (role, hint, step or None, lines)
    raw: list[tuple[str, bool, int | None, list[str]]] = []
    marked = False
    pending_step: int | None = None
    for number, line in enumerate(lines[1:], start=2):
        header = _HEADER.match(line)
        if not raw and header and header.group(1).lower() == "level":
            found_level = header.group(2).strip().lower()
            if found_level not in LEVELS:
                raise TranscriptError(f"line {number}: level must be one of {', '.join(LEVELS)}, got {found_level!r}")
            continue
        label = _LABEL.match(line)
        if label:
            role = label.group(1).lower()
            step = pending_step
            pending_step = None
            if role == "interviewer" and step is None:
                banner = _BANNER.search(label.group(4))
                if banner:
                    step, marked = int(banner.group(1)), True
            raw.append((role, bool(label.group(3)), step, [label.group(4)]))
            continue
        step_mark = _marker(line)
        if step_mark is not None:
            pending_step, marked = step_mark, True
            continue
        if raw:
            raw[-1][3].append(line)
        elif line.strip():
            raise TranscriptError(
                f"line {number}: expected a turn starting 'Interviewer:' or 'Candidate:', got {line.strip()[:60]!r}"
            )

    turns_text = [("\n".join(body)).strip() for _, _, _, body in raw]
    if not any(role == "candidate" and t for (role, _, _, _), t in zip(raw, turns_text, strict=True)):
        raise TranscriptError("the transcript has no candidate turns (lines starting 'Candidate:')")

    if marked:
        steps: list[int] = []
        current = 1
        for _, _, step, _ in raw:
            if step is not None:
                current = step
            steps.append(current)
    else:
        steps = infer_steps(fw, [t for t in turns_text])

    start = utcnow() - timedelta(minutes=len(raw))
    turns: list[Turn] = []
    for i, ((role, hint, _, _), body, step) in enumerate(zip(raw, turns_text, steps, strict=True)):
        if not body:
            continue
        kind = "hint" if hint else ("answer" if role == "candidate" else "question")
        turns.append(
            Turn(role=role, text=body, step=step, kind=kind, hint=hint, at=start + timedelta(minutes=i))  # type: ignore[arg-type]
        )
    chosen: Level = level or found_level or "senior"  # type: ignore[assignment]
    return Session(
        problem=problem,
        level=chosen,
        model="offline",
        created_at=turns[0].at,
        ended_at=turns[-1].at,
        current_step=max(t.step for t in turns),
        turns=turns,
    )


def _cue_score(fw: Framework, text: str) -> list[int]:
    low = text.lower()
    scores = []
    for n in range(1, STEP_COUNT + 1):
        words = {c for q in fw.step(n).key_questions for c in q.cues}
        words |= {s for c in fw.rubrics[n].criteria for s in c.signals}
        scores.append(sum(1 for w in words if w.lower() in low))
    return scores


def infer_steps(fw: Framework, texts: list[str]) -> list[int]:
    """The non-decreasing step assignment that best matches each turn's cues.

    Dynamic programming over (turn, step): maximise the total cue score with
    steps that never go back. Ties keep the earlier step.
    """
    if not texts:
        return []
    scores = [_cue_score(fw, t) for t in texts]
    best = [scores[0][s] if s == 0 else scores[0][s] - 1 for s in range(STEP_COUNT)]  # start at step 1 unless clear
    back: list[list[int]] = []
    for row in scores[1:]:
        prev_best, prev_arg, choice, new = -(10**9), 0, [], []
        for s in range(STEP_COUNT):
            if best[s] > prev_best:
                prev_best, prev_arg = best[s], s
            new.append(prev_best + row[s])
            choice.append(prev_arg)
        best = new
        back.append(choice)
    s = max(range(STEP_COUNT), key=lambda k: (best[k], -k))
    path = [s]
    for choice in reversed(back):
        s = choice[s]
        path.append(s)
    return [p + 1 for p in reversed(path)]


def format_transcript(session: Session, fw: Framework | None = None) -> str:
    """The plain-text form of a session; :func:`parse_transcript` reads it back."""
    out = [f"Problem: {session.problem.id if session.problem.id != 'custom' else session.problem.title}"]
    out.append(f"Level: {session.level}")
    step = 0
    for turn in session.turns:
        if turn.step != step:
            step = turn.step
            title = f" — {fw.step(step).title}" if fw is not None else ""
            out.append(f"\n## Step {step}{title}")
        who = "Interviewer" if turn.role == "interviewer" else "Candidate"
        hint = " (hint)" if turn.hint else ""
        out.append(f"{who}{hint}: {turn.text}")
    return "\n".join(out) + "\n"
