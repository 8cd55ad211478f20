"""The user-facing classes: Database (embedded), connect() (a server), Index and the result types.

The extension module (semble._semble) does the work; this layer turns dicts into JSON and back, and
the engine's tuples into dataclasses. Vectors go to the engine as numpy arrays: a C-contiguous
float32 array is read in place, anything else (lists, float64, strided views) is converted by numpy
once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _semble
from .errors import InvalidArgument

#: The model installed by ``semble model pull``; 384 dimensions.
DEFAULT_MODEL = "all-MiniLM-L6-v2-q4"

Metadata = Mapping[str, Any]
Filter = Union[Mapping[str, Any], str]
IdOrIds = Union[str, Sequence[str]]


@dataclass(frozen=True)
class Match:
    """One query result. ``score``: in vector mode the metric's (cosine similarity, L2 distance,
    or -dot product); in keyword mode the BM25 score; in hybrid mode the fused score (the last two
    higher-is-better whatever the metric). ``values`` is set when the query asked for it;
    ``metadata`` per ``return_metadata``; ``namespace`` is None for a vector without one."""

    id: str
    score: float
    values: Optional[np.ndarray] = None
    metadata: Optional[Dict[str, Any]] = None
    namespace: Optional[str] = None


@dataclass(frozen=True)
class Group:
    """One group of a query with ``group_by``: the property's ``value`` (a str, number or bool;
    each element of an array value is a group of its own) and its best matches, best first."""

    value: Any
    matches: List[Match]


class QueryResult(List[Match]):
    """What Index.query returns: the list of matches, best first, and ``groups``.

    With ``group_by``, ``groups`` holds the groups in the order of their best match, and the list
    holds the matches of every group, group after group (a record in several groups appears in
    each); without it, ``groups`` is empty.
    """

    groups: List[Group]

    def __init__(self, matches: Iterable[Match] = (), groups: Iterable[Group] = ()):
        super().__init__(matches)
        self.groups = list(groups)

    def __repr__(self) -> str:
        return f"QueryResult({list.__repr__(self)}, groups={self.groups!r})"


@dataclass(frozen=True)
class Record:
    """A stored record, as get_by_ids returns it. ``text`` is the text it was written with (None
    when it has none)."""

    id: str
    values: np.ndarray
    metadata: Optional[Dict[str, Any]] = None
    namespace: Optional[str] = None
    text: Optional[str] = None


@dataclass(frozen=True)
class TextIndexConfig:
    """The full-text (BM25 keyword) index of an index, for keyword and hybrid queries.

    A record's document is its ``text`` followed by the string values of the metadata properties
    named in ``fields`` (at most 8, "title" or "parent.child"). ``language`` "english" stems and
    drops English stop words, "none" does neither; Hangul, Han and Kana runs are indexed as
    character bigrams either way. ``k1`` (0..10) and ``b`` (0..1) are BM25's parameters.
    """

    fields: List[str] = field(default_factory=list)
    language: str = "english"
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True)
class IndexDescription:
    """How an index was created. ``embedding_model`` and ``embedding_pooling`` are None for an
    index of caller-made vectors; times are milliseconds since the Unix epoch; ``text_index`` is
    the current full-text index, None without one."""

    name: str
    description: str
    dimensions: int
    metric: str
    index_type: str
    embedding_model: Optional[str]
    embedding_pooling: Optional[str]
    created_on_ms: int
    modified_on_ms: int
    text_index: Optional[TextIndexConfig] = None


@dataclass(frozen=True)
class IndexInfo:
    """An index's state: vector count, the last applied mutation and its time (None before the
    first), the canonical index type, memory per vector, and vectors not yet in the graph."""

    dimensions: int
    vector_count: int
    processed_up_to_mutation: Optional[str]
    processed_up_to_ms: Optional[int]
    index_type: str
    memory_bytes_per_vector: float
    unindexed_vectors: int


@dataclass(frozen=True)
class ListPage:
    """One page of ids in ascending order; pass ``next_cursor`` back for the next page ("" after
    the last one)."""

    ids: List[str]
    total_count: int
    is_truncated: bool
    next_cursor: str


@dataclass(frozen=True)
class MetadataIndex:
    """A metadata index: a property ("key" or "parent.child") and its type."""

    property: str
    type: str


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"{what} is not JSON: {e}") from e


def _loads(text: str) -> Optional[Dict[str, Any]]:
    return json.loads(text) if text else None


def _filter_json(filter: Optional[Filter]) -> str:
    if filter is None:
        return ""
    if isinstance(filter, str):
        return filter
    return _dumps(filter, "filter")


def _vectors(values: Any) -> Optional[np.ndarray]:
    """An array the engine reads: float32 arrays pass as they are (the extension reads a
    C-contiguous one in place and copies another layout once), anything else is converted."""
    if values is None or (isinstance(values, np.ndarray) and values.dtype == np.float32):
        return values
    try:
        return np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"vectors are not an array of numbers: {e}") from e


def _return_metadata(value: Union[bool, str]) -> str:
    if value is True:
        return "all"
    if value is False:
        return "none"
    return value


def _per_record(value: Any, n: int, what: str, single: bool) -> List[Any]:
    """None, one value for every record, or one value per record."""
    if value is None:
        return []
    if single or isinstance(value, (str, Mapping)):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise InvalidArgument(f"{what} has {len(values)} entries for {n} ids")
    return values


def _description(d: Dict[str, Any]) -> IndexDescription:
    del d["schema_json"]
    d["embedding_model"] = d["embedding_model"] or None
    d["embedding_pooling"] = d["embedding_pooling"] or None
    if d["text_index"] is not None:
        d["text_index"] = TextIndexConfig(**d["text_index"])
    return IndexDescription(**d)


def _matches(rows: List[tuple]) -> List[Match]:
    return [Match(id, score, values, _loads(meta), ns or None) for id, score, values, ns, meta in rows]


_TEXT_INDEX_KEYS = ("fields", "language", "k1", "b")


def _text_index(value: Any, enabled: bool = True) -> Dict[str, Any]:
    """The settings the extension takes, from True, a TextIndexConfig or a dict of its fields;
    InvalidArgument for another type or key. The engine checks the values."""
    if value is True:
        value = {}
    elif isinstance(value, TextIndexConfig):
        value = {k: getattr(value, k) for k in _TEXT_INDEX_KEYS}
    elif not isinstance(value, Mapping):
        raise InvalidArgument("text_index must be True, a TextIndexConfig or a dict with keys "
                              f"{', '.join(_TEXT_INDEX_KEYS)}; got {type(value).__name__}")
    out: Dict[str, Any] = {"enabled": enabled}
    for key, v in value.items():
        if key not in _TEXT_INDEX_KEYS:
            raise InvalidArgument(f"text_index has no setting {key!r} "
                                  f"({', '.join(_TEXT_INDEX_KEYS)})")
        if key == "fields":
            if isinstance(v, (str, bytes)) or not all(isinstance(f, str) for f in v):
                raise InvalidArgument("text_index fields must be a sequence of metadata property "
                                      f"names, not {v!r}")
            v = list(v)
        elif key == "language":
            if not isinstance(v, str):
                raise InvalidArgument(f"text_index language must be a str, not {v!r}")
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InvalidArgument(f"text_index {key} must be a number, not {v!r}")
        out[key] = v
    return out


class Index:
    """A handle on one index, from Database.create_index or Database.get_index.

    Handles stay valid after the index is deleted (every call then raises NotFound) and after the
    database is closed (FailedPrecondition). Safe to use from many threads; calls release the GIL.
    """

    def __init__(self, handle: "_semble._Index"):
        self._h = handle

    def __repr__(self) -> str:
        d = self.describe()
        return f"<semble.Index {d.name!r} {d.dimensions} dims {d.metric}>"

    @property
    def name(self) -> str:
        return self.describe().name

    def describe(self) -> IndexDescription:
        """How the index was created."""
        return _description(self._h.describe())

    def info(self) -> IndexInfo:
        """Vector count, last applied mutation and the other counters of the index."""
        d = self._h.info()
        d["processed_up_to_mutation"] = d["processed_up_to_mutation"] or None
        return IndexInfo(**d)

    def _write(self, upsert: bool, ids: IdOrIds, vectors: Any, texts: Any, metadata: Any,
               namespace: Any) -> str:
        single = isinstance(ids, str)
        id_list = [ids] if single else list(ids)
        n = len(id_list)
        if texts is not None:
            texts = [texts] if single or isinstance(texts, str) else list(texts)
            for i, t in enumerate(texts):
                if t is None:
                    continue
                if not isinstance(t, str):
                    raise InvalidArgument(f"texts[{i}] is a {type(t).__name__}, not a str")
                try:
                    t.encode("utf-8")
                except UnicodeEncodeError as e:
                    raise InvalidArgument(f"texts[{i}] is not valid Unicode: {e}") from e
        metas = _per_record(metadata, n, "metadata", single)
        metadata_json = [
            "" if m is None else _dumps(m, f"metadata of record {i} (id {id_list[i]!r})")
            for i, m in enumerate(metas)
        ]
        namespaces = [ns or "" for ns in _per_record(namespace, n, "namespace", single)]
        return self._h.write(upsert, id_list, _vectors(vectors), texts, metadata_json, namespaces)

    def insert(self, ids: IdOrIds, vectors: Any = None, *,
               texts: Union[str, Sequence[Optional[str]], None] = None,
               metadata: Union[Metadata, Sequence[Optional[Metadata]], None] = None,
               namespace: Union[str, Sequence[Optional[str]], None] = None) -> str:
        """Adds records whose id is not stored yet (an existing id is left as it is).

        ``ids`` is one id or a sequence of ids. Give ``vectors`` (a 1-D array for one id, a 2-D
        array with one row per id; C-contiguous float32 is read without a copy), ``texts`` (one
        text per id, at most 64 KiB of UTF-8 each), or both. Without vectors the texts are embedded
        by the index's model; with vectors they are only stored and indexed by the full-text index
        (a None text: that record has none). Either way the text is read back by get_by_ids.
        ``metadata`` is a dict per record (or None), ``namespace`` one string for all records or
        one per record. The batch is validated whole: on any error nothing is written. Returns the
        mutation id.
        """
        return self._write(False, ids, vectors, texts, metadata, namespace)

    def upsert(self, ids: IdOrIds, vectors: Any = None, *,
               texts: Union[str, Sequence[Optional[str]], None] = None,
               metadata: Union[Metadata, Sequence[Optional[Metadata]], None] = None,
               namespace: Union[str, Sequence[Optional[str]], None] = None) -> str:
        """As insert, but a record whose id is stored replaces it whole (values, text, namespace
        and metadata). Returns the mutation id."""
        return self._write(True, ids, vectors, texts, metadata, namespace)

    def delete_by_ids(self, ids: IdOrIds) -> str:
        """Deletes the records of these ids; unknown ids are ignored. Returns the mutation id."""
        return self._h.delete_by_ids([ids] if isinstance(ids, str) else list(ids))

    def get_by_ids(self, ids: IdOrIds) -> List[Record]:
        """The stored records of these ids, in the order asked; unknown ids are left out."""
        rows = self._h.get_by_ids([ids] if isinstance(ids, str) else list(ids))
        return [Record(id, values, _loads(meta), ns or None, text or None)
                for id, values, ns, meta, text in rows]

    def list(self, count: int = 100, cursor: str = "") -> ListPage:
        """One page of at most ``count`` (1..1000) ids in ascending order, after ``cursor``."""
        return ListPage(**self._h.list(count, cursor))

    def iter_ids(self, page_size: int = 1000) -> Iterator[str]:
        """Every id, in ascending order, a page at a time."""
        cursor = ""
        while True:
            page = self.list(page_size, cursor)
            yield from page.ids
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def query(self, vector: Any = None, *, text: Optional[str] = None,
              vector_id: Optional[str] = None, top_k: int = 5, return_values: bool = False,
              return_metadata: Union[bool, str] = "none", namespace: Optional[str] = None,
              filter: Optional[Filter] = None, ef: Optional[int] = None,
              recall: Optional[float] = None, exclude_ids: Sequence[str] = (),
              mode: str = "vector", fusion: str = "rrf", alpha: Optional[float] = None,
              group_by: Optional[str] = None, group_size: int = 3,
              group_count: Optional[int] = None) -> QueryResult:
        """The best matches, best first (a QueryResult: a list of Match, with ``groups``).

        ``mode`` "vector" (the default): give exactly one of ``vector`` (1-D), ``text`` (embedded
        by the index's model) and ``vector_id`` (a stored record's vector). "keyword": ``text``
        holds the keywords, ranked by BM25 over the index's full-text index (no vector or
        vector_id). "hybrid": ``text`` holds the keywords, and the vector side searches with
        ``vector`` or ``vector_id`` when given, else with ``text`` embedded; ``fusion`` "rrf"
        (reciprocal rank fusion, the default) or "weighted" (min-max normalised scores mixed as
        ``alpha``·vector + (1 − alpha)·keyword, ``alpha`` in [0, 1], default 0.5). Keyword and
        hybrid queries need a full-text index (create_index's ``text_index``, or
        configure_text_index): FailedPrecondition with reason "no_text_index" without one.

        ``top_k`` is 1..100 (1..20 with values or all metadata); ``return_metadata`` is "none",
        "indexed" or "all" (True = "all"); ``namespace`` limits the search to one namespace;
        ``filter`` is a dict (or JSON text) in Vectorize's filter language, e.g. ``{"lang":
        {"$in": ["en", "ko"]}}``; ``ef`` / ``recall`` tune approximate indexes; ``exclude_ids``
        are never returned. Namespace, filter and exclude_ids restrict both sides of a hybrid
        query before fusion.

        ``group_by`` a metadata property ("doc" or "parent.child"): the result's ``groups`` hold
        up to ``group_count`` (1..100, default top_k) distinct values of it, best first, each with
        its up to ``group_size`` (1..100) best matches; group_size × group_count is at most
        top_k's limit, and top_k itself is then unused.
        """
        matches, groups = self._h.query(
            _vectors(vector), vector_id, text or "", top_k, return_values,
            _return_metadata(return_metadata), namespace, _filter_json(filter), ef, recall,
            list(exclude_ids), mode, fusion, alpha, group_by or "", group_size, group_count)
        return QueryResult(_matches(matches),
                           [Group(json.loads(key), _matches(rows)) for key, rows in groups])

    def recommend(self, positive: Sequence[str], negative: Sequence[str] = (), *, top_k: int = 5,
                  return_values: bool = False, return_metadata: Union[bool, str] = "none",
                  namespace: Optional[str] = None, filter: Optional[Filter] = None) -> List[Match]:
        """Records like the ``positive`` ids and unlike the ``negative`` ones, leaving out the
        examples themselves (semble/recommend.h)."""
        return _matches(self._h.recommend(list(positive), list(negative), top_k, return_values,
                                          _return_metadata(return_metadata), namespace,
                                          _filter_json(filter)))

    def create_metadata_index(self, property: str, type: str) -> str:
        """Indexes a metadata property ("string", "number" or "boolean") to speed up filters on it;
        filters give the same results without. Returns the mutation id."""
        return self._h.create_metadata_index(property, type)

    def list_metadata_indexes(self) -> List[MetadataIndex]:
        return [MetadataIndex(p, t) for p, t in self._h.list_metadata_indexes()]

    def delete_metadata_index(self, property: str) -> str:
        return self._h.delete_metadata_index(property)

    def configure_text_index(self, *, enabled: bool = True, fields: Sequence[str] = (),
                             language: str = "english", k1: float = 1.2,
                             b: float = 0.75) -> str:
        """Enables or changes the full-text index (see TextIndexConfig), or drops it with
        ``enabled=False``. Enabling indexes every record already stored: keyword and hybrid
        queries see them as soon as this returns. describe().text_index shows the current one.
        InvalidArgument for settings out of range, which change nothing. Returns the mutation id.
        """
        return self._h.configure_text_index(
            _text_index({"fields": fields, "language": language, "k1": k1, "b": b},
                        enabled=bool(enabled)))


class Database:
    """An embedded semble database: a directory of named indexes, opened in this process.

    Only one process may have a database open. Use it as a context manager, or call close(), to
    checkpoint and release the directory; index handles taken from it then raise
    FailedPrecondition. Options are DatabaseOptions' (include/semble/options.h):

    - ``create_if_missing``: create the directory when it does not exist.
    - ``sync``: "group-commit" (default: fsync before acknowledging, shared by concurrent
      writers), "per-write" (one fsync per mutation) or "none" (no fsync; bulk loads).
    - ``checkpoint_on_close``, ``checkpoint_wal_bytes``, ``checkpoint_wal_ratio``: when
      checkpoints are written (the log grows past the larger of the bytes and the ratio × the
      last checkpoint's size, and on close).
    - ``default_index_type``: index type of indexes created without one ("auto": "hnsw,lb8"
      from 256 dimensions on, "hnsw" below).
    - ``exact_search_below``: approximate indexes scan exactly below this many vectors.
    - ``repair_damaged_logs``: open indexes with a damaged log, setting the damage aside.
    - ``models_dir``: where embedding models are installed (default: $SEMBLE_MODELS_DIR, else
      <path>/models; ``semble model list`` shows it).
    - ``limits``: overrides of Limits, e.g. ``{"max_top_k": 200}``.
    """

    _h: "_semble._Database"

    def __init__(self, path: str, *, create_if_missing: bool = True, sync: str = "group-commit",
                 checkpoint_on_close: bool = True, checkpoint_wal_bytes: int = 64 << 20,
                 checkpoint_wal_ratio: float = 0.5,
                 default_index_type: str = "auto", exact_search_below: int = 10000,
                 repair_damaged_logs: bool = False, models_dir: Optional[str] = None,
                 limits: Optional[Mapping[str, int]] = None):
        self._h = _semble._Database.open(
            str(path), create_if_missing, sync, checkpoint_on_close, checkpoint_wal_bytes,
            checkpoint_wal_ratio, default_index_type, exact_search_below, repair_damaged_logs,
            models_dir or "", dict(limits or {}))

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the database (writing checkpoints unless checkpoint_on_close is off). Idempotent."""
        self._h.close()

    @property
    def closed(self) -> bool:
        return self._h.closed

    def create_index(self, name: str, dimensions: Optional[int] = None, metric: str = "cosine", *,
                     description: str = "", index_type: str = "", model: Optional[str] = None,
                     pooling: str = "mean",
                     text_index: Union[bool, TextIndexConfig, Mapping[str, Any], None] = None
                     ) -> Index:
        """Creates an index and returns its handle.

        ``name``: 1..64 of [a-z0-9_-]. ``metric``: "cosine", "euclidean" or "dot-product".
        ``index_type``: "flat", "hnsw", "hnsw,lb8", "hnsw,sq8", "hnsw,bq", with parameters
        ("hnsw,m=32,efc=400"), or "auto"; "" takes the database's default. ``model`` binds the
        index to an embedding model (e.g. DEFAULT_MODEL) with ``pooling`` "mean" or "cls", so
        that records and queries may be text; ``dimensions`` may then be left out (it is the
        model's).
        ``text_index`` keeps a full-text index of the records' text for keyword and hybrid
        queries: True (the defaults), a TextIndexConfig, or a dict of its fields, e.g.
        ``{"fields": ["title"], "language": "none"}``; None or False for none (see also
        Index.configure_text_index). Raises AlreadyExists when the name is taken.
        """
        if dimensions is None and model is None:
            raise InvalidArgument("create_index needs dimensions, or a model")
        settings = None if text_index is None or text_index is False else _text_index(text_index)
        return Index(self._h.create_index(name, description, dimensions or 0, metric, index_type,
                                          model or "", pooling, settings))

    def list_indexes(self) -> List[IndexDescription]:
        """Every index, ordered by name."""
        return [_description(d) for d in self._h.list_indexes()]

    def get_index(self, name: str) -> Index:
        """The handle of an existing index; NotFound (reason "index_not_found") when none."""
        return Index(self._h.get_index(name))

    def delete_index(self, name: str) -> None:
        """Deletes an index and its data; its name may be reused at once."""
        self._h.delete_index(name)

    def checkpoint(self) -> None:
        """Writes a checkpoint of every index with mutations in its log (a server does this itself)."""
        self._h.checkpoint()

    def recovery_log(self) -> List[str]:
        """What opening the database repaired or could not open; empty when nothing."""
        return list(self._h.recovery_log())

    def models(self) -> List[str]:
        """The embedding models installed in the models directory (embedded databases only)."""
        return list(self._h.models())

    def embed(self, texts: Union[str, Sequence[str]], model: str = DEFAULT_MODEL,
              pooling: str = "mean") -> np.ndarray:
        """Embeds texts with a model: a (len(texts), dims) float32 array (one row for one text).
        A server embeds with its own models (``pooling`` is then the model's default)."""
        return self._h.embed([texts] if isinstance(texts, str) else list(texts), model, pooling)


class RemoteDatabase(Database):
    """A database served by ``semble serve`` (or another Vectorize v2 server), reached over HTTP.

    The same methods as Database, with the same errors: HTTP 400 is InvalidArgument, 404 NotFound,
    409 AlreadyExists, 401/403 FailedPrecondition, 5xx and an unreachable server SembleIOError.
    checkpoint() does nothing (the server checkpoints on its own) and recovery_log() is empty.
    """

    def __init__(self, url: str, token: Optional[str] = None, *, account: str = "local",
                 timeout: int = 120):
        self._h = _semble._Database.connect(url, token or "", account, int(timeout))


def connect(url: str, token: Optional[str] = None, *, account: str = "local",
            timeout: int = 120) -> RemoteDatabase:
    """Connects to a server at ``url`` ("http://host:port") with a bearer ``token`` (when it
    requires one), checking it answers and accepts the token. Returns a RemoteDatabase."""
    return RemoteDatabase(url, token, account=account, timeout=timeout)
