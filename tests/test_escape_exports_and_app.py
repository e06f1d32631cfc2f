"""Issue 10.4 end to end: a hostile session id, problem title or candidate answer
shows as text in the app and in every export (no link, no image, no javascript:)."""

from __future__ import annotations

import re
from pathlib import Path

from grading_support import fixture_session
from streamlit.testing.v1 import AppTest
from test_markdown_safe import constructs, to_text

from interviewer.agent import Interviewer
from interviewer.framework import Framework, custom_problem
from interviewer.grader import grade_session
from interviewer.markdown_safe import WORD_JOINER
from interviewer.report import render_markdown
from interviewer.report_html import render_html
from interviewer.report_pdf import render_pdf
from interviewer.session import Session, Turn
from interviewer.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LINK = "[Your session expired - sign in](https://evil.example/login)"
HOSTILE = (
    "My design ![](http://tracker.example/track.png) see [docs](javascript:alert(1)) "
    "<img src=http://tracker.example/i.png> and [ok](https://ok.example/a)"
)


def test_a_malicious_session_param_shows_no_link(data_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(session=LINK)
    at.run()
    assert not at.exception
    notice = at.warning[0].value
    assert "No saved interview" in notice
    hrefs, images, html = constructs(notice)
    assert (hrefs, images, html) == ([], 0, 0), notice
    assert "https://" not in notice  # nor a GFM autolink literal


def test_a_custom_problem_title_renders_no_link_or_image(data_dir: Path, fw: Framework) -> None:
    store = Store(data_dir)
    session = Session(problem=custom_problem(f"Design this {LINK} ![](http://tracker.example/t.png) system"))
    Interviewer(fw, session, store=store).open().consume()

    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    label = at.button(key=f"open-{session.id}").label
    assert constructs(label) == ([], 0, 0), label
    assert "Your session expired" in label

    at.query_params.update(session=session.id)
    at.run()
    assert not at.exception
    # The page's own header shows the problem as plain text (st.text: no Markdown),
    # and the opening turn quotes it as text too: even its https link.
    # (In later turns an https link stays a link, an image never does.)
    assert [t.value for t in at.main.text] == [session.problem.opening_prompt]
    in_chat = {m.value for cm in at.main.chat_message for m in cm.markdown}
    for m in (m.value for m in at.main.markdown if m.value not in in_chat):
        assert constructs(m) == ([], 0, 0), m
    assert any("Your session expired" in m for m in in_chat)
    for m in in_chat:
        assert constructs(m) == ([], 0, 0), m
        assert "https://" not in m and "https:" + WORD_JOINER + "//" in m  # nor a bare URL Streamlit links


def test_a_candidates_beacon_is_not_fetched_in_the_transcript(data_dir: Path, fw: Framework) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("ticket-triage"))
    it = Interviewer(fw, session, store=store)
    it.open().consume()
    it.answer(HOSTILE).consume()
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(session=session.id)
    at.run()
    assert not at.exception
    answer = next(m.value for cm in at.main.chat_message if cm.name == "user" for m in cm.markdown)
    hrefs, images, html = constructs(answer)
    assert hrefs == ["https://ok.example/a"] and images == 0 and html == 0, answer


def test_exports_hold_no_remote_image_or_javascript_link(fw: Framework) -> None:
    s = fixture_session(fw, "weak")
    s.turns.insert(2, Turn(role="candidate", text=HOSTILE, step=1))
    report = grade_session(fw, s, None)

    md = render_markdown(report)
    hrefs, images, html = constructs(md)
    assert images == 0 and html == 0 and all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs)
    assert "javascript:alert" not in re.sub(r"\\", "", " ".join(hrefs))
    assert "[image]" in md.replace("\\", "")

    page = render_html(report)
    assert not re.search(r"<img\b", page, re.I)
    assert not re.search(r"href\s*=\s*['\"]?\s*javascript:", page, re.I)
    assert 'href="https://ok.example/a"' in page
    assert "tracker.example/track.png" not in page

    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF") and b"javascript:" not in pdf


def test_markdown_export_reads_as_the_candidate_typed_yet_stays_inert(fw: Framework) -> None:
    """Issue 11: no "a\\_b" or "\\(x\\)" noise in the candidate's words, in a
    custom problem's title or in a model name; still no tag, image or unsafe link."""
    clean = "We key on user_id (hashed): about $1.5M a month, 2 * 3 replicas, R&D budget, p99 < 50 ms."
    s = fixture_session(fw, "weak")
    s.problem = custom_problem("Design a snake_case (v2) tool <script>x</script> ![x](https://example.com/a.png)")
    s.turns.insert(2, Turn(role="candidate", text=clean, step=1))
    s.turns.insert(
        3, Turn(role="candidate", text="I add <script>alert(1)</script> and ![x](https://evil.example/a.png)", step=1)
    )
    md = render_markdown(grade_session(fw, s, None))
    assert f"> {clean}\n" in md
    title = md.splitlines()[0]
    assert title.startswith("# Interview feedback: Design a snake_case (v2) tool &lt;script&gt;x&lt;/script&gt;"), title
    # Shown as the text it is: no image, and the URL is not even a GFM autolink.
    assert constructs(title) == ([], 0, 0) and "https://" not in title
    assert to_text(title).replace(WORD_JOINER, "").endswith("![x](https://example.com/a.png)")
    hrefs, images, html = constructs(md)
    assert images == 0 and html == 0 and "<script" not in md and all(h.startswith("https://") for h in hrefs)
    assert "evil.example/a.png" not in md and "[image: x]" in md
