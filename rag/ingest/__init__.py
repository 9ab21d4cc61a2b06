"""Ingest: corpus files → `Document` (text plus structural blocks) → `Chunk` (a cited passage).

Owns reading each file type, sentence splitting and chunking. Knows nothing of embedding,
indexes or answers: the index stage takes its chunks as they are.
"""
