"""Validating producers: the validator stands in for the controller and the consumer's sink.

``harness`` serves and records, ``process`` starts and stops the producer under test,
``driver`` plays each producer scenario's scripted answers and judges the recorded
session, ``reference`` is the built-in reference producer and its mutants.
"""
