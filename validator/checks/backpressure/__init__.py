"""Checks specific to Nexus Backpressure v1.0."""
