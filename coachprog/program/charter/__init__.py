"""The program charter, its cost model, phases and decision gates."""
