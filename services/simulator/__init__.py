"""Simulated AgentOS packs that heartbeat to a hub and really stop: warroom demo."""
