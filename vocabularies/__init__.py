"""vocabularies package."""
