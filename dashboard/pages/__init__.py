"""Page shells."""
