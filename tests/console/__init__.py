"""The console: Pilot tests against a real hub on a loopback port, and SVG snapshots."""
