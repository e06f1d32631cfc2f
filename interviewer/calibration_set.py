"""The labelled calibration set shipped in ``interviewer/calibration/``.

Transcripts are plain text (``<problem-id>--<label>[-<variant>].txt``);
every ``set-*.yaml`` beside them is a manifest fragment listing some of them
with a label, a kind and what an injection or a harmful choice looks like.
The loader reads every fragment and checks that each transcript is listed
exactly once and each listed file exists, naming file and field otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import ContentError
from .framework import Level, Slug, load_model
from .resources import package_path

Label = Literal["strong", "mid", "weak"]
Tag = Literal[
    "heading-markers",
    "banner-markers",
    "no-markers",
    "terse",
    "keyword-filler",
    "keyword-list",
    "off-topic",
    "injection",
    "quotes-attacks",
    "harmful-choice",
    "loose-problem-name",
    "hints",
    "partial",
]
# Ordinal value of a label, for rank correlation and ordering.
LABEL_RANK: dict[str, int] = {"weak": 1, "mid": 2, "strong": 3}


def calibration_dir() -> Path:
    return package_path("calibration")


class Entry(BaseModel):
    """One labelled transcript."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(pattern=r"^[a-z0-9-]+\.txt$")
    problem: Slug
    level: Level
    label: Label
    kind: Literal["honest", "adversarial"]
    tags: list[Tag] = Field(default_factory=list)
    injection: bool = False
    injection_quotes: list[str] = Field(default_factory=list)
    harmful: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1)

    @property
    def adversarial(self) -> bool:
        return self.kind == "adversarial"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transcripts: list[Entry] = Field(min_length=1)


def load_set(folder: Path | None = None) -> list[Entry]:
    """Every entry of every ``set-*.yaml`` in ``folder``, checked against the files there."""
    folder = folder or calibration_dir()
    fragments = sorted(folder.glob("set-*.yaml"))
    if not fragments:
        raise ContentError(f"{folder}: no calibration manifest (set-*.yaml)")
    entries: list[Entry] = []
    listed: dict[str, Path] = {}
    for path in fragments:
        manifest = load_model(path, Manifest)
        for i, entry in enumerate(manifest.transcripts):
            if entry.file in listed:
                raise ContentError(
                    f"{path}: field 'transcripts.{i}.file': {entry.file} is also listed in {listed[entry.file].name}"
                )
            if not (folder / entry.file).is_file():
                raise ContentError(f"{path}: field 'transcripts.{i}.file': {entry.file} does not exist")
            if entry.injection != bool(entry.injection_quotes):
                raise ContentError(
                    f"{path}: field 'transcripts.{i}.injection_quotes': give the attack's words exactly when injection is true"
                )
            listed[entry.file] = path
            entries.append(entry)
    unlisted = sorted(p.name for p in folder.glob("*.txt") if p.name not in listed)
    if unlisted:
        raise ContentError(f"{folder}: transcripts not listed in any set-*.yaml: {', '.join(unlisted)}")
    return entries


def read_transcript(entry: Entry, folder: Path | None = None) -> str:
    return ((folder or calibration_dir()) / entry.file).read_text(encoding="utf-8")
