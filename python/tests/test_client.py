"""semble.connect: the same calls over HTTP against a real `semble serve` (conftest.Server)."""

import socket

import numpy as np
import pytest

import semble


@pytest.fixture(scope="module")
def remote(server):
    return semble.connect(server.url, server.token)


def test_is_a_database(remote):
    assert isinstance(remote, semble.Database) and isinstance(remote, semble.RemoteDatabase)
    assert remote.recovery_log() == []
    remote.checkpoint()  # the server checkpoints on its own: nothing to do, no error


def test_round_trip_query_filter_namespace(remote):
    index = remote.create_index("remote-vectors", 3, "euclidean", description="over http")
    batch = np.array([[0, 0, 0], [1, 0, 0], [5, 5, 5]], np.float32)
    mutation = index.upsert(["a", "b", "c"], batch,
                            metadata=[{"lang": "en", "n": 1}, {"lang": "ko", "t": "한국어"}, None],
                            namespace=["x", "y", None])
    assert index.info().vector_count == 3
    assert index.info().processed_up_to_mutation >= mutation
    got = {r.id: r for r in index.get_by_ids(["a", "b", "c"])}
    for i, id in enumerate("abc"):
        assert np.array_equal(got[id].values, batch[i])
    assert got["b"].metadata == {"lang": "ko", "t": "한국어"} and got["b"].namespace == "y"
    assert got["c"].metadata is None and got["c"].namespace is None
    matches = index.query(np.array([0.9, 0, 0], np.float32), top_k=3, return_values=True,
                          return_metadata=True)
    assert [m.id for m in matches] == ["b", "a", "c"]
    assert matches[0].score == pytest.approx(0.1, abs=1e-5)
    assert matches[0].values.tolist() == [1, 0, 0] and matches[0].metadata["lang"] == "ko"
    assert [m.id for m in index.query([0.9, 0, 0], top_k=3, filter={"lang": "en"})] == ["a"]
    assert [m.id for m in index.query([0.9, 0, 0], top_k=3, namespace="x")] == ["a"]
    assert list(index.iter_ids(page_size=2)) == ["a", "b", "c"]
    index.delete_by_ids(["a"])
    assert index.get_by_ids(["a"]) == []
    d = next(d for d in remote.list_indexes() if d.name == "remote-vectors")
    assert (d.dimensions, d.metric, d.description) == (3, "euclidean", "over http")
    assert remote.get_index("remote-vectors").describe().dimensions == 3
    remote.delete_index("remote-vectors")
    assert "remote-vectors" not in [d.name for d in remote.list_indexes()]


def test_text_over_http(remote):
    index = remote.create_index("remote-text", model=semble.DEFAULT_MODEL)
    assert index.describe().dimensions == 384
    index.upsert(["cat", "market", "dog"],
                 texts=["The cat sleeps on the warm windowsill.",
                        "Shares fell sharply after the earnings report.",
                        "A puppy dozes in a patch of sunlight."])
    top = index.query(text="a pet asleep in the sun", top_k=3)
    assert {m.id for m in top[:2]} == {"cat", "dog"}
    vectors = remote.embed(["The cat sleeps on the warm windowsill."], model=semble.DEFAULT_MODEL)
    assert vectors.shape == (1, 384)
    (cat,) = index.get_by_ids("cat")
    np.testing.assert_allclose(cat.values, vectors[0], atol=1e-5)


def test_errors_over_http(remote, server):
    with pytest.raises(semble.NotFound):
        remote.get_index("no-such-index")
    remote.create_index("dup", 2)
    with pytest.raises(semble.AlreadyExists):
        remote.create_index("dup", 2)
    index = remote.get_index("dup")
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], np.ones((1, 3), np.float32))
    with pytest.raises(semble.InvalidArgument):
        index.query(np.ones(2, np.float32), filter={"x": {"$near": 1}})
    with pytest.raises(semble.FailedPrecondition):
        semble.connect(server.url, "wrong-token-0123456789abcdef")
    with pytest.raises(semble.FailedPrecondition):
        semble.connect(server.url)  # no token


def test_unreachable_server_is_io_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    with pytest.raises(semble.SembleIOError):
        semble.connect(f"http://127.0.0.1:{port}", "token", timeout=5)
