"""The command-line fallbacks (stop, enable, status, export, health) and their exit codes."""
