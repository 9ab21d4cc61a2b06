"""Index: generations on disk (FAISS, BM25, chunks, manifest), building them, and searching them.

Takes chunks from ingest and vectors from an embedder; returns ranked `Hit`s. Deciding whether
and how to answer is left to the answer stage.
"""
