"""``warroom wall``: the read-only war-room display (walkthrough 3)."""
