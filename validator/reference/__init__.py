"""The built-in reference controller and its deliberately broken variants (mutants)."""
