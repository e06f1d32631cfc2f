"""The offline coverage check: what each step's answers touched and left out.

No model is called, so nothing here judges whether a design is *right*. For
each step it reads the candidate's own sentences and asks, per rubric
criterion, whether a sentence about it carries specifics:

- **explained**: a sentence about the criterion says something concrete —
  numbers, or several distinct words that are new to the interview (a
  mechanism, a component, a trade-off), not just the criterion's vocabulary;
- **touched**: the criterion comes up only in a list of terms, a question, or
  a generic sentence that repeats its vocabulary;
- **not addressed**.

Filler that repeats signal words therefore gains nothing: after a few
sentences its words are no longer new, and signal words never count as
specifics. Short sentences with numbers (``400k QPS / 1,000 GPUs = 400 per
GPU``) and clauses split by ``;`` are reasoning, not lists. The problem's
strong-answer points add a second measure: which of them the step's sentences
cover. Evidence is always the candidate's whole sentence; the report never
shows the vocabulary that matched.

The step's coverage (0-1) is what calibration orders interviews by; the
report shows it as a share, never as a 1-5 score or a hire verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .evidence import MIN_QUOTE_CHARS, normalise
from .framework import Criterion, Framework, Problem, Rubric
from .injection import Injection, overlaps
from .results import CriterionResult, StepResult
from .scoring import StepMaterial, applicable, matches, omissions, step_material, strong_points
from .session import Session

# Share of the step's coverage that comes from the problem's strong-answer points.
POINTS_WEIGHT = 0.3
# Credit for a criterion only touched, and the floor for one explained.
TOUCHED_CREDIT = 0.05
EXPLAINED_CREDIT = 0.5
# Distinct specifics (new words, numbers) at which an explained criterion earns full credit.
FULL_DEPTH = 12
# A sentence needs this much concrete content to explain something (see Sentence.weight).
MIN_SPECIFICS = 3
# A strong-answer point counts as covered when this share of its content words is said.
POINT_SHARE = 0.4
# A sentence is about this problem when it uses this many of the problem's own words.
ON_TOPIC_WORDS = 2
# ... or has one of them (or a number) inside an answer that uses this many of them.
TURN_CONTEXT_WORDS = 6
# A word sets a problem apart when at most this share of the bank's problems use it.
DISTINCTIVE_SHARE = 0.2
MAX_EVIDENCE = 2
MAX_QUOTE_CHARS = 590  # under evidence.MAX_QUOTE_CHARS, so an over-long sentence cut with "…" still verifies

_FUNCTION_WORDS_TEXT = """a an the and or but if then than so because since as of to in on at by for from with without into onto
    over under about after before between through during while when where which who whom whose that this these
    those it its they them their we our us i me my you your he she his her is are was were be been being am do
    does did doing have has had having will would shall should can could may might must not no nor only also
    just very too more most less least much many some any each every all both either neither such own same other
    another what how why there here out up down off again further once per via against until whether even it's
    i'd i'll i'm we'd we'll we're that's there's let's don't doesn't isn't aren't won't can't yes okay ok"""
# Words that carry no design content on their own: the vocabulary of filler.
_GENERIC_TEXT = """think thinking thought consider considered considering important importance crucial critical key essential
    really actually basically definitely certainly surely probably maybe perhaps quite rather pretty somewhat
    thing things something anything everything stuff lot lots kind sort way ways part parts aspect aspects
    good great better best nice fine bad worse worst right wrong well sure clear careful carefully thoughtful
    deliberate deliberately holistic holistically overall general generally whole entire various several
    make makes making made get gets getting got go goes going went take takes taking use uses using used
    need needs needed want wants wanted like likes look looks looking see seen keep keeps kept put puts
    matter matters mattering affect affects affected impact impacts help helps helped work works working worked
    system systems design designs approach approaches plan plans planning solution solutions component components
    team teams people stakeholder stakeholders practice practices engineering engineer engineers
    mind attention priority priorities risk risks reduce reduces pays pay long run react change changes
    treat treated isolation forget forgets call explicitly skip skipping touches touch deserves deserve
    seriously regret belongs belong early later discuss discussion tricky worth investing invest point points
    thorough question questions answer answers great good idea ideas experience first second third also again
    ensure ensures ensuring handle handles handled address addresses addressed cover covers covered
    step steps stage stages area areas level levels focus focuses focused every say said talk talking
    basics basic simple simply obviously course fact indeed true truly extremely highly always never often
    usually sometimes able ability possible possibly likely unlikely real really quality robust robustness
    scalable efficient effective effectively reliable appropriate appropriately relevant proper properly
    strategy strategies process processes framework frameworks principle principled principles best-practice
    concern concerns consideration considerations factor factors element elements piece pieces end ends
    heart core main major minor significant significantly huge big small large one ones always come coming
    nothing anything someone everyone somebody everybody nobody day days year years time times today tomorrow
    win wins loved love hate happy glad excited honestly frankly personally experience career company companies"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())
# Number words that quantify ("a few hundred", "two million"); "one" and "half" say too little.
_NUMBER_WORDS = frozenset(
    [
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "hundreds",
        "thousand",
        "thousands",
        "million",
        "millions",
        "billion",
        "billions",
        "trillion",
    ]
)
_WORD = re.compile(r"[a-z0-9$€£~≈<>][a-z0-9'%$€£./+×-]*")
_DIGIT = re.compile(r"\d")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_ARITHMETIC = re.compile(r"[=≈→×÷]|(?<=\d)\s*[x*/]\s*(?=[\d~$])|\bper\b|~\s*\d")
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
_ITEMS = re.compile(r"[,/]|\s(?:and|or)\s")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Sentence:
    """One sentence (or ``;`` clause) of the candidate's, with what it carries."""

    text: str  # verbatim, for evidence
    norm: str
    words: int
    question: bool
    listy: bool
    numbers: int  # numbers and calculations (not metric names such as p95)
    specifics: frozenset[str]  # new, non-generic, non-vocabulary words (internal keys)
    on_problem: frozenset[str]  # the specifics that belong to this problem's own vocabulary
    keys: frozenset[str]  # every content word (internal keys), for strong-answer points
    on_topic: bool  # mentions something that sets this problem apart
    flagged: bool  # overlaps a passage that may address the grader: no credit

    @property
    def weight(self) -> float:
        """How much concrete content the sentence carries."""
        return len(self.specifics) + len(self.on_problem) + 1.5 * self.numbers

    @property
    def substantive(self) -> bool:
        """Says something concrete about this problem: not a list, not a question, enough specifics."""
        if self.flagged or self.listy or self.question:
            return False
        return self.weight >= MIN_SPECIFICS and self.on_topic


def _key(word: str) -> str:
    """An internal matching key (never shown): a word's first letters, so plurals and
    inflections meet (``distilled``/``distillation``)."""
    word = word.strip("'.,/+-")
    return word if _DIGIT.search(word) else word[:6]


def _vocabulary_keys(fw: Framework) -> frozenset[str]:
    """Keys of every rubric signal word: naming the vocabulary is never a specific."""
    signals = tuple(sorted({s for r in fw.rubrics.values() for c in r.criteria for s in c.signals}))
    return _keys_of(signals)


@lru_cache(maxsize=16)
def _keys_of(signals: tuple[str, ...]) -> frozenset[str]:
    keys: set[str] = set()
    for s in signals:
        keys |= {_key(w) for w in tokens(normalise(s)) if len(w) >= 3}
    return frozenset(keys - {""})


def problem_keys(fw: Framework, problem: Problem) -> frozenset[str]:
    """Keys of the words that set this problem apart: in its own text, and in at most
    a fifth of the bank's problems ("email", "keystroke", "briefing"; not "model", "latency")."""
    return _distinctive(_problem_text(problem), tuple(_problem_text(p) for p in fw.problems))


def _problem_text(problem: Problem) -> str:
    h = problem.hidden
    parts = [problem.title, problem.summary, problem.opening_prompt, h.users_and_scale, h.latency_budget]
    parts += [h.cost_ceiling, h.compliance, h.data_available, *problem.key_requirements, *problem.discussion_focus]
    parts += [p for points in problem.strong_answer.values() for p in points]
    return " ".join(parts)


@lru_cache(maxsize=64)
def _distinctive(text: str, texts: tuple[str, ...]) -> frozenset[str]:
    def keys(t: str) -> set[str]:
        return {_key(w) for w in _content(tokens(normalise(t))) if not _DIGIT.search(w)}

    counts: dict[str, int] = {}
    for t in texts:
        for k in keys(t):
            counts[k] = counts.get(k, 0) + 1
    limit = max(1, round(len(texts) * DISTINCTIVE_SHARE))
    return frozenset(k for k in keys(text) if counts.get(k, 0) <= limit)


def tokens(norm: str) -> list[str]:
    """The words of normalised text, without the punctuation that ends a sentence or a quote."""
    out = []
    for w in _WORD.findall(norm):
        w = w.strip(".'/+-")
        if w:
            out.append(w)
    return out


def _content(words: list[str]) -> list[str]:
    return [
        w for w in words if (len(w) >= 3 or _DIGIT.search(w)) and w not in FUNCTION_WORDS and w not in GENERIC_WORDS
    ]


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """(start, end, sentence number) of each sentence or ``;`` clause of ``text``;
    the clauses of one sentence share its number."""
    spans = []
    pos = 0
    group = 0
    for m in [*list(_SPLIT.finditer(text)), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        lead = len(chunk) - len(_BULLET.sub("", chunk, count=1).lstrip())
        if chunk.strip():
            spans.append((pos + lead, pos + len(chunk.rstrip()), group))
            if not chunk.rstrip().endswith(";"):
                group += 1
        pos = m.end() if m else len(text)
    return spans


def _is_list(words: list[str], norm: str, numbers: int) -> bool:
    items = [i for i in _ITEMS.split(norm) if i.strip()]
    sizes = sorted(len(_WORD.findall(i)) for i in items)
    function_share = sum(1 for w in words if w in FUNCTION_WORDS) / len(words) if words else 0.0
    if len(items) >= 4 and sizes[len(sizes) // 2] <= 3 and function_share < 0.2:
        return True  # "FIM, pass@k, vLLM, canary, ..."
    # A short fragment with no number and no verb-like function words: a label, not a statement.
    return len(words) < 4 and not numbers


def figures(text: str) -> set[str]:
    """The quantities in ``text`` worth recognising when echoed: at least two digits ("100", "1.5", "400")."""
    return {f for f in _FIGURE.findall(text.replace(",", "")) if len(f.replace(".", "")) >= 2}


def analyse(
    fw: Framework,
    problem: Problem,
    answers: list[str],
    suspects: list[list[Injection]],
    seen: set[str],
    known: set[str] | None = None,
) -> list[Sentence]:
    """Each distinct sentence of ``answers``; ``seen`` holds the keys said earlier in the
    interview and is updated, so only words new to the interview count as specifics.
    ``known`` holds the problem's own figures (its hidden details and what the
    interviewer said): a sentence that works with one is about this problem."""
    vocabulary = _vocabulary_keys(fw)
    own = problem_keys(fw, problem)
    known = known or set()
    out: list[Sentence] = []
    repeated: set[str] = set()
    for text, spans in zip(answers, suspects, strict=True):
        turn: list[Sentence] = []
        groups: list[int] = []
        for a, b, group in split_sentences(text):
            raw = text[a:b]
            norm = normalise(raw)
            if norm in repeated:  # pasting the same sentence twice earns nothing twice
                continue
            repeated.add(norm)
            groups.append(group)
            words = tokens(norm)
            content = _content(words)
            keys = frozenset(_key(w) for w in content)
            numbers = sum(1 for w in words if (_DIGIT.search(w) and _key(w) not in vocabulary) or w in _NUMBER_WORDS)
            numbers += len(_ARITHMETIC.findall(norm))
            specifics = frozenset(k for k in keys if k not in seen and k not in vocabulary and not _DIGIT.search(k))
            seen |= keys
            turn.append(
                Sentence(
                    text=" ".join(raw.split()),
                    norm=norm,
                    words=len(words),
                    question=raw.rstrip().endswith("?"),
                    listy=_is_list(words, norm, numbers),
                    numbers=min(numbers, 6),
                    specifics=specifics,
                    on_problem=specifics & own,
                    keys=keys,
                    # a calculation needs only one of the problem's words; context widens it below
                    on_topic=len(keys & own) >= (1 if numbers >= 3 else ON_TOPIC_WORDS) or bool(figures(raw) & known),
                    flagged=overlaps(a, b, spans),
                )
            )
        _widen_to_context(turn, groups, own)
        out += turn
    # A calculation in a step whose answers are plainly about the problem is about it
    # too, even in an answer of its own ("20k RPS / 150 per GPU ≈ 135 GPUs").
    if len(_own_words(out, own)) >= TURN_CONTEXT_WORDS:
        for x in out:
            x.on_topic = x.on_topic or x.numbers >= 3
    return out


def _own_words(sentences: list[Sentence], own: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*(x.keys & own for x in sentences)) if sentences else frozenset()


def _widen_to_context(turn: list[Sentence], groups: list[int], own: frozenset[str]) -> None:
    """Short clauses take the topic of what surrounds them within one answer."""
    # The ';' clauses of a sentence about the problem are about it too
    # ("Keystroke path: debounce 80 ms; timeout 60 ms → show nothing").
    for g in set(groups):
        clauses = [x for x, n in zip(turn, groups, strict=True) if n == g]
        if len(clauses) > 1 and len(_own_words(clauses, own)) >= ON_TOPIC_WORDS:
            for x in clauses:
                x.on_topic = True
    # A clause with one of the problem's words (or a number) in an answer full of them
    # ("Prefill 300 tok ≈ 10ms" among the problem's own vocabulary).
    if len(_own_words(turn, own)) >= TURN_CONTEXT_WORDS:
        for x in turn:
            x.on_topic = x.on_topic or bool(x.keys & own) or x.numbers > 0


def _evidence(sentences: list[Sentence]) -> list[str]:
    # Evidence long enough that a reader (and the quote check) can place it.
    usable = (s for s in sentences if len(s.text) > MIN_QUOTE_CHARS and s.words >= 3)
    ranked = sorted(usable, key=lambda s: -s.weight)
    out = []
    for s in ranked[:MAX_EVIDENCE]:
        text = s.text if len(s.text) <= MAX_QUOTE_CHARS else s.text[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
        out.append(text)
    return out


def _about(criterion: Criterion, sentence: Sentence) -> bool:
    return any(matches(sentence.norm, w) for w in (*criterion.signals, *criterion.topic_words))


def check_criterion(criterion: Criterion, sentences: list[Sentence]) -> tuple[CriterionResult, float]:
    """The criterion's coverage and its credit (0-1)."""
    about = [s for s in sentences if not s.flagged and _about(criterion, s)]
    explained = [s for s in about if s.substantive]
    if explained:
        specifics = frozenset().union(*(s.specifics for s in explained))
        on_problem = frozenset().union(*(s.on_problem for s in explained))
        depth = len(specifics) + len(on_problem) + 1.5 * sum(s.numbers for s in explained)
        credit = EXPLAINED_CREDIT + (1 - EXPLAINED_CREDIT) * min(1.0, depth / FULL_DEPTH)
        coverage, evidence = "explained", _evidence(explained)
        count = sum(s.numbers for s in explained)
        reasoning = f"Explained with specifics in {len(explained)} sentence(s)" + (
            f", with {count} number(s) or calculation(s)." if count else "."
        )
    elif about:
        credit = TOUCHED_CREDIT
        coverage, evidence = "touched", []
        kinds = sorted(
            {"a list of terms" if s.listy else "a question" if s.question else "general terms" for s in about}
        )
        reasoning = f"Touched only in {' and '.join(kinds)}; no sentence says what the design does about it."
    else:
        credit, coverage, evidence = 0.0, "not addressed", []
        reasoning = "Not addressed in this step."
    return (
        CriterionResult(
            id=criterion.id,
            name=criterion.name,
            weight=criterion.weight,
            coverage=coverage,  # type: ignore[arg-type]
            reasoning=reasoning,
            evidence=evidence,
            no_evidence=not evidence,
        ),
        credit,
    )


def point_covered(point: str, sentences: list[Sentence]) -> bool:
    want = {_key(w) for w in _content(tokens(normalise(point)))}
    if not want:
        return False
    said = frozenset().union(*(s.keys for s in sentences if s.substantive)) if sentences else frozenset()
    hits = len(want & said)
    return hits >= 2 and hits >= POINT_SHARE * len(want)


def _earlier_keys(fw: Framework, session: Session, step: int, known: set[str]) -> set[str]:
    seen: set[str] = set()
    for n in range(1, step):
        m = step_material(session, n)
        analyse(fw, session.problem, m.answers, m.suspects, seen, known)
    return seen


def known_figures(session: Session) -> set[str]:
    """The problem's own figures: its hidden details and everything the interviewer said."""
    h = session.problem.hidden
    text = " ".join([h.users_and_scale, h.latency_budget, h.cost_ceiling, h.compliance, h.data_available])
    text += " " + " ".join(t.text for t in session.turns if t.role == "interviewer")
    return figures(text)


def grade_step(fw: Framework, session: Session, material: StepMaterial) -> StepResult:
    """The offline coverage check of one reached step."""
    rubric: Rubric = fw.rubrics[material.step]
    problem: Problem = session.problem
    known = known_figures(session)
    seen = _earlier_keys(fw, session, material.step, known)
    sentences = analyse(fw, problem, material.answers, material.suspects, seen, known)
    criteria = applicable(rubric, problem)
    results: list[CriterionResult] = []
    credit = 0.0
    for c in rubric.criteria:
        if c not in criteria:
            results.append(
                CriterionResult(
                    id=c.id, name=c.name, weight=c.weight, applicable=False, reasoning="Does not apply to this problem."
                )
            )
            continue
        result, earned = check_criterion(c, sentences)
        results.append(result)
        credit += c.weight * earned
    total = sum(c.weight for c in criteria)
    points = strong_points(fw, problem, material.step)
    covered = [p for p in points if point_covered(p, sentences)]
    share = len(covered) / len(points) if points else 0.0
    coverage = (1 - POINTS_WEIGHT) * (credit / total if total else 0.0) + POINTS_WEIGHT * share

    strengths = [f"{c.name}: “{c.evidence[0]}”" for c in results if c.coverage == "explained" and c.evidence][:4]
    if covered:
        strengths.append(f"Covered {len(covered)} of {len(points)} points a strong answer makes at this step.")
    by_id = {c.id: c for c in rubric.criteria}
    gaps = []
    for c in results:
        if c.coverage in ("touched", "not addressed"):
            anchor = by_id[c.id].scores.for_score(4)
            state = "only touched" if c.coverage == "touched" else "not addressed"
            gaps.append(f"{c.name} ({state}): a 4 on the rubric {anchor[0].lower()}{anchor[1:]}")
    flags = omissions(rubric, material.text)
    return StepResult(
        step=material.step,
        title=fw.step(material.step).title,
        status="offline",
        coverage=round(min(1.0, coverage), 3),
        criteria=results,
        strengths=strengths,
        gaps=gaps,
        strong_answer=[p for p in points if p not in covered],
        red_flags=flags,
        injections=material.injections,
        hints=material.hints,
        rubric_version=rubric.version,
    )
