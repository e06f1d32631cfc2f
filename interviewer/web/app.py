"""The app's entry point: page setup, routing and the one error boundary."""

from __future__ import annotations

import streamlit as st

from .. import ownership
from ..errors import InterviewerError
from ..markdown_safe import plain
from ..resources import package_path
from . import keys, routing
from .history_page import history_page
from .interview_page import interview_page
from .report_page import report_page
from .sidebar import model_settings_panel, nav
from .start_page import start_page
from .state import NotSignedIn, current_viewer, log, store

# Bundled: a Material icon as page_icon makes the browser fetch it from a font CDN.
FAVICON = package_path("web", "static", "favicon.png")


def sign_in_page(refusal: ownership.Refusal) -> None:
    st.title("GenAI system design mock interview")
    st.info(refusal.message, icon=":material/lock:")
    if refusal.sign_in:
        st.button("Sign in", type="primary", on_click=st.login)


def main() -> None:
    st.set_page_config(page_title="GenAI system design mock interview", page_icon=str(FAVICON), layout="centered")
    keys.install()
    try:
        s = store()
        who = current_viewer()
        if isinstance(who, ownership.Viewer) and who.notice:
            st.caption(plain(who.notice))
        r = routing.route(st.query_params.to_dict(), s.exists, lambda sid: s.load(sid).ended)
        with st.sidebar:
            nav()
            page_panel = st.container()
            # Rendered first so its widgets keep their state even when a page
            # stops early (st.rerun after a streamed reply).
            # Collapsed, so a keyboard user reaches the page (the problem
            # picker) without tabbing through every model field first.
            model_settings_panel(expanded=False)
        if r.page == "interview" and r.session_id:
            interview_page(r.session_id, page_panel)
        elif r.page == "report" and r.session_id:
            report_page(r.session_id, page_panel)
        elif r.page == "history":
            history_page()
        else:
            start_page(r.notice)
    except NotSignedIn as exc:
        sign_in_page(exc.refusal)
    except InterviewerError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
    except Exception:  # never a traceback on the page; the log has it
        log.exception("page failed")
        st.error("Something went wrong on this page. Your answers are saved; reload to try again.")
