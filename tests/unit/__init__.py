"""Pure unit tests: the domain rules, storage, settings, and the import contracts."""
