"""TinyDB stores with atomic, fsync'd writes: the hub's durable state and the console's journal."""
