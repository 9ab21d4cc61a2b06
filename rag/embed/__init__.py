"""Embed: the `Embedder` seam (texts in, unit vectors out) and its implementations.

`choose.make` builds the one the settings name; implementations never import the chooser.
Storing and searching the vectors is the index stage's work.
"""
