"""Integrationsmonitor: the library the dashboard stands on (see DESIGN.md for the floors)."""
