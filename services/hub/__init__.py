"""The ops hub: config and server; http/ answers requests, state/ holds what it knows."""
