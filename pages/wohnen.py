"""Handlungsfeld Wohnen (content: data/handlungsfelder.toml; screen order: monitoring.ui.handlungsfeld_page)."""
from monitoring import ui

ui.handlungsfeld_page("Wohnen")
