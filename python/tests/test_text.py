"""Text in: an index bound to the real default model embeds records' and queries' text itself."""

import numpy as np
import pytest

import semble

SENTENCES = {
    "cat": "The cat sleeps on the warm windowsill.",
    "market": "Shares fell sharply after the earnings report.",
    "weather": "Heavy rain is expected over the weekend.",
    "dog": "A puppy dozes in a patch of sunlight.",
    "code": "The compiler rejected the template instantiation.",
}


@pytest.fixture
def sentences(db):
    index = db.create_index("sentences", model=semble.DEFAULT_MODEL, description="five sentences")
    ids = list(SENTENCES)
    index.upsert(ids, texts=[SENTENCES[i] for i in ids],
                 metadata=[{"text": SENTENCES[i], "animal": i in ("cat", "dog")} for i in ids],
                 namespace=["pets" if i in ("cat", "dog") else "other" for i in ids])
    return index


def test_index_takes_the_models_dimensions(db, sentences):
    d = sentences.describe()
    assert d.dimensions == 384 and d.metric == "cosine"
    assert d.embedding_model == semble.DEFAULT_MODEL and d.embedding_pooling == "mean"
    assert semble.DEFAULT_MODEL in db.models()
    with pytest.raises(semble.InvalidArgument):
        db.create_index("wrong", 128, model=semble.DEFAULT_MODEL)


def test_text_query_returns_sensible_neighbours(sentences):
    top = sentences.query(text="a pet asleep in the sun", top_k=3, return_metadata=True)
    assert {m.id for m in top[:2]} == {"cat", "dog"}
    assert top[0].metadata["text"] == SENTENCES[top[0].id]
    assert top[0].score > top[2].score
    assert sentences.query(text="the stock market dropped", top_k=1)[0].id == "market"
    assert sentences.query(text="C++ build errors", top_k=1)[0].id == "code"
    assert sentences.query(text="storm forecast", top_k=1)[0].id == "weather"


def test_text_with_filter_and_namespace(sentences):
    got = sentences.query(text="a pet asleep in the sun", top_k=5, filter={"animal": False})
    assert "cat" not in {m.id for m in got} and "dog" not in {m.id for m in got}
    got = sentences.query(text="shares", top_k=5, namespace="pets")
    assert sorted(m.id for m in got) == ["cat", "dog"]


def test_stored_vectors_are_the_models_embeddings(db, sentences):
    (cat,) = sentences.get_by_ids("cat")
    assert cat.values.shape == (384,)
    embedded = db.embed([SENTENCES["cat"], SENTENCES["dog"]])
    assert embedded.shape == (2, 384) and embedded.dtype == np.float32
    np.testing.assert_allclose(cat.values, embedded[0], atol=1e-5)
    assert np.linalg.norm(embedded[0]) == pytest.approx(1.0, abs=1e-4)
    # A query by the embedded vector agrees with the query by text.
    q = db.embed("a pet asleep in the sun")[0]
    by_vector = [m.id for m in sentences.query(q, top_k=5)]
    by_text = [m.id for m in sentences.query(text="a pet asleep in the sun", top_k=5)]
    assert by_vector == by_text
    # Vectors and text mix across writes: a caller-made vector of the right size is accepted.
    sentences.upsert("copy-of-cat", cat.values)
    assert sentences.query(text=SENTENCES["cat"], top_k=2)[1].id in ("cat", "copy-of-cat")
