"""The hub over real HTTP and websockets on an ephemeral loopback port."""
