"""The browser app: ``streamlit run app.py``.

Thin on purpose: the pages live in :mod:`interviewer.web` (Streamlit
rendering) over pure page logic (routing, the interview loop, formatting) in
the same package; the interview itself is :mod:`interviewer.agent`.
"""

from interviewer.web.app import main

main()
