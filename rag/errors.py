"""The few domain errors. Each message says what to do next; the CLI prints it on one line and
exits 1, the UI shows it in the chat."""


class RagError(Exception):
    """Base of every error a user can act on."""


class IndexMissing(RagError):
    """No index has been built in the index folder."""


class IndexMismatch(RagError):
    """The index was built with another embedder, backend or format than the one configured."""


class CorpusError(RagError):
    """The corpus folder is missing or holds nothing to index."""


class ModelUnavailable(RagError):
    """A configured model or optional package cannot be loaded offline."""


class IndexDamaged(RagError):
    """A file of an index generation does not match the size or sha256 its manifest records."""


class IndexBusy(RagError):
    """Another `rag index` holds the index lock."""
