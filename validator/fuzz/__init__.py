"""Property-based fuzzing of targets with hypothesis: generated cases, an oracle, shrinking, replay."""
