"""The offline grader: a deterministic grade from the transcript and the rubric.

No model is called. For each step it reads the candidate's own answers
sentence by sentence and asks, per rubric criterion, whether the criterion's
signals appear *in a reasoned sentence* (real prose: enough words, ordinary
function words, not a comma-separated list) and whether those sentences carry
specifics (numbers, a reason, a trade-off). A bare list of keywords counts as
a mention, which the rubric scores as 2 at most ("mentions X in general
terms"). The problem's strong-answer points add a coverage term, the rubric's
red flags cap the step, and the quotes are the candidate's own sentences.

It cannot judge whether an argument is *right*; every report it produces is
labelled as offline.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache

from .evidence import normalise
from .framework import Criterion, Framework, Rubric
from .injection import PLACEHOLDER
from .results import CriterionResult, StepResult
from .scoring import StepMaterial, capped_step_score, matches, red_flags, weighted
from .session import Session

# Share of the step score that comes from covering the problem's strong-answer points.
COVERAGE_WEIGHT = 0.2
MIN_REASONED_WORDS = 7
MIN_FUNCTION_WORD_SHARE = 0.2
MAX_QUOTE_CHARS = 240
# A criterion whose signals only appear in lists of terms: above "nothing", below
# the rubric's 2 ("mentions it in general terms", which needs a sentence).
LISTED_ONLY_SCORE = 1.5

_FUNCTION_WORDS_TEXT = """a an the and or but if then than so because since as of to in on at by for from with without into onto
    over under about after before between through during while when where which who whom whose that this these
    those it its they them their we our us i me my you your he she his her is are was were be been being am do
    does did doing have has had having will would shall should can could may might must not no nor only also
    just very too more most less least much many some any each every all both either neither such own same other
    another what how why there here out up down off again further once per via against until whether even"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
REASON_MARKERS = (
    "because",
    "since",
    "so that",
    "so we",
    "so the",
    "so it",
    "which means",
    "that means",
    "this means",
    "therefore",
    "to avoid",
    "in order to",
    "otherwise",
    "that way",
    "which lets",
    "which keeps",
    "so ",
    "for example",
    "e.g.",
    "such as",
)
TRADEOFF_MARKERS = (
    "trade-off",
    "tradeoff",
    "trade off",
    "instead of",
    "rather than",
    "versus",
    "vs",
    "at the cost of",
    "in exchange",
    "the downside",
    "the catch",
    "but",
    "whereas",
    "unless",
    "cheaper",
    "more expensive",
    "slower",
    "faster",
    "worth it",
    "not worth",
)
_NUMBER = re.compile(r"(?<![a-z])\d")
_WORD = re.compile(r"[a-z0-9][a-z0-9'%$./+-]*")
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
_ITEMS = re.compile(r"[,;/:]|\s(?:and|or)\s")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Sentence:
    text: str  # verbatim (for quotes)
    norm: str
    words: int
    reasoned: bool
    numbers: bool
    reason: bool
    tradeoff: bool

    @property
    def specific(self) -> bool:
        return self.numbers or self.reason or self.tradeoff


def _all_signals(fw: Framework) -> tuple[str, ...]:
    return tuple(sorted({s for r in fw.rubrics.values() for c in r.criteria for s in c.signals}))


def _has(norm: str, markers: tuple[str, ...]) -> bool:
    return any(matches(norm, m) for m in markers)


def split_sentences(text: str) -> list[str]:
    out = []
    for part in _SPLIT.split(text):
        part = _BULLET.sub("", part).strip()
        if part and PLACEHOLDER not in part:
            out.append(part)
    return out


def analyse(fw: Framework, text: str) -> list[Sentence]:
    """Each distinct sentence of ``text`` with its reasoning features."""
    signals = _all_signals(fw)
    seen: set[str] = set()
    out = []
    for raw in split_sentences(text):
        norm = normalise(raw)
        if norm in seen:  # pasting the same sentence twice earns nothing twice
            continue
        seen.add(norm)
        words = _WORD.findall(norm)
        n = len(words)
        function_share = sum(1 for w in words if w in FUNCTION_WORDS) / n if n else 0.0
        density = sum(1 for s in signals if matches(norm, s))
        items = [len(_WORD.findall(i)) for i in _ITEMS.split(norm) if i.strip()]
        listy = (
            n < MIN_REASONED_WORDS
            or function_share < MIN_FUNCTION_WORD_SHARE
            or (len(items) >= 4 and statistics.median(items) <= 3)
            or (density >= 3 and n < 3.5 * density)
        )
        out.append(
            Sentence(
                text=raw,
                norm=norm,
                words=n,
                reasoned=not listy,
                numbers=bool(_NUMBER.search(norm)),
                reason=_has(norm, REASON_MARKERS),
                tradeoff=_has(norm, TRADEOFF_MARKERS),
            )
        )
    return out


def _quote(sentence: Sentence, signal: str) -> str:
    text = " ".join(sentence.text.split())
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    at = normalise(text).find(normalise(signal))
    start = max(0, at - MAX_QUOTE_CHARS // 3)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = text.rfind(" ", start, start + MAX_QUOTE_CHARS)
    return text[start : end if end > start else start + MAX_QUOTE_CHARS]


def grade_criterion(criterion: Criterion, sentences: list[Sentence]) -> CriterionResult:
    mentioned = {s for s in criterion.signals if any(matches(x.norm, s) for x in sentences)}
    hits = [(x, [s for s in criterion.signals if matches(x.norm, s)]) for x in sentences if x.reasoned]
    hits = [(x, sigs) for x, sigs in hits if sigs]
    reasoned_signals = sorted({s for _, sigs in hits for s in sigs})
    specific = [x for x, _ in hits if x.specific]
    tradeoffs = [x for x, _ in hits if x.tradeoff or (x.reason and x.numbers)]

    n = len(reasoned_signals)
    if n == 0:
        score = LISTED_ONLY_SCORE if mentioned else 1
    elif n >= 3 and len(specific) >= 2 and tradeoffs:
        score = 5
    elif n >= 2 and specific:
        score = 4
    elif n >= 2 or specific:
        score = 3
    else:
        score = 2

    ranked = sorted(hits, key=lambda pair: (-int(pair[0].specific), -len(pair[1]), -pair[0].words))
    evidence = [_quote(x, sigs[0]) for x, sigs in ranked[:2]]
    if n:
        reasoning = (
            f"Explained in the candidate's own sentences: {', '.join(reasoned_signals[:6])} "
            f"({n} of the criterion's {len(criterion.signals)} signals); "
            f"{len(specific)} of those sentences give a number, a reason or a trade-off."
        )
    elif mentioned:
        reasoning = (
            f"Only listed, never explained: {', '.join(sorted(mentioned)[:6])}. "
            "A list of terms earns less than a sentence that says something about them."
        )
    else:
        reasoning = "Nothing the candidate said in this step addresses this criterion."
    return CriterionResult(
        id=criterion.id,
        name=criterion.name,
        weight=criterion.weight,
        score=float(score),
        raw_score=float(score),
        reasoning=reasoning,
        evidence=evidence,
        no_evidence=not evidence,
    )


@lru_cache(maxsize=512)
def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:5] for w in _WORD.findall(normalise(text)) if len(w) >= 3 and w not in FUNCTION_WORDS)


def coverage(points: list[str], sentences: list[Sentence]) -> tuple[float, list[str]]:
    """Share of the strong-answer points whose content words (at least half) appear in reasoned sentences."""
    if not points:
        return 0.0, []
    said = frozenset().union(*(_stems(x.norm) for x in sentences if x.reasoned)) if sentences else frozenset()
    covered = []
    for p in points:
        want = _stems(p)
        if want and len(want & said) * 2 >= len(want):
            covered.append(p)
    return len(covered) / len(points), covered


def grade_step(fw: Framework, session: Session, material: StepMaterial) -> StepResult:
    """The offline grade of one reached step."""
    rubric: Rubric = fw.rubrics[material.step]
    sentences = analyse(fw, material.text)
    criteria = [grade_criterion(c, sentences) for c in rubric.criteria]
    points = list(session.problem.strong_answer.get(material.step, []))
    share, covered = coverage(points, sentences)
    flags = red_flags(rubric, material.text)
    raw = (1 - COVERAGE_WEIGHT) * weighted(criteria) + COVERAGE_WEIGHT * (1 + 4 * share)
    score = capped_step_score(raw, flags)

    strengths = [
        f"{c.name}: “{c.evidence[0]}”" for c in sorted(criteria, key=lambda c: -c.score) if c.score >= 4 and c.evidence
    ][:3]
    if covered:
        strengths.append(f"Covered {len(covered)} of {len(points)} points a strong answer makes for this problem.")
    by_id = {c.id: c for c in rubric.criteria}
    gaps = [
        f"{c.name}: to reach a 4, {by_id[c.id].scores.for_score(4)[0].lower()}{by_id[c.id].scores.for_score(4)[1:]}"
        for c in criteria
        if c.score <= 2
    ]
    listed_only = [c.name for c in criteria if c.reasoning.startswith("Only listed")]
    if listed_only:
        gaps.append(f"Named but never explained: {', '.join(listed_only)}. Say why each matters here, with numbers.")
    missing = [p for p in points if p not in covered]
    return StepResult(
        step=material.step,
        title=fw.step(material.step).title,
        status="offline",
        score=score,
        criteria=criteria,
        strengths=strengths,
        gaps=gaps,
        strong_answer=missing or points,
        red_flags=flags,
        injections=material.injections,
        hints=material.hints,
        rubric_version=rubric.version,
    )
