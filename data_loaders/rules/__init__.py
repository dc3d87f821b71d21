"""Pure domain rules: no I/O, no SQL, time passed in."""
