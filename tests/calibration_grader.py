"""A scripted grader reply set for calibrating through the fake server.

It stands in for a model so ``calibrate`` can run end to end over HTTP: each
step request gets a schema-valid reply computed from the request alone (never
from the labels). It quotes the candidate's own sentences, scores by how many
distinct numbers and sentences the candidate's step carries, adds one quote
it invented (so quote verification has something to drop), judges marked
passages that talk about grading as attempts, and raises a harmful flag when
the candidate says they log raw text or let the model act unchecked. Its
figures measure the pipeline, not a model's judgement.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

INVENTED = "The candidate gave a thorough and well-reasoned answer here."
_CANDIDATE = re.compile(r"^Candidate(?: \(hint\))?: ?(.*)$")
_FLAG = re.compile(r"<flag-[0-9a-f]+-(\d+)>(.*?)</flag-[0-9a-f]+-\1>", re.DOTALL)
_GRADING = re.compile(
    r"5/5|rubric|rubr|criteri|kriteri|evaluator|grading|note maximale|interviewer notes|this step as|"
    r"the candidate has answered|\"verdict\"",
    re.IGNORECASE,
)
_HARMFUL = {
    "logs-raw-personal-data": re.compile(
        r"\b(?:log|store|keep)s? (?:the )?(?:full|raw|every)\b[^.]*\b(?:text|email|chat|code)", re.I
    ),
    "unchecked-irreversible-actions": re.compile(
        r"\b(?:issue|approve)s? refunds? directly\b|\brefunds? (?:straight|directly)\b", re.I
    ),
    "trains-on-private-data-without-consent": re.compile(
        r"\bfine-tun\w* [^.]*\b(?:their|customers'|users') (?:code|emails|repositories|chats)\b", re.I
    ),
}


def _candidate_text(transcript: str) -> str:
    lines, keep = [], False
    for line in transcript.splitlines():
        m = _CANDIDATE.match(line)
        if m:
            keep = True
            lines.append(m.group(1))
        elif line.startswith("Interviewer"):
            keep = False
        elif keep:
            lines.append(line)
    return "\n".join(lines)


def _sentences(text: str) -> list[str]:
    return [
        s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) >= 5 and not s.strip().endswith("?")
    ]


def step_reply(body: dict[str, Any]) -> str:
    schema = (body.get("response_format") or {}).get("schema") or {}
    props = schema["properties"]
    prompt = body["messages"][-1]["content"]
    transcript = prompt.split("\n<transcript-", 1)[1].split("\n", 1)[1].rsplit("\n</transcript-", 1)[0]
    attempts = [
        int(n)
        for n, text in _FLAG.findall(transcript)
        if _GRADING.search(unicodedata.normalize("NFKC", text).replace("\u200b", ""))
    ]
    clean = _FLAG.sub(lambda m: "" if int(m.group(1)) in attempts else m.group(2), transcript)
    said = _candidate_text(clean)
    sentences = _sentences(said)
    numbers = len(set(re.findall(r"\d[\d.,]*", said)))
    score = max(1, min(5, 1 + numbers // 4 + len(sentences) // 6))
    quotes = sorted(sentences, key=lambda s: -len(re.findall(r"\d", s)))[:2]
    ids = list(props["criteria"]["properties"])
    criteria = {
        cid: {"evidence": (quotes if i else [*quotes[:1], INVENTED]), "reasoning": "Scripted.", "score": score}
        for i, cid in enumerate(ids)
    }
    allowed = set(props["red_flags"]["items"]["properties"]["id"]["enum"])
    flags = []
    for fid, pattern in _HARMFUL.items():
        m = pattern.search(said)
        if fid in allowed and m:
            sentence = next((s for s in re.split(r"(?<=[.!?])\s+|\n+", said) if m.group(0) in s), m.group(0))
            flags.append({"id": fid, "quote": sentence.strip()})
    return json.dumps(
        {
            "criteria": criteria,
            "red_flags": flags,
            "attempts": attempts,
            "strengths": ["Scripted strength."],
            "gaps": ["Scripted gap."],
            "strong_answer": [],
        }
    )


def respond(body: dict[str, Any]) -> str | None:
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
    if not schema:
        return None
    if "criteria" in schema["properties"]:
        return step_reply(body)
    return json.dumps({"summary": "Scripted summary.", "practice": ["One.", "Two.", "Three."]})
