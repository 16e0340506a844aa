"""Network specs, the layer registry (the single source of truth), shapes and model building."""
