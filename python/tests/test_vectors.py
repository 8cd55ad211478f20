"""The embedded engine with caller-made vectors: round trips, queries, filters, namespaces, paging."""

import numpy as np
import pytest

import semble

METADATA = [
    {"lang": "en", "year": 2020, "tags": ["a", "b"], "ok": True, "none": None, "nested": {"x": 1}},
    {"lang": "ko", "year": 2021, "title": "한국어 제목", "ok": False},
    {"lang": "en", "year": 2022, "nested": {"x": 2}},
    None,
]


def vectors(n=4, dims=4):
    return np.arange(n * dims, dtype=np.float32).reshape(n, dims) / 7.0


def test_round_trip_of_vectors_metadata_and_namespaces(db):
    index = db.create_index("docs", 4, "euclidean", description="test docs")
    batch = vectors()
    mutation = index.upsert(["a", "b", "c", "d"], batch, metadata=METADATA,
                            namespace=["one", None, "two", ""])
    assert isinstance(mutation, str) and len(mutation) == 36
    records = index.get_by_ids(["d", "a", "missing", "b", "c"])
    assert [r.id for r in records] == ["d", "a", "b", "c"]
    by_id = {r.id: r for r in records}
    for i, id in enumerate("abcd"):
        r = by_id[id]
        assert r.values.dtype == np.float32
        assert np.array_equal(r.values, batch[i])
        assert r.metadata == METADATA[i]
    assert by_id["a"].namespace == "one"
    assert by_id["b"].namespace is None
    assert by_id["c"].namespace == "two"
    assert by_id["d"].namespace is None
    assert index.info().vector_count == 4
    assert index.info().processed_up_to_mutation == mutation


def test_one_record_forms_and_other_array_layouts(db):
    index = db.create_index("forms", 3, "euclidean")
    index.upsert("one", np.array([1, 2, 3], dtype=np.float32), metadata={"k": "v"}, namespace="ns")
    index.upsert("f64", np.array([0.5, 0.25, 0.125]))  # float64: converted once
    index.upsert("list", [[4.0, 5.0, 6.0]])  # a list of rows
    wide = np.arange(12, dtype=np.float32).reshape(2, 6)
    index.upsert(["strided-1", "strided-2"], wide[:, ::2])  # not contiguous: converted once
    index.upsert("readonly", np.frombuffer(np.array([7, 8, 9], np.float32).tobytes(), np.float32))
    fortran = np.asfortranarray(np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
    index.upsert(["f-1", "f-2"], fortran)
    got = {r.id: r for r in index.get_by_ids(
        ["one", "f64", "list", "strided-1", "strided-2", "readonly", "f-1", "f-2"])}
    assert got["one"].values.tolist() == [1, 2, 3]
    assert got["one"].metadata == {"k": "v"} and got["one"].namespace == "ns"
    assert got["f64"].values.tolist() == [0.5, 0.25, 0.125]
    assert got["list"].values.tolist() == [4, 5, 6]
    assert got["strided-1"].values.tolist() == [0, 2, 4]
    assert got["strided-2"].values.tolist() == [6, 8, 10]
    assert got["readonly"].values.tolist() == [7, 8, 9]
    assert got["f-1"].values.tolist() == [1, 0, 0]
    assert got["f-2"].values.tolist() == [0, 1, 0]


def test_query_scores_values_and_metadata(db):
    index = db.create_index("geo", 2, "euclidean", index_type="flat")
    points = np.array([[0, 0], [3, 4], [6, 8], [1, 0]], dtype=np.float32)
    index.upsert(["origin", "five", "ten", "one"], points,
                 metadata=[{"n": 0}, {"n": 5}, {"n": 10}, {"n": 1}])
    matches = index.query(np.array([0, 0], np.float32), top_k=3)
    assert [m.id for m in matches] == ["origin", "one", "five"]
    assert [m.score for m in matches] == pytest.approx([0, 1, 5])
    assert all(m.values is None and m.metadata is None for m in matches)
    matches = index.query([0.0, 0.0], top_k=2, return_values=True, return_metadata=True)
    assert matches[1].id == "one"
    assert matches[1].values.dtype == np.float32 and matches[1].values.tolist() == [1, 0]
    assert matches[1].metadata == {"n": 1}
    # By a stored vector, leaving ids out.
    matches = index.query(vector_id="ten", top_k=2, exclude_ids=["ten"])
    assert [m.id for m in matches] == ["five", "one"]


def test_cosine_and_dot_product_conventions(db):
    cos = db.create_index("cos", 3, "cosine")
    cos.upsert(["x", "y"], np.array([[1, 0, 0], [0, 1, 0]], np.float32))
    m = cos.query(np.array([2, 0, 0], np.float32), top_k=2)
    assert [x.id for x in m] == ["x", "y"]
    assert m[0].score == pytest.approx(1.0) and m[1].score == pytest.approx(0.0)
    dot = db.create_index("dot", 2, "dot-product")
    dot.upsert(["a", "b"], np.array([[1, 1], [3, 3]], np.float32))
    m = dot.query(np.array([1, 1], np.float32), top_k=2)
    assert [x.id for x in m] == ["b", "a"]
    assert m[0].score == pytest.approx(-6.0)  # Vectorize: -(q . v), lower is closer


def test_filters(db):
    index = db.create_index("filtered", 4, "euclidean")
    index.upsert(["a", "b", "c", "d"], vectors(), metadata=METADATA)
    q = np.zeros(4, np.float32)

    def ids(filter):
        return sorted(m.id for m in index.query(q, top_k=10, filter=filter))

    assert ids({"lang": "en"}) == ["a", "c"]
    assert ids({"lang": {"$ne": "en"}}) == ["b", "d"]
    assert ids({"lang": {"$in": ["ko", "fr"]}}) == ["b"]
    assert ids({"year": {"$gte": 2021, "$lt": 2023}}) == ["b", "c"]
    assert ids({"nested.x": 2}) == ["c"]
    assert ids({"ok": True}) == ["a"]
    assert ids('{"lang":"ko"}') == ["b"]  # JSON text is taken as is
    # The same answers with a metadata index on the property.
    index.create_metadata_index("lang", "string")
    assert index.list_metadata_indexes() == [semble.MetadataIndex("lang", "string")]
    assert ids({"lang": "en"}) == ["a", "c"]
    matches = index.query(q, top_k=10, filter={"lang": "ko"}, return_metadata="indexed")
    assert [(m.id, m.metadata) for m in matches] == [("b", {"lang": "ko"})]
    index.delete_metadata_index("lang")
    assert index.list_metadata_indexes() == []


def test_namespaces(db):
    index = db.create_index("spaces", 2, "euclidean")
    index.upsert(["a1", "a2"], np.array([[0, 0], [1, 1]], np.float32), namespace="a")
    index.upsert(["b1", "none"], np.array([[0, 0.1], [0, 0]], np.float32), namespace=["b", None])
    q = np.zeros(2, np.float32)
    assert sorted(m.id for m in index.query(q, top_k=10, namespace="a")) == ["a1", "a2"]
    assert [m.id for m in index.query(q, top_k=10, namespace="b")] == ["b1"]
    all_matches = index.query(q, top_k=10)
    assert sorted(m.id for m in all_matches) == ["a1", "a2", "b1", "none"]
    assert {m.id: m.namespace for m in all_matches} == {"a1": "a", "a2": "a", "b1": "b", "none": None}


def test_insert_keeps_upsert_replaces_delete_removes(db):
    index = db.create_index("writes", 2, "euclidean")
    index.insert("k", np.array([1, 1], np.float32), metadata={"v": 1}, namespace="n")
    index.insert("k", np.array([2, 2], np.float32), metadata={"v": 2})
    (r,) = index.get_by_ids("k")
    assert r.values.tolist() == [1, 1] and r.metadata == {"v": 1} and r.namespace == "n"
    index.upsert("k", np.array([3, 3], np.float32))
    (r,) = index.get_by_ids("k")
    assert r.values.tolist() == [3, 3] and r.metadata is None and r.namespace is None
    last = index.delete_by_ids(["k", "never-there"])
    assert index.get_by_ids("k") == []
    assert index.info().vector_count == 0
    assert index.info().processed_up_to_mutation == last


def test_list_pages_and_iter_ids(db):
    index = db.create_index("paged", 2, "euclidean")
    ids = [f"id-{i:02d}" for i in range(7)]
    index.upsert(ids, np.ones((7, 2), np.float32))
    page = index.list(count=3)
    assert page.ids == ids[:3] and page.total_count == 7 and page.is_truncated
    page = index.list(count=3, cursor=page.next_cursor)
    assert page.ids == ids[3:6]
    page = index.list(count=3, cursor=page.next_cursor)
    assert page.ids == ids[6:] and not page.is_truncated and page.next_cursor == ""
    assert list(index.iter_ids(page_size=2)) == ids


def test_indexes_persist_across_reopen(tmp_path, models_dir):
    path = str(tmp_path / "data")
    with semble.Database(path, models_dir=models_dir) as db:
        index = db.create_index("kept", 3, "dot-product", description="kept across reopen",
                                index_type="flat")
        index.upsert(["x"], np.array([[1, 2, 3]], np.float32), metadata=[{"k": ["p", "q"]}])
        db.create_index("gone", 2)
        db.delete_index("gone")
    with semble.Database(path, models_dir=models_dir) as db:
        (d,) = db.list_indexes()
        assert (d.name, d.description, d.dimensions, d.metric) == \
               ("kept", "kept across reopen", 3, "dot-product")
        assert d.index_type == "flat" and d.embedding_model is None
        assert d.created_on_ms > 0
        index = db.get_index("kept")
        assert index.describe() == d
        (r,) = index.get_by_ids(["x"])
        assert r.values.tolist() == [1, 2, 3] and r.metadata == {"k": ["p", "q"]}
        assert db.recovery_log() == []


def test_recommend(db):
    index = db.create_index("shows", 2, "euclidean", index_type="flat")
    index.upsert(["liked", "near-liked", "disliked", "near-disliked"],
                 np.array([[0, 0], [0.1, 0], [10, 0], [9.9, 0]], np.float32))
    matches = index.recommend(["liked"], ["disliked"], top_k=2)
    assert [m.id for m in matches] == ["near-liked", "near-disliked"]


def test_options_and_limits(tmp_path, models_dir):
    with semble.Database(str(tmp_path / "d"), sync="per-write", default_index_type="flat",
                         limits={"max_top_k": 3}, models_dir=models_dir) as db:
        index = db.create_index("small", 2)
        assert index.describe().index_type == "flat"
        index.upsert([str(i) for i in range(5)], np.ones((5, 2), np.float32))
        assert len(index.query([1.0, 1.0], top_k=3)) == 3
        with pytest.raises(semble.InvalidArgument):
            index.query([1.0, 1.0], top_k=4)
    with pytest.raises(semble.InvalidArgument):
        semble.Database(str(tmp_path / "e"), limits={"no_such_limit": 1})
    with pytest.raises(semble.SembleError):
        semble.Database(str(tmp_path / "missing"), create_if_missing=False)
