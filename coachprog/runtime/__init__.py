"""How the process runs: configuration from the environment, the waitress server, secrets masked
in logs, heavy libraries imported lazily. Core: imports no domain."""
