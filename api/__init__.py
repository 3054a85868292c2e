"""Every way out of the store: CLI, HTTP API and graph export."""
