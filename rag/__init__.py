"""An offline, cited question-answering assistant over a small knowledge base."""

__version__ = "0.1.0"
