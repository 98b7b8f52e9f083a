"""The published policy (use-case matrix, data-use policy), acknowledgements, opt-outs
and the retention register (issue 24)."""
