"""The `headkg` commands, one module per command or group; api/cli.py registers them."""
