"""Checking captured traffic without a live target (``nexus-validate check``).

``sources`` reads JSON Lines, JSON arrays and HAR files as streams; ``judge`` decides per
message (a fast "clean?" path, then the same checks a live run uses); ``engine`` streams
files through it, in worker processes with ``--jobs``, into a :class:`Tally`; ``result``
turns tallies into the :class:`~validator.model.RunResult` every reporter and the gate read.
"""
