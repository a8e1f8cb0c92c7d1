"""All but the screens: domain rules, the console's non-UI half, hub, ops, simulator."""
