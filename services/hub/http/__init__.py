"""The hub's HTTP and websocket layer: routes, auth, bodies, idempotency, stream."""
