"""Read models: what pages, API and documents read, by subject (SQL in, plain data out)."""
