"""The one private Streamlit API the dashboard touches, guarded.

monitoring/ui.py `_leave_legacy_page_mode` sets `PagesManager.uses_pages_directory = False` when a deep link
(/arbeit) is the first request after the server started: with a pages/ folder (the layout the product's design
card fixes) Streamlit runs the page file alone until an entry point has called st.navigation once.  There is no
public API for this.  The patch does exactly what st.navigation itself does in this Streamlit version; these tests
fail on the first Streamlit version where that is no longer true, so an upgrade cannot break deep links silently.
"""
from __future__ import annotations

import inspect

import streamlit
from streamlit.commands import navigation
from streamlit.runtime import pages_manager
from streamlit.runtime.scriptrunner import script_runner


def test_the_class_attribute_still_exists():
    assert "uses_pages_directory" in vars(pages_manager.PagesManager)


def test_st_navigation_itself_switches_the_legacy_mode_off_the_same_way():
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation)


def test_the_script_runner_still_decides_by_it():
    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner)


def test_pinned_streamlit_version():
    """Checked on this version; on an upgrade, read the three places above again and then move the pin here."""
    assert streamlit.__version__ == "1.67.0"
