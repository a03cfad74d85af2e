"""Tracking asynchronous inferences to completion without holding a worker slot.

``pending`` keeps them in Redis, ``s3check`` looks for their output and failure objects,
``completion`` turns what it finds into results, ``poller`` is the process that runs it all.
"""
