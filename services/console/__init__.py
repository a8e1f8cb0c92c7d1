"""The console's non-UI half: settings, clients, stream state, outbox, containment."""
