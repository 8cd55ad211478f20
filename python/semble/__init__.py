"""semble for Python: the embedded engine and a client for a running server.

    import numpy as np
    import semble

    with semble.Database("/tmp/semble-data") as db:
        index = db.create_index("docs", model=semble.DEFAULT_MODEL)   # text in, 384 dims
        index.upsert(["cat", "market"], texts=["The cat sleeps.", "Shares fell."],
                     metadata=[{"lang": "en"}, {"lang": "en"}])
        for m in index.query(text="a sleeping pet", top_k=1, return_metadata=True):
            print(m.id, m.score, m.metadata)

        # Keywords and vectors at once: a full-text index, then hybrid (or "keyword") queries.
        index.configure_text_index(fields=["lang"])
        top = index.query(text="sleeping cat", mode="hybrid", top_k=1)

    server = semble.connect("http://127.0.0.1:8080", token="...")   # the same methods over HTTP

Errors are exceptions under semble.SembleError, one class per engine Status code (semble.errors).
"""

from ._api import (
    DEFAULT_MODEL,
    Database,
    Group,
    Index,
    IndexDescription,
    IndexInfo,
    ListPage,
    Match,
    MetadataIndex,
    QueryResult,
    Record,
    RemoteDatabase,
    TextIndexConfig,
    connect,
)
from .errors import (
    AlreadyExists,
    Corruption,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    SembleError,
    SembleIOError,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "AlreadyExists",
    "Corruption",
    "Database",
    "FailedPrecondition",
    "Group",
    "Index",
    "IndexDescription",
    "IndexInfo",
    "Internal",
    "InvalidArgument",
    "ListPage",
    "Match",
    "MetadataIndex",
    "NotFound",
    "QueryResult",
    "Record",
    "RemoteDatabase",
    "ResourceExhausted",
    "SembleError",
    "SembleIOError",
    "TextIndexConfig",
    "connect",
]
