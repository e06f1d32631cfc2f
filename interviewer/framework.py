"""The interview content: seven steps, topic bank, problem bank, rubrics.

Everything is data under ``prompts/`` and ``rubrics/``, validated by pydantic
models at load time.  A malformed file raises :class:`ContentError` naming the
file, the field and the problem, so a typo in a YAML file never surfaces as a
traceback deep inside an interview.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ContentError, NotFoundError
from .resources import package_path
from .settings import content_dir

STEP_COUNT = 7
Level = Literal["mid", "senior", "staff"]
# What a problem produces or consumes; problem tags name them.
Modality = Literal["text", "code", "image", "audio", "video"]
MODALITIES: tuple[Modality, ...] = ("text", "code", "image", "audio", "video")
LEVELS: tuple[Level, ...] = ("mid", "senior", "staff")

NonEmpty = Annotated[str, Field(min_length=1)]
StepNumber = Annotated[int, Field(ge=1, le=STEP_COUNT)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the seven steps -------------------------------------------------------


class KeyQuestion(Strict):
    # Stable id the tracker and the model's assessments use ("<step slug>-<n>"
    # when the file gives none), so coverage never depends on exact wording.
    id: Slug | None = None
    question: NonEmpty
    # Words or phrases that show the candidate's own answer addressed this
    # question (offline, and when the model reports nothing usable).
    cues: list[NonEmpty] = Field(min_length=1)
    # A step can close without a non-core question (nice to have, not required).
    core: bool = True


class StepGuide(Strict):
    probe: list[NonEmpty] = Field(min_length=1)
    depth_signals: list[NonEmpty] = Field(min_length=1)
    pitfalls: list[NonEmpty] = Field(min_length=1)
    # Fraction of the whole interview this step should take.
    time_share: float = Field(gt=0, lt=1)


class Step(Strict):
    number: StepNumber
    slug: Slug
    title: NonEmpty
    goal: NonEmpty
    key_questions: list[KeyQuestion] = Field(min_length=1)
    example: NonEmpty
    guide: StepGuide

    @model_validator(mode="before")
    @classmethod
    def _question_ids(cls, data: Any) -> Any:
        # Fill missing ids before validation: the models are frozen afterwards.
        if isinstance(data, dict) and isinstance(data.get("key_questions"), list):
            questions = []
            for n, kq in enumerate(data["key_questions"], 1):
                if isinstance(kq, dict) and not kq.get("id"):
                    kq = {**kq, "id": f"{data.get('slug', 'step')}-{n}"}
                questions.append(kq)
            data = {**data, "key_questions": questions}
        return data


class StepsFile(Strict):
    steps: list[Step]

    @model_validator(mode="after")
    def _seven_in_order(self) -> StepsFile:
        numbers = [s.number for s in self.steps]
        if numbers != list(range(1, STEP_COUNT + 1)):
            raise ValueError(f"field 'steps': must be numbered 1..{STEP_COUNT} in order, got {numbers}")
        total = sum(s.guide.time_share for s in self.steps)
        if not 0.95 <= total <= 1.05:
            raise ValueError(f"field 'steps.*.guide.time_share': must add up to 1.0 across steps, got {total:.2f}")
        return self


# --- discussion-topic bank -------------------------------------------------


class Topic(Strict):
    id: Slug
    theme: NonEmpty
    question: NonEmpty
    steps: list[StepNumber] = Field(min_length=1)
    points: list[NonEmpty] = Field(min_length=2)
    triggers: list[NonEmpty] = Field(min_length=1)
    source: Literal["seed", "ours"] = "ours"
    # Fit to the problem and the conversation: only for problems with one of
    # these tags (empty = any problem); only once the candidate has said one of
    # ``requires`` (the question presupposes it); never once they said one of
    # ``unless`` (the question would contradict or repeat them).
    problems: list[NonEmpty] = []
    requires: list[NonEmpty] = []
    unless: list[NonEmpty] = []


class Theme(Strict):
    id: Slug
    title: NonEmpty
    description: NonEmpty


class TopicsFile(Strict):
    themes: list[Theme] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _themes_known(self) -> TopicsFile:
        known = {t.id for t in self.themes}
        for i, topic in enumerate(self.topics):
            if topic.theme not in known:
                raise ValueError(f"field 'topics.{i}.theme': unknown theme {topic.theme!r} (topic {topic.id!r})")
        _require_unique((t.id for t in self.themes), "theme id", "themes.*.id")
        _require_unique((t.id for t in self.topics), "topic id", "topics.*.id")
        return self


# --- problem bank ----------------------------------------------------------


class HiddenDetails(Strict):
    """Revealed only when the candidate asks about them."""

    users_and_scale: NonEmpty
    latency_budget: NonEmpty
    cost_ceiling: NonEmpty
    compliance: NonEmpty
    data_available: NonEmpty


class Problem(Strict):
    id: Slug
    title: NonEmpty
    summary: NonEmpty
    tags: list[NonEmpty] = Field(min_length=1)
    opening_prompt: NonEmpty
    hidden: HiddenDetails
    key_requirements: list[NonEmpty] = Field(min_length=1)
    discussion_focus: list[NonEmpty] = Field(min_length=1)
    # step number -> what a strong answer covers at that step
    strong_answer: dict[StepNumber, list[NonEmpty]]
    source: Literal["seed", "ours", "custom"] = "ours"

    @field_validator("strong_answer")
    @classmethod
    def _all_steps(cls, value: dict[int, list[str]]) -> dict[int, list[str]]:
        missing = sorted(set(range(1, STEP_COUNT + 1)) - set(value))
        if missing:
            raise ValueError(f"missing steps {missing}")
        return value


def custom_problem(text: str) -> Problem:
    """A candidate-typed problem: no hidden details beyond 'ask and decide'."""
    text = " ".join(text.split())
    title = text if len(text) <= 80 else text[:77].rstrip() + "..."
    unknown = "Not specified: state a reasonable assumption and carry on."
    return Problem(
        id="custom",
        title=title,
        summary=title,
        tags=["custom"],
        opening_prompt=text,
        hidden=HiddenDetails(
            users_and_scale=unknown,
            latency_budget=unknown,
            cost_ceiling=unknown,
            compliance=unknown,
            data_available=unknown,
        ),
        key_requirements=["Clarify the requirements with the interviewer"],
        discussion_focus=["Trade-offs the candidate chooses to raise"],
        strong_answer={n: ["Covers the step's key questions with specifics"] for n in range(1, STEP_COUNT + 1)},
        source="custom",
    )


# --- rubrics ---------------------------------------------------------------


class ScoreDescriptions(Strict):
    """Prometheus-style: what each score 1-5 looks like for this criterion."""

    score_1: NonEmpty = Field(alias="1")
    score_2: NonEmpty = Field(alias="2")
    score_3: NonEmpty = Field(alias="3")
    score_4: NonEmpty = Field(alias="4")
    score_5: NonEmpty = Field(alias="5")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def for_score(self, score: int) -> str:
        return str(getattr(self, f"score_{score}"))

    def as_dict(self) -> dict[int, str]:
        return {n: self.for_score(n) for n in range(1, 6)}


class LevelExpectations(Strict):
    mid: NonEmpty
    senior: NonEmpty
    staff: NonEmpty


class Criterion(Strict):
    id: Slug
    name: NonEmpty
    weight: float = Field(gt=0)
    description: NonEmpty
    scores: ScoreDescriptions
    levels: LevelExpectations
    # Words/phrases that evidence this criterion; the offline coverage check looks
    # for them in the candidate's own sentences (and only counts them with specifics).
    signals: list[NonEmpty] = Field(min_length=3)
    # Plain words that show the candidate is talking about this criterion at all
    # ("monitor", "roll it out"); broader than the signals, never credit on their own.
    topic_words: list[NonEmpty] = Field(default_factory=list)
    # The criterion does not apply to a problem all of whose modalities are listed
    # here (e.g. context length for an image-only generator): "not applicable", not a 1.
    not_applicable: list[Modality] = Field(default_factory=list)

    def applies_to(self, problem: Problem) -> bool:
        kinds = [t for t in problem.tags if t in MODALITIES]
        return not kinds or not all(k in self.not_applicable for k in kinds)


class RedFlag(Strict):
    id: Slug
    # "omission": something the step needs is absent; "harmful": a design choice
    # that would hurt users or the business. A model grader raises either, quoting
    # the candidate for a harmful one; offline only omissions are checked.
    kind: Literal["omission", "harmful"] = "omission"
    description: NonEmpty
    cap: int = Field(ge=1, le=4)
    # An omission is found offline when the candidate's sentences in the step
    # contain none of these words or phrases (e.g. no metric named in step 2).
    when_missing: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _omission_has_words(self) -> RedFlag:
        if self.kind == "omission" and not self.when_missing:
            raise ValueError(f"field 'when_missing': an omission flag needs words to look for ({self.id!r})")
        if self.kind == "harmful" and self.when_missing:
            raise ValueError(f"field 'when_missing': a harmful flag is judged by a model, not by words ({self.id!r})")
        return self


class Rubric(Strict):
    step: StepNumber
    version: NonEmpty
    focus: NonEmpty
    criteria: list[Criterion] = Field(min_length=3, max_length=5)
    red_flags: list[RedFlag] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        _require_unique((c.id for c in self.criteria), "criterion id", "criteria.*.id")
        _require_unique((f.id for f in self.red_flags), "red flag id", "red_flags.*.id")
        return self

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)


class LevelProfile(Strict):
    level: Level
    title: NonEmpty
    expectations: NonEmpty
    bar: NonEmpty


class LevelsFile(Strict):
    levels: list[LevelProfile] = Field(min_length=3, max_length=3)


# --- loading ---------------------------------------------------------------


class Framework(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: Path
    steps: list[Step]
    themes: list[Theme]
    topics: list[Topic]
    problems: list[Problem]
    rubrics: dict[int, Rubric]
    levels: dict[str, LevelProfile]

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def problem(self, problem_id: str) -> Problem:
        for p in self.problems:
            if p.id == problem_id:
                return p
        raise NotFoundError(f"Unknown problem id {problem_id!r}.")

    def find_problem(self, text: str) -> Problem | None:
        """By id or (case-insensitive) title, as plain-text transcripts name it."""
        wanted = text.strip().lower()
        for p in self.problems:
            if wanted in (p.id, p.title.lower()):
                return p
        return None

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise NotFoundError(f"Unknown topic id {topic_id!r}.")

    def topics_for_step(self, number: int) -> list[Topic]:
        return [t for t in self.topics if number in t.steps]


def default_root() -> Path:
    """The folder holding ``prompts/`` and ``rubrics/`` (the package folder; content ships as package data)."""
    return content_dir() or package_path()


def _require_unique(values: Iterable[str], what: str, field: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"field '{field}': duplicate {what} {v!r}")
        seen.add(v)


def _format_validation(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(part) for part in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        # Whole-file checks (model validators) name their field in the message.
        lines.append(f"{path}: field '{loc}': {msg}" if loc else f"{path}: {msg}")
    return "\n".join(lines)


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ContentError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{path}: invalid YAML{where}: {problem}") from None
    if data is None:
        raise ContentError(f"{path}: file is empty")
    return data


M = TypeVar("M", bound=BaseModel)


def load_model(path: Path, model: type[M]) -> M:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_format_validation(path, exc)) from None


def load_problems(folder: Path) -> list[Problem]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(f"{folder}: no problem files (*.yaml)")
    problems = [load_model(f, Problem) for f in files]
    first: dict[str, Path] = {}
    for f, p in zip(files, problems, strict=True):
        if p.id in first:
            raise ContentError(f"{f}: field 'id': duplicate problem id {p.id!r} (also in {first[p.id].name})")
        first[p.id] = f
    for f, p in zip(files, problems, strict=True):
        if f.stem != p.id:
            raise ContentError(f"{f}: field 'id': {p.id!r} does not match the file name {f.stem!r}")
    # The seed's problems first, the email composer (the framework's running example) leading.
    return sorted(problems, key=lambda p: (p.source != "seed", p.id != "email-composer", p.title.lower()))


def load_rubrics(folder: Path) -> dict[int, Rubric]:
    rubrics: dict[int, Rubric] = {}
    for n in range(1, STEP_COUNT + 1):
        path = folder / f"step-{n}.yaml"
        rubric = load_model(path, Rubric)
        if rubric.step != n:
            raise ContentError(f"{path}: field 'step': {rubric.step} does not match the file name (step {n})")
        rubrics[n] = rubric
    return rubrics


def load_framework(root: Path | None = None) -> Framework:
    root = Path(root) if root is not None else default_root()
    prompts = root / "prompts"
    steps = load_model(prompts / "steps.yaml", StepsFile).steps
    topics_file = load_model(prompts / "topics.yaml", TopicsFile)
    levels = load_model(prompts / "levels.yaml", LevelsFile).levels
    return Framework(
        root=root,
        steps=steps,
        themes=topics_file.themes,
        topics=topics_file.topics,
        problems=load_problems(prompts / "problems"),
        rubrics=load_rubrics(root / "rubrics"),
        levels={lv.level: lv for lv in levels},
    )


@lru_cache(maxsize=4)
def framework(root: Path | None = None) -> Framework:
    """Cached :func:`load_framework`; the content does not change while running."""
    return load_framework(root)
