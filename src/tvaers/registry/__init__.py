"""Quality databases: imports, declarative populations and indicators, results."""
