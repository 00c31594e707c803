"""structuring package."""
