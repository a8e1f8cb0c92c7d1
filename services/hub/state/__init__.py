"""What the hub knows and decides: alerts, incidents, switches, escalations, events."""
