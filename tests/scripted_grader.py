"""Grader replies for the scripted server: valid JSON built from the request's schema."""

from __future__ import annotations

import json
from typing import Any


def grader_json(body: dict[str, Any]) -> str | None:
    """A valid grader reply for a structured-output request; None for chat turns
    (so the server falls back to its queue or default reply). Every passage the
    filter marked is judged an attempt; no red flag is raised."""
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
    if not schema:
        return None
    props = schema["properties"]
    if "criteria" in props:
        ids = list(props["criteria"]["properties"])
        criteria = {i: {"evidence": [], "reasoning": "Named a metric and a number.", "score": 4} for i in ids}
        attempts = (props.get("attempts", {}).get("items") or {}).get("enum", [])
        return json.dumps(
            {
                "criteria": criteria,
                "red_flags": [],
                "attempts": attempts,
                "strengths": ["Quantified scale"],
                "gaps": [],
                "strong_answer": [],
            }
        )
    return json.dumps({"summary": "Clear start.", "practice": ["a", "b", "c"]})
