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
announces ``Step 3 of 7``. Without markers, the interviewer's transition
phrases set the steps ("How would you frame this as an ML problem?", "Let's
move on to data", "Step 4", "How would you evaluate it?", "Let's talk about
serving", "How would you roll it out?"); with neither, the steps are inferred
from the content (each step's key-question cues and rubric signals). Steps
never go back.

The ``Problem:`` line is matched loosely against the bank's ids and titles
("smart email composer (inline suggestions)", "code-completion"); only text
that matches no problem becomes a custom problem.
"""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import TranscriptError
from .framework import LEVELS, STEP_COUNT, Framework, Level, Problem, custom_problem
from .session import SPEAKERS, Session, Turn, utcnow

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
# How an interviewer moves to a step without a banner (lower-cased text).
_TRANSITIONS: dict[int, re.Pattern[str]] = {
    n: re.compile(p)
    for n, p in {
        2: r"\bframe (?:this|it|that|the problem|the product)? ?as an? (?:ml|machine[- ]learning) (?:problem|task)\b"
        r"|\b(?:move on|turn|get|go) to (?:the )?(?:ml )?framing\b|\bml framing\b",
        3: r"\b(?:move on|turn|get|go|come) (?:on )?to (?:the )?(?:training )?data\b|\btalk about (?:the )?(?:training )?data\b"
        r"|\bwhat data would you\b|\bdata collection\b",
        4: r"\bwhich models? (?:would|will|do) you (?:use|pick|choose)\b|\bwhat models? (?:would|will|do) you (?:use|pick|choose)\b"
        r"|\b(?:move on|turn|get|go) to (?:the )?model\b|\btalk about (?:the )?model\b|\bmodel architecture\b"
        r"|\b(?:now|next),? (?:about|on to|to) (?:the )?model\b",
        5: r"\bhow (?:would|will|do) you evaluate (?:it|this|that|them|the whole|the system|the model)\b"
        r"|\b(?:move on|turn|get|go) to (?:the )?evaluation\b|\btalk about evaluation\b|\bevaluation strategy\b",
        6: r"\btalk about (?:the )?serving\b|\b(?:move on|turn|get|go) to (?:the )?(?:serving|system architecture|architecture)\b"
        r"|\bhow (?:would|will|do) you serve\b|\bsystem architecture\b|\bserving architecture\b",
        7: r"\broll (?:it|this|that) out\b|\bhow (?:would|will|do) you (?:launch|deploy|ship) (?:it|this)\b"
        r"|\b(?:move on|turn|get|go) to (?:the )?(?:deployment|rollout|monitoring)\b|\bdeployment and monitoring\b"
        r"|\btalk about (?:the )?(?:deployment|rollout|monitoring)\b",
    }.items()
}
_NOT_YET = re.compile(r"\b(?:before|until|when|once) (?:we|you|i)(?: [a-z']+)?\s*$")
_STEP_MENTION = re.compile(r"\b(?:on to |to |now |next,? )?step ([2-7])\b(?! of)")
_TITLE_WORD = re.compile(r"[a-z0-9&]+")


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
    problem = match_problem(fw, problem_text) or custom_problem(problem_text)

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

    if not marked:
        transitions = [
            transition(text) if role == "interviewer" else None
            for (role, *_), text in zip(raw, turns_text, strict=True)
        ]
        if any(transitions):
            raw = [(role, hint, step, body) for (role, hint, _, body), step in zip(raw, transitions, strict=True)]
            marked = True
    if marked:
        steps: list[int] = []
        current = 1
        for _, _, step, _ in raw:
            if step is not None and step > current:  # steps never go back
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


def transition(text: str) -> int | None:
    """The step an interviewer turn moves to by its wording ("Let's move on to data" is 3), if any."""
    low = " ".join(text.lower().split())
    mention = _STEP_MENTION.search(low)
    if mention:
        return int(mention.group(1))
    found = []
    for n, pattern in _TRANSITIONS.items():
        for m in pattern.finditer(low):
            # "Before we get to the model, ..." looks ahead without moving on.
            if not _NOT_YET.search(low[: m.start()]):
                found.append(n)
    return max(found) if found else None


def _words(text: str) -> list[str]:
    # British and American spellings meet: summarizer/summariser, personalized/personalised.
    return [w.replace("iz", "is").replace("yz", "ys") for w in _TITLE_WORD.findall(text.lower().replace("-", " "))]


def _same(a: str, b: str) -> bool:
    """Word match that tolerates abbreviation and spelling ("doc"/"document", "summariser"/"summarizer")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and (long.startswith(short) or (len(short) >= 6 and long[:-2] == short[:-2]))


def match_problem(fw: Framework, text: str) -> Problem | None:
    """The bank problem ``text`` names: by id or title, exactly or loosely.

    Loosely: the title's words (or the id's) all appear in the text, allowing
    abbreviations and British/American spelling, with anything in brackets
    ignored; e.g. "smart email composer (inline suggestions)", "enterprise doc
    Q&A". If more than one problem matches, the one with the most matched words wins;
    a tie means no match (a custom problem is better than a wrong one).
    """
    exact = fw.find_problem(text)
    if exact is not None:
        return exact
    said = _words(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text))
    if not said:
        return None
    scored: list[tuple[float, Problem]] = []
    for p in fw.problems:
        best = 0.0
        for name in (_words(p.title), _words(p.id)):
            hits = sum(1 for w in name if any(_same(w, s) for s in said))
            if name and hits >= max(2, len(name) - 1) and hits / len(name) >= 0.66:
                best = max(best, hits + hits / len(name))
        if best:
            scored.append((best, p))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


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
        who = SPEAKERS[turn.role]
        hint = " (hint)" if turn.hint else ""
        out.append(f"{who}{hint}: {turn.text}")
    return "\n".join(out) + "\n"
