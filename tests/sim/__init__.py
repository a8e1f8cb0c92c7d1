"""The simulator against a real hub."""
