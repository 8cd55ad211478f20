"""Engine errors arrive as exceptions of the Status code's class, with the reason and message."""

import numpy as np
import pytest

import semble
from semble import errors


def test_hierarchy():
    for cls in (semble.InvalidArgument, semble.NotFound, semble.AlreadyExists,
                semble.FailedPrecondition, semble.ResourceExhausted, semble.Corruption,
                semble.SembleIOError, semble.Internal):
        assert issubclass(cls, semble.SembleError)
    assert issubclass(semble.InvalidArgument, ValueError)
    assert issubclass(semble.NotFound, LookupError)
    e = errors.from_status("NotFound", "index_not_found", "no index")
    assert type(e) is semble.NotFound and e.code == "NotFound" and e.reason == "index_not_found"
    assert str(e) == "NotFound: no index [index_not_found]"
    assert type(errors.from_status("Whatever", None, "m")) is semble.SembleError


def test_missing_index_is_not_found(db):
    with pytest.raises(semble.NotFound) as info:
        db.get_index("nope")
    assert info.value.reason == "index_not_found"
    assert "nope" in info.value.message
    with pytest.raises(semble.NotFound):
        db.delete_index("nope")


def test_duplicate_index_is_already_exists(db):
    db.create_index("twice", 2)
    with pytest.raises(semble.AlreadyExists) as info:
        db.create_index("twice", 2)
    assert info.value.reason == "index_exists"


def test_invalid_create_requests(db):
    with pytest.raises(semble.InvalidArgument):
        db.create_index("Bad Name!", 2)
    with pytest.raises(semble.InvalidArgument):
        db.create_index("metric", 2, "manhattan")
    with pytest.raises(semble.InvalidArgument):
        db.create_index("nodims")
    with pytest.raises(semble.InvalidArgument):
        db.create_index("toolarge", 100000)
    with pytest.raises(semble.NotFound) as info:
        db.create_index("nomodel", model="no-such-model")
    assert info.value.reason == "model_not_found"


def test_write_errors_write_nothing(db):
    index = db.create_index("w", 3)
    good = np.ones((1, 3), np.float32)
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["ok", "bad"], [[1, 2, 3], [1, 2]])  # ragged: numpy refuses it
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["ok", "bad"], np.ones((2, 4), np.float32))
    assert info.value.reason == "record_dimensions"
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["big"], good, metadata=[{"text": "x" * 20000}])
    assert info.value.reason == "metadata_too_large"
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["ok", "nan"], np.array([[1, 2, 3], [np.nan, 0, 0]], np.float32))
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a", "b"], good)  # one row for two ids
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], np.ones((1, 1, 3), np.float32))
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], good, metadata=[{"bad": object()}])  # not JSON
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], good, metadata=[{"a": 1}, {"b": 2}])
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"])  # neither vectors nor texts
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["a"], texts=["words"])
    assert info.value.reason == "no_model"
    assert index.info().vector_count == 0


def test_query_errors(db):
    index = db.create_index("q", 3)
    index.upsert(["a"], np.ones((1, 3), np.float32))
    with pytest.raises(semble.InvalidArgument) as info:
        index.query(np.ones(4, np.float32))
    assert info.value.reason == "query_dimensions"
    with pytest.raises(semble.InvalidArgument) as info:
        index.query(np.ones(3, np.float32), filter={"x": {"$near": 1}})
    assert info.value.reason == "bad_filter"
    with pytest.raises(semble.InvalidArgument):
        index.query(np.ones(3, np.float32), filter={"x": float("nan")})
    with pytest.raises(semble.InvalidArgument):
        index.query(np.ones(3, np.float32), top_k=0)
    with pytest.raises(semble.InvalidArgument):
        index.query(np.ones(3, np.float32), return_metadata="some")
    with pytest.raises(semble.InvalidArgument):
        index.query(np.ones((1, 3), np.float32))
    with pytest.raises(semble.NotFound) as info:
        index.query(vector_id="missing")
    assert info.value.reason == "vector_not_found"
    with pytest.raises(semble.InvalidArgument) as info:
        index.query(text="words")
    assert info.value.reason == "no_model"
    with pytest.raises(semble.InvalidArgument):
        index.create_metadata_index("p", "date")


def test_quota_is_resource_exhausted(db):
    index = db.create_index("quota", 2)
    for i in range(10):
        index.create_metadata_index(f"p{i}", "number")
    with pytest.raises(semble.ResourceExhausted):
        index.create_metadata_index("p10", "number")


def test_deleted_index_handle_raises_not_found(db):
    index = db.create_index("deleted", 2)
    db.delete_index("deleted")
    with pytest.raises(semble.NotFound):
        index.info()
    with pytest.raises(semble.NotFound):
        index.upsert(["a"], np.ones((1, 2), np.float32))


def test_closed_database_and_locked_directory(tmp_path, models_dir):
    path = str(tmp_path / "data")
    db = semble.Database(path, models_dir=models_dir)
    index = db.create_index("i", 2)
    with pytest.raises(semble.FailedPrecondition):
        semble.Database(path, models_dir=models_dir)  # one process, one open database
    db.close()
    assert db.closed
    db.close()  # idempotent
    with pytest.raises(semble.FailedPrecondition):
        db.list_indexes()
    with pytest.raises(semble.FailedPrecondition):
        index.query(np.ones(2, np.float32))
    with semble.Database(path, models_dir=models_dir) as again:
        assert [d.name for d in again.list_indexes()] == ["i"]
