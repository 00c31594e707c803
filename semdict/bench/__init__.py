"""``semdict bench``: WER and latency of the dictation service on a user's own recordings.

One module per job: ``corpus`` reads the folder, ``offline``/``streaming`` produce
hypotheses, ``pipelines`` turns raw text into each pipeline's text, ``scoring`` and
``bootstrap`` measure, ``summary`` aggregates, ``markdown``/``plots``/``compare`` report.
"""
