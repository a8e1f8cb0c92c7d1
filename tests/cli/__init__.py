"""The warroom command's subcommands, run as a person runs them, against a real hub."""
