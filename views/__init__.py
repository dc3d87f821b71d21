"""Views: Dash component factories (plain data in, components out); no callbacks, no SQL."""
