"""The package installs like one: a wheel built from pyproject.toml holds every
file the package reads, and installed on its own it runs ``interviewer`` and
loads its content from the install, not from this checkout.

Offline and a few seconds: the wheel is built with the test venv's setuptools
(``--no-build-isolation``; requirements-test.txt pins one that builds wheels
itself) and installed with ``--no-deps --no-index`` into a venv that borrows
this one's dependencies through a ``.pth`` file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "interviewer"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pins(path: Path) -> dict[str, Requirement]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = req
    return pins


def test_pyproject_depends_on_what_requirements_txt_pins() -> None:
    pins = _pins(ROOT / "requirements.txt")
    ranges = {canonicalize_name(r.name): r for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    assert sorted(ranges) == sorted(pins)
    for name, pin in pins.items():
        (spec,) = pin.specifier
        assert spec.operator == "==", pin  # requirements.txt is the tested set
        assert ranges[name].specifier.contains(Version(spec.version)), (ranges[name], pin)
        assert ranges[name].extras == pin.extras, (ranges[name], pin)


def test_the_test_requirements_install_this_package() -> None:
    lines = (ROOT / "requirements-test.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in lines and "-e ." in lines
    # The app's own install stays the pinned list: deploy/Dockerfile installs it before copying the source.
    assert not any(line.strip() in {".", "-e ."} for line in (ROOT / "requirements.txt").read_text().splitlines())


def _shipped_files() -> set[str]:
    """Every non-Python file in the package's folders, as wheel member names."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }


def _can_build_wheels() -> str | None:
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    if Version(setuptools.__version__) >= Version("70.1"):
        return None  # builds wheels without the separate wheel package
    try:
        import wheel  # noqa: F401
    except ImportError:
        return f"setuptools {setuptools.__version__} needs the wheel package to build wheels"
    return None


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = _can_build_wheels()
    if problem:
        message = f"cannot build the wheel offline: {problem}; pip install -r requirements-test.txt"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("wheel")
    # A copy of what the build reads, so the build's own folders (build/, *.egg-info) stay out of the checkout.
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "interviewer", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = work / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(source)]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("interviewer-*.whl")
    return built


def test_the_wheel_holds_every_file_the_package_ships(built_wheel: Path) -> None:
    names = set(zipfile.ZipFile(built_wheel).namelist())
    shipped = _shipped_files()
    assert {"interviewer/prompts/steps.yaml", "interviewer/fonts/DejaVuSans.ttf"} <= shipped
    assert shipped - names == set()
    entry_points = (
        zipfile.ZipFile(built_wheel).read(f"{built_wheel.name.split('-py3')[0]}.dist-info/entry_points.txt").decode()
    )
    assert re.search(r"^interviewer = interviewer\.cli:main$", entry_points, re.M), entry_points


# Loads every kind of shipped file the way the package does, from wherever it is imported.
LOAD_EVERYTHING = """
import json, sys
from pathlib import Path
import interviewer
from interviewer import calibration_set, report_html, report_pdf
from interviewer.framework import framework
from interviewer.grader import grade_session
from interviewer.transcript import parse_transcript
from interviewer.web import app, diagrams, keys

fw = framework()
entries = calibration_set.load_set()
text = calibration_set.read_transcript(entries[0])
report = grade_session(fw, parse_transcript(text, fw, level=entries[0].level), None)
html = report_html.render_html(report)
pdf = report_pdf.render_pdf(report)
print(json.dumps({
    "package": interviewer.__file__,
    "root": str(fw.root),
    "problems": len(fw.problems),
    "html": len(html), "pdf": pdf[:5].decode(),
    "calibration": len(entries), "calibration_dir": str(calibration_set.calibration_dir()),
    "static": [str(p) for p in (app.FAVICON, keys.KEYS_JS, diagrams.MERMAID_DIR / "index.html", report_pdf.FONTS)],
    "static_ok": all(p.exists() for p in (app.FAVICON, keys.KEYS_JS, diagrams.MERMAID_DIR / "index.html")),
    "keys_js": len(keys.KEYS_JS.read_text()),
}))
"""


def test_the_installed_wheel_runs_and_loads_its_content(built_wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    (purelib,) = (venv / "lib").glob("python3*/site-packages")
    # This interpreter's dependencies: its site-packages folders (never the checkout), after the
    # new venv's own, and added as plain paths, so the editable install's .pth hook does not run.
    borrowed = [p for p in sys.path if Path(p).name in {"site-packages", "dist-packages"}]
    (purelib / "borrowed.pth").write_text("\n".join(borrowed) + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(built_wheel)]  # fmt: skip
    result = subprocess.run(install, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["INTERVIEWER_DATA_DIR"] = str(tmp_path / "data")

    def run(*cmd: str) -> str:
        # From tmp_path, so nothing in this checkout is importable by accident.
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    helped = run(str(venv / "bin" / "interviewer"), "--help")
    assert helped.startswith("usage: interviewer ") and "grade" in helped
    assert "email-composer" in run(str(venv / "bin" / "interviewer"), "problems", "--json")

    facts = json.loads(run(str(python), "-c", LOAD_EVERYTHING))
    installed = str(purelib / "interviewer")
    assert facts["package"].startswith(installed), facts["package"]
    assert facts["root"] == installed and facts["calibration_dir"].startswith(installed)
    assert all(p.startswith(installed) for p in facts["static"]), facts["static"]
    assert facts["static_ok"] and facts["keys_js"] > 0
    assert facts["problems"] >= 6 and facts["calibration"] >= 20
    assert facts["html"] > 1000 and facts["pdf"] == "%PDF-"
