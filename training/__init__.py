"""Saring training: data set loading, cross-validated model selection, evaluation,
model card rendering. Uses ``models/`` only (never the Flask app)."""
