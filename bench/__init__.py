"""Benchmarks: the pipeline measured against direct boto3 on the same endpoint, in one run.

Ratios in one run, because these machines are shared and noisy. Run ``make bench`` (or
``python -m bench --only b1,b3``); ``QUICK=1`` runs a small version.
"""
