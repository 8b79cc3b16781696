"""Saring spam classifier: text normalisation, features, pipeline, artifacts.

This package knows nothing of Flask, HTTP or the database (``models.registry``
is the one module that takes a Redis client).
"""
