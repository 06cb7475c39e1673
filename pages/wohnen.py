"""Handlungsfeld Wohnen (content: data/handlungsfelder.toml; screen order: monitoring.ui_fields.handlungsfeld_page)."""
from monitoring import ui_fields

ui_fields.handlungsfeld_page("Wohnen")
