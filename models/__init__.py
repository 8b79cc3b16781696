"""Saring spam classifier: text normalisation, features, pipeline, artifacts.

This package knows nothing of Flask, HTTP, Redis or the database.
"""
