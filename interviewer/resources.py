"""Files shipped inside the package, found with :mod:`importlib.resources`.

Prompts, rubrics, the report template, fonts, the calibration set and the
app's static files are package data (``pyproject.toml`` lists them), so they
load the same from a source checkout and from an installed wheel. Asking the
import system rather than ``__file__`` keeps that true wherever the package
was installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import ContentError


def package_path(*parts: str) -> Path:
    """A shipped file or folder as a real path.

    Paths, not streams: fpdf2's fonts, Jinja's loader and Streamlit's component
    server read from disk. pip installs wheels unpacked, where
    importlib.resources gives a plain path; a zipped install cannot serve them,
    so it is refused here, by name, rather than failing later on a missing file.
    """
    resource = files(__package__).joinpath(*parts)
    if not isinstance(resource, Path):
        raise ContentError(f"{'/'.join(parts)}: the interviewer package must be installed unpacked (not zipped)")
    return resource
