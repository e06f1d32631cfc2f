"""A minimal Streamlit app that signs in with st.login() (tests/test_oidc_login.py)."""

import streamlit as st

st.title("Sign-in check")
if not st.user.is_logged_in:
    st.text("Not signed in")
    if st.button("Sign in"):
        st.login()
else:
    # Shown as text: the provider's claims are not trusted markup.
    st.text(f"Signed in as {st.user.email}")
    if st.button("Sign out"):
        st.logout()
