"""The shipped content is complete against the framework we teach.

The seed facts checked here (step names, the six key questions per step, the
16 discussion-topic questions, the practice problems) are written into this
file on purpose: the tests never read the seed document, which users do not
have. Each seed item is checked through a distinctive term or two, so our own
wording can change freely as long as the fact survives.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from interviewer.framework import STEP_COUNT, Framework, load_framework

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "interviewer"


@pytest.fixture(scope="module")
def content() -> Framework:
    # Uncached, straight from the repository, whatever INTERVIEWER_CONTENT_DIR says.
    return load_framework(CONTENT)


def _has(text: str, *patterns: str) -> list[str]:
    """The patterns (regexes, case-insensitive) that ``text`` does NOT match."""
    return [p for p in patterns if not re.search(p, text, re.IGNORECASE)]


# --- the seven steps ----------------------------------------------------------

# Seed step names, in order.
SEED_STEP_NAMES = [
    "Clarify Requirements & Constraints",
    "Frame as ML Problem",
    "Data Collection & Preparation",
    "Model Architecture Selection",
    "Evaluation Strategy",
    "System Architecture Design",
    "Deployment & Monitoring",
]

# For each step, the seed's six key questions (paraphrased) and the term(s) our
# version of that question must still contain, in the seed's order.
SEED_KEY_QUESTIONS: dict[int, list[tuple[str, tuple[str, ...]]]] = {
    1: [
        ("type of generative system: text, image, audio, code", (r"\baudio\b", r"\bcode\b")),
        ("functional requirements: quality, creativity, factualness", (r"creativ", r"factual")),
        ("non-functional requirements: latency, throughput, cost, safety", (r"latency", r"throughput")),
        ("users and expected scale", (r"\bwho\b|users", r"scale")),
        ("domain constraints: healthcare, finance, legal compliance", (r"healthcare", r"compliance")),
        ("level of personalization", (r"personal",)),
    ],
    2: [
        ("ML task type: text generation, image synthesis, classification + generation", (r"image synthesis",)),
        ("model inputs: context, user profile, history", (r"user profile",)),
        ("expected outputs: text tokens, image pixels, embeddings", (r"pixels", r"embeddings")),
        ("success: BLEU, ROUGE, human evaluation, engagement", (r"\bBLEU\b", r"\bROUGE\b")),
        ("failure modes and edge cases", (r"fail", r"edge case")),
        ("multi-modal inputs and outputs", (r"multi-?modal",)),
    ],
    3: [
        ("data sources: user-generated, web crawl, synthetic", (r"web crawl", r"synthetic")),
        ("data quality and filtering", (r"quality", r"filter")),
        ("privacy and compliance requirements", (r"privacy",)),
        ("bias and fairness in training data", (r"bias", r"fair")),
        ("preprocessing: tokenization, normalization, augmentation", (r"tokeni[sz]ation", r"augmentation")),
        ("creating evaluation datasets", (r"evaluation data",)),
    ],
    4: [
        ("discriminative vs generative", (r"discriminative", r"generative")),
        ("architecture: Transformer, CNN, RNN, VAE, GAN, Diffusion", (r"transformer", r"diffusion", r"\bGAN\b")),
        ("model size: parameters vs latency vs quality", (r"parameters", r"latency")),
        ("pre-trained vs training from scratch", (r"pre-?trained", r"from scratch")),
        ("multi-stage training: pretraining, fine-tuning, RLHF", (r"\bRLHF\b", r"fine-tun")),
        ("context length and memory constraints", (r"context length", r"memory")),
    ],
    5: [
        ("automated metrics: BLEU, ROUGE, perplexity, FID, CLIP", (r"BLEU", r"ROUGE", r"perplexity", r"FID", r"CLIP")),
        ("human evaluation: relevance, coherence, safety, helpfulness", (r"human", r"coherence", r"helpfulness")),
        ("A/B testing in production", (r"A/B",)),
        ("safety: toxicity, bias, hallucination", (r"toxicity", r"hallucination")),
        ("performance benchmarks: latency, throughput, resources", (r"throughput", r"resource")),
        ("continuous monitoring and drift", (r"drift",)),
    ],
    6: [
        (
            "training infra: distributed, data parallelism, gradient accumulation",
            (r"distributed", r"gradient accumulation"),
        ),
        ("serving: batch vs online, optimization, caching", (r"batch", r"online", r"cach")),
        ("data flow: real-time vs batch, feature stores, embedding DBs", (r"feature store", r"embedding database")),
        ("scalability: load balancing, auto-scaling, geography", (r"load balancing", r"auto-?scaling", r"geographic")),
        ("integration: APIs, SDKs, UI components", (r"\bAPIs\b", r"\bSDKs\b")),
        ("fallbacks: graceful degradation, circuit breakers", (r"graceful degradation", r"circuit breaker")),
    ],
    7: [
        ("deployment: canary, blue-green, gradual rollout", (r"canary", r"blue-green", r"gradual")),
        ("monitoring: model, system, engagement, safety violations", (r"monitor", r"safety violation")),
        ("feedback loops into retraining", (r"feedback|interactions", r"retrain")),
        ("cost: compression, efficient serving, scaling", (r"cost", r"compress")),
        ("security: robustness, adversarial attacks, data leakage", (r"adversarial", r"leakage")),
        ("maintenance: updates, data drift, continuous learning", (r"drift", r"continuous learning")),
    ],
}


def _loosely_same(seed_name: str, title: str) -> bool:
    """At least two thirds of the seed name's words (by 5-letter prefix) appear in the title."""
    words = [w for w in re.findall(r"[a-z]+", seed_name.lower()) if w not in {"as", "and"}]
    said = title.lower()
    hits = sum(1 for w in words if w[:5] in said)
    return hits * 3 >= len(words) * 2


def test_seven_steps_named_like_the_seed(content: Framework) -> None:
    assert [s.number for s in content.steps] == list(range(1, STEP_COUNT + 1))
    assert STEP_COUNT == len(SEED_STEP_NAMES) == 7
    for step, seed_name in zip(content.steps, SEED_STEP_NAMES, strict=True):
        assert _loosely_same(seed_name, step.title), f"step {step.number} title {step.title!r} vs seed {seed_name!r}"


@pytest.mark.parametrize("number", range(1, STEP_COUNT + 1))
def test_each_step_has_the_seed_key_questions(content: Framework, number: int) -> None:
    step = content.step(number)
    assert len(step.key_questions) == 6
    for i, (kq, (seed, terms)) in enumerate(zip(step.key_questions, SEED_KEY_QUESTIONS[number], strict=True), 1):
        missing = _has(kq.question, *terms)
        assert not missing, f"step {number} q{i} ({seed}) lacks {missing}: {kq.question!r}"
        assert kq.question.rstrip().endswith("?"), kq.question
        assert all(c == c.lower() for c in kq.cues), f"step {number} q{i}: cues must be lowercase"


def test_steps_are_fully_described(content: Framework) -> None:
    assert sum(s.guide.time_share for s in content.steps) == pytest.approx(1.0, abs=0.01)
    assert len({s.slug for s in content.steps}) == STEP_COUNT
    for s in content.steps:
        assert s.goal.strip() and s.example.strip()
        assert s.guide.probe and s.guide.depth_signals and s.guide.pitfalls


# --- the discussion-topic bank -------------------------------------------------

SEED_THEMES = ("latency-quality", "privacy", "safety", "scalability")

# topic id -> (seed theme, the seed question (paraphrased), terms our question must contain)
SEED_TOPICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "latency-model-size-vs-speed": (
        "latency-quality",
        "model complexity vs inference speed",
        (r"complexity|size", r"speed|latency"),
    ),
    "latency-compression-techniques": (
        "latency-quality",
        "latency techniques: quantization, pruning, distillation",
        (r"quanti[sz]ation", r"pruning", r"distillation"),
    ),
    "latency-small-vs-large-model": ("latency-quality", "smaller faster model over a larger one", (r"smaller model",)),
    "latency-realtime-vs-batch": (
        "latency-quality",
        "real-time vs batch generation",
        (r"batch", r"while the user waits|real-time"),
    ),
    "privacy-training-on-sensitive-data": (
        "privacy",
        "training on sensitive user data privately",
        (r"sensitive", r"privacy"),
    ),
    "privacy-differential-privacy": (
        "privacy",
        "what differential privacy is and when to use it",
        (r"differential privacy",),
    ),
    "privacy-federated-learning": (
        "privacy",
        "federated learning for personalization",
        (r"federated learning", r"personali[sz]ation"),
    ),
    "privacy-gdpr-data-residency": (
        "privacy",
        "GDPR and data residency implications",
        (r"\bGDPR\b", r"data residency"),
    ),
    "safety-preventing-harmful-output": ("safety", "preventing harmful generated content", (r"harmful",)),
    "safety-filters-in-pipeline": ("safety", "safety filters in the generation pipeline", (r"safety filter",)),
    "safety-bias-detection": ("safety", "bias detection and mitigation", (r"\bbias\b", r"detect", r"reduce|mitigat")),
    "safety-human-in-the-loop": ("safety", "human-in-the-loop processes", (r"human",)),
    "scale-10x-100x-users": ("scalability", "handling 10x and 100x more users", (r"\b10x\b", r"\b100x\b")),
    "scale-generation-bottlenecks": (
        "scalability",
        "computational bottlenecks of generation",
        (r"bottleneck", r"generation"),
    ),
    "scale-gpu-utilization": ("scalability", "GPU/TPU utilization for cost", (r"\bGPUs?\b", r"utili[sz]ation")),
    "scale-caching-strategies": ("scalability", "caching strategies for generative models", (r"cache",)),
}


def test_sixteen_seed_topics_four_per_seed_theme(content: Framework) -> None:
    seed = [t for t in content.topics if t.source == "seed"]
    assert len(seed) == 16
    assert {t.id for t in seed} == set(SEED_TOPICS)
    assert Counter(t.theme for t in seed) == dict.fromkeys(SEED_THEMES, 4)


@pytest.mark.parametrize("topic_id", sorted(SEED_TOPICS))
def test_seed_topic_question_keeps_its_subject(content: Framework, topic_id: str) -> None:
    theme, seed_question, terms = SEED_TOPICS[topic_id]
    topic = content.topic(topic_id)
    assert topic.theme == theme
    missing = _has(topic.question, *terms)
    assert not missing, f"{topic_id} ({seed_question}) lacks {missing}: {topic.question!r}"


# Words that tie a question to one product. The offline interviewer asks topic
# questions verbatim for any problem, so these may only appear in a hypothetical.
PRODUCT_WORDS = (
    r"\bemails?\b",
    r"\bsupport bot\b",
    r"\bthe bot\b",
    r"\byour bot\b",
    r"\breceipts?\b",
    r"\bsummari[sz]er\b",
    r"\bnews\b",
    r"\bcopilot\b",
    r"\bvoice assistant\b",
    r"\bmeeting\b",
    r"\bchatbot\b",
    r"\bsuggestions?\b",
)
HYPOTHETICAL = re.compile(r"^(suppose|imagine|say|if)\b", re.IGNORECASE)


def test_topic_questions_are_problem_agnostic(content: Framework) -> None:
    offenders = []
    for t in content.topics:
        if HYPOTHETICAL.match(t.question):
            continue
        found = [w for w in PRODUCT_WORDS if re.search(w, t.question, re.IGNORECASE)]
        if found:
            offenders.append(f"{t.id}: {found}")
    assert not offenders, "topic questions naming a product outside a hypothetical:\n" + "\n".join(offenders)


def test_topic_bank_size_and_shape(content: Framework) -> None:
    assert len(content.topics) >= 40
    for t in content.topics:
        assert t.question.rstrip().endswith(("?", ".")), t.id
        assert len(t.points) >= 2 and all(p.strip() for p in t.points), t.id
        assert all(trig == trig.lower() for trig in t.triggers), f"{t.id}: triggers must be lowercase"


def test_every_theme_used_and_every_tag_a_real_step(content: Framework) -> None:
    real_steps = {s.number for s in content.steps}
    used = {t.theme for t in content.topics}
    assert {th.id for th in content.themes} == used
    for t in content.topics:
        assert set(t.steps) <= real_steps, f"{t.id} tagged with {t.steps}"
        assert len(t.steps) == len(set(t.steps)), f"{t.id} repeats a step"
    for p in content.problems:
        assert set(p.strong_answer) <= real_steps, p.id
    # Every step has follow-up material.
    for n in real_steps:
        assert len(content.topics_for_step(n)) >= 3, f"step {n} has too few topics"


# --- the problem bank ---------------------------------------------------------

# problem id -> (seed title, patterns for our title, seed key requirements as patterns)
SEED_PROBLEMS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "email-composer": ("Smart email composer (worked example)", (r"email composer",), (r"100 ?ms", r"300M")),
    "code-completion": (
        "Smart Code Completion",
        (r"code completion",),
        (r"languages", r"50 ?ms", r"context-aware", r"proprietary|privacy"),
    ),
    "customer-service-assistant": (
        "Conversational AI Assistant",
        (r"conversational", r"assistant"),
        (r"natural", r"grounded|knowledge", r"emotional intelligence", r"escalat"),
    ),
    "image-generator": (
        "Creative Content Generator",
        (r"creative", r"generator"),
        (r"quality|polished", r"style transfer", r"safety", r"copyright"),
    ),
    "news-summarizer": (
        "Personalized News Summarizer",
        (r"personali[sz]ed", r"news summari[sz]er"),
        (r"factual accuracy", r"personali[sz]ation", r"real-time", r"sources"),
    ),
}


def test_seed_problems_present(content: Framework) -> None:
    assert {p.id for p in content.problems if p.source == "seed"} == set(SEED_PROBLEMS)
    for pid, (seed_title, title_terms, requirement_terms) in SEED_PROBLEMS.items():
        p = content.problem(pid)
        assert not _has(p.title, *title_terms), f"{pid}: title {p.title!r} does not match seed {seed_title!r}"
        requirements = " | ".join(p.key_requirements)
        missing = _has(requirements, *requirement_terms)
        assert not missing, f"{pid}: key requirements lack {missing}"


def test_problem_bank_size_and_completeness(content: Framework) -> None:
    assert len(content.problems) >= 15
    for p in content.problems:
        assert sorted(p.strong_answer) == list(range(1, STEP_COUNT + 1)), p.id
        for n, points in p.strong_answer.items():
            assert points and all(x.strip() for x in points), f"{p.id} step {n}"
        for field, value in p.hidden.model_dump().items():
            assert value.strip(), f"{p.id}: hidden.{field} is blank"
        assert p.opening_prompt.strip() and p.key_requirements and p.discussion_focus


def test_problem_files_are_named_by_id(content: Framework) -> None:
    files = sorted(f.stem for f in (CONTENT / "prompts" / "problems").glob("*.yaml"))
    assert files == sorted(p.id for p in content.problems)


# --- rubrics, levels, ids -----------------------------------------------------


def test_seven_rubrics_with_complete_criteria(content: Framework) -> None:
    assert sorted(content.rubrics) == list(range(1, STEP_COUNT + 1))
    for n, rubric in content.rubrics.items():
        assert rubric.step == n
        assert 3 <= len(rubric.criteria) <= 5, f"step {n}"
        assert rubric.red_flags, f"step {n}"
        assert rubric.total_weight == pytest.approx(1.0, abs=0.01), f"step {n} weights add up to {rubric.total_weight}"
        for c in rubric.criteria:
            assert c.weight > 0, f"step {n} {c.id}"
            scores = c.scores.as_dict()
            assert sorted(scores) == [1, 2, 3, 4, 5]
            assert all(text.strip() for text in scores.values()), f"step {n} {c.id}"
            assert len(set(scores.values())) == 5, f"step {n} {c.id}: two scores share a description"
            assert c.levels.mid.strip() and c.levels.senior.strip() and c.levels.staff.strip()


def test_ids_unique(content: Framework) -> None:
    def dupes(values: list[str]) -> list[str]:
        return [v for v, n in Counter(values).items() if n > 1]

    assert not dupes([t.id for t in content.topics])
    assert not dupes([t.id for t in content.themes])
    assert not dupes([p.id for p in content.problems])
    assert not dupes([p.title.lower() for p in content.problems])
    assert not dupes([s.slug for s in content.steps])
    for n, rubric in content.rubrics.items():
        assert not dupes([c.id for c in rubric.criteria]), f"step {n}"
        assert not dupes([f.id for f in rubric.red_flags]), f"step {n}"


def test_levels(content: Framework) -> None:
    assert sorted(content.levels) == ["mid", "senior", "staff"]


def test_offline_script_loads() -> None:
    from interviewer.offline import script

    s = script(CONTENT)
    assert s.acknowledgements
    # The placeholders the offline interviewer fills in.
    assert "{detail}" in s.reveal and "{label}" in s.reveal
    assert "{open_question}" in s.hint and "{probe}" in s.hint
    assert "{probe}" in s.hint_none


def test_problem_bank_lists_the_seed_problems_first(fw) -> None:
    sources = [p.source for p in fw.problems]
    assert fw.problems[0].id == "email-composer"
    assert sources == sorted(sources, key=lambda s: s != "seed")
