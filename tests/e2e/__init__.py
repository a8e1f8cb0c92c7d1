"""End to end: the real warroom command in a real terminal (tmux)."""
