"""HTTP and websocket edges: parse, call the core, return a schema."""
