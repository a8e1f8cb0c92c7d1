"""The test suite: unit, hub API, console (Pilot against a real hub), CLI and end-to-end in tmux."""
