"""Reusable widgets: timers, countdowns, tables, the timeline (no network, no storage)."""
