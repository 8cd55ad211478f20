"""Keyword and hybrid search, search groups, full-text indexes and records' text, embedded and
through semble.connect to a real `semble serve` (every test runs on both).

The expectations are computed here from the engine's own separate rankings, as
tests/db/hybrid_test.cc does in C++: a hybrid query's result must be the reciprocal rank fusion (or
the weighted fusion) of the vector and keyword queries' results, and groups the grouping of the
full ranking.
"""

import dataclasses
import math

import numpy as np
import pytest

import semble

DIMS = 8
WORDS = [f"w{i}" for i in range(30)]


@pytest.fixture(params=["embedded", "http"])
def database(request, tmp_path, models_dir):
    if request.param == "embedded":
        d = semble.Database(str(tmp_path / "data"), sync="none", models_dir=models_dir)
        yield d
        d.close()
    else:
        server = request.getfixturevalue("server")
        d = semble.connect(server.url, server.token)
        yield d
        for desc in d.list_indexes():  # the server outlives the test: leave it empty
            d.delete_index(desc.name)


def random_words(rng, most):
    # Skewed: low word numbers are common, high ones rare.
    n = int(rng.integers(0, most + 1))
    return " ".join(WORDS[min(rng.integers(0, 30), rng.integers(0, 30))] for _ in range(n))


@pytest.fixture
def corpus(database):
    """150 records with random vectors, random words as text (some none) and a group number; a
    flat index (exact vector rankings) with a full-text index in language "none" (words are
    terms as they are)."""
    rng = np.random.default_rng(7)
    index = database.create_index("corpus", DIMS, index_type="flat",
                                  text_index={"language": "none"})
    ids = [f"r{i:03d}" for i in range(150)]
    texts = [random_words(rng, 10) or None for _ in ids]
    index.upsert(ids, rng.standard_normal((len(ids), DIMS)).astype(np.float32), texts=texts,
                 metadata=[{"g": i % 4} for i in range(len(ids))])
    return index, rng


def rrf(*rankings):
    scores = {}
    for ranking in rankings:
        for rank, m in enumerate(ranking):
            scores[m.id] = scores.get(m.id, 0.0) + 1.0 / (61 + rank)
    return scores


def weighted(vector_side, keyword_side, alpha):
    scores = {}
    for ranking, weight in ((vector_side, alpha), (keyword_side, 1 - alpha)):
        if not ranking:
            continue
        hi, lo = ranking[0].score, ranking[-1].score
        for m in ranking:
            scores[m.id] = scores.get(m.id, 0.0) + weight * (
                1.0 if hi == lo else (m.score - lo) / (hi - lo))
    return scores


def assert_fused(result, expected, top_k):
    best = sorted(expected.values(), reverse=True)[:top_k]
    assert len(result) == len(best)
    for i, m in enumerate(result):
        assert m.score == pytest.approx(best[i], abs=1e-5), f"rank {i}"
        assert m.score == pytest.approx(expected[m.id], abs=1e-5), m.id


def test_keyword_finds_records_by_their_exact_words(database):
    index = database.create_index("kw", 4, text_index=True)  # english: stems, drops stop words
    plain = database.create_index("kw-none", 4, text_index={"language": "none"})
    texts = {
        "fox": "The quick brown fox jumps over the lazy dog",
        "foxes": "Foxes are quick animals",
        "store": "semble stores vectors durably",
        "other": "nothing relevant here",
    }
    ids = list(texts)
    # The vectors point away from the words: the query vector's nearest record is "other".
    vectors = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], np.float32)
    for i in (index, plain):
        i.upsert(ids, vectors, texts=[texts[k] for k in ids])
        i.upsert("no-text", np.ones(4, np.float32))
    got = index.query(text="durably stores", mode="keyword", top_k=10)
    assert [m.id for m in got] == ["store"] and got[0].score > 0
    assert sorted(m.id for m in index.query(text="fox", mode="keyword", top_k=10)) == [
        "fox", "foxes"]  # english stems "foxes" to "fox"
    assert [m.id for m in plain.query(text="fox", mode="keyword", top_k=10)] == ["fox"]
    # Two matching words outscore one.
    got = index.query(text="quick lazy", mode="keyword", top_k=10)
    assert [m.id for m in got] == ["fox", "foxes"] and got[0].score > got[1].score
    assert index.query(text="zebra", mode="keyword") == []
    assert index.query(text="the of and", mode="keyword") == []  # only stop words
    assert [m.id for m in plain.query(text="the", mode="keyword")] == ["fox"]
    # A vector query ranks by vectors, whatever the text.
    assert index.query([0, 0, 0, 1], text=None, top_k=1)[0].id == "other"


def test_keyword_over_metadata_fields_namespace_and_filter(database):
    index = database.create_index("fields", 2, text_index={"fields": ["title", "src.name"]})
    index.upsert(["a", "b", "c", "d"], np.ones((4, 2), np.float32),
                 texts=["body of a", "body of b", None, "body of d"],
                 metadata=[{"title": "Alpaca farming", "lang": "en"},
                           {"title": "Llama", "src": {"name": "alpaca weekly"}, "lang": "ko"},
                           {"title": "alpaca", "lang": "en"},
                           {"other": "alpaca", "lang": "en"}],
                 namespace=["x", "y", "x", "x"])
    # "d" has the word only in a property that is not a field.
    assert sorted(m.id for m in index.query(text="alpaca", mode="keyword")) == ["a", "b", "c"]
    assert sorted(m.id for m in index.query(text="alpaca", mode="keyword",
                                            filter={"lang": "en"})) == ["a", "c"]
    assert sorted(m.id for m in index.query(text="alpaca", mode="keyword", namespace="y")) == ["b"]
    assert [m.id for m in index.query(text="alpaca", mode="keyword", exclude_ids=["a", "c"])] == [
        "b"]
    got = index.query(text="llama", mode="keyword", return_metadata=True, return_values=True)
    assert [m.id for m in got] == ["b"]
    assert got[0].metadata["src"] == {"name": "alpaca weekly"} and got[0].namespace == "y"
    assert got[0].values.tolist() == [1, 1]


def test_hybrid_rrf_is_the_fusion_of_the_vector_and_keyword_rankings(corpus):
    index, rng = corpus
    differs_from_both = 0
    for qi in range(8):
        text = (random_words(rng, 3) + " w2").strip()
        vector = rng.standard_normal(DIMS).astype(np.float32)
        filter = {"g": {"$ne": qi % 4}} if qi % 3 == 0 else None
        by_vector = index.query(vector, top_k=100, filter=filter)
        by_keyword = index.query(text=text, mode="keyword", top_k=100, filter=filter)
        assert by_keyword, text
        top_k = 10 + qi * 5
        got = index.query(vector, text=text, mode="hybrid", top_k=top_k, filter=filter)
        assert_fused(got, rrf(by_vector, by_keyword), top_k)
        assert index.query(vector, text=text, mode="hybrid", fusion="rrf", top_k=top_k,
                           filter=filter) == got
        if filter is not None:
            assert all(m.id not in {f"r{i:03d}" for i in range(qi % 4, 150, 4)} for m in got)
        ids = [m.id for m in got]
        if ids != [m.id for m in by_vector[:top_k]] and ids != [m.id for m in by_keyword[:top_k]]:
            differs_from_both += 1
    assert differs_from_both >= 4  # the fusion is neither side alone


def test_hybrid_by_vector_id(corpus):
    index, _ = corpus
    by_vector = index.query(vector_id="r010", top_k=100)
    by_keyword = index.query(text="w1 w3", mode="keyword", top_k=100)
    got = index.query(vector_id="r010", text="w1 w3", mode="hybrid", top_k=20)
    assert_fused(got, rrf(by_vector, by_keyword), 20)


def test_weighted_fusion_alpha_0_is_keyword_order_and_1_is_vector_order(corpus):
    index, rng = corpus
    for qi in range(4):
        text = random_words(rng, 2) + " w1 w5"
        vector = rng.standard_normal(DIMS).astype(np.float32)
        by_vector = index.query(vector, top_k=100)
        by_keyword = index.query(text=text, mode="keyword", top_k=100)
        assert len(by_keyword) > 21, text
        for alpha in (0.0, 0.3, 1.0):
            got = index.query(vector, text=text, mode="hybrid", fusion="weighted", alpha=alpha,
                              top_k=20)
            assert_fused(got, weighted(by_vector, by_keyword, alpha), 20)
        zero = index.query(vector, text=text, mode="hybrid", fusion="weighted", alpha=0, top_k=20)
        one = index.query(vector, text=text, mode="hybrid", fusion="weighted", alpha=1, top_k=20)
        assert [m.id for m in zero] == [m.id for m in by_keyword[:20]]
        assert [m.id for m in one] == [m.id for m in by_vector[:20]]
        assert zero[0].score == pytest.approx(1.0) and one[0].score == pytest.approx(1.0)
        # The default alpha is 0.5.
        half = index.query(vector, text=text, mode="hybrid", fusion="weighted", top_k=20)
        assert_fused(half, weighted(by_vector, by_keyword, 0.5), 20)


def group_oracle(ranking, value_of, size, count):
    """Groups of a full ranking: values in the order of their best match, the best `size`
    matches of each, at most `count` values (an array value: a group per element)."""
    groups = []
    for m in ranking:
        value = value_of[m.id]
        for key in (value if isinstance(value, list) else [] if value is None else [value]):
            group = next((g for g in groups if g[0] == key and type(g[0]) is type(key)), None)
            if group is None:
                if len(groups) == count:
                    continue
                group = (key, [])
                groups.append(group)
            if len(group[1]) < size:
                group[1].append(m.id)
    return groups


def test_groups_hold_at_most_group_size_per_value_and_group_count_values(database):
    rng = np.random.default_rng(3)
    index = database.create_index("groups", DIMS, index_type="flat", text_index=True)
    ids = [f"r{i:02d}" for i in range(90)]

    def doc(i):
        return ([f"d{i % 7}", 3, "3", ["x", "y"], None, True][i % 6])

    index.upsert(ids, rng.standard_normal((90, DIMS)).astype(np.float32),
                 texts=["apple " * (1 + i % 3) + ("banana" if i % 2 else "") for i in range(90)],
                 metadata=[{"doc": doc(i)} if doc(i) is not None else {"n": i} for i in range(90)])
    value_of = {id: doc(i) for i, id in enumerate(ids)}
    vector = rng.standard_normal(DIMS).astype(np.float32)
    cases = [
        (dict(vector=vector), 2, 3),
        (dict(vector=vector), 3, 10),
        (dict(vector=vector), 1, 5),
        (dict(text="apple banana", mode="keyword"), 2, 4),
        (dict(vector=vector, text="banana", mode="hybrid"), 4, 6),
    ]
    for search, size, count in cases:
        full = index.query(**search, top_k=100)
        assert len(full) == 90
        got = index.query(**search, group_by="doc", group_size=size, group_count=count)
        expected = group_oracle(full, value_of, size, count)
        assert len(expected) == min(count, 12)  # 7 "d" values, 3, "3", "x", "y", True
        assert [(g.value, [m.id for m in g.matches]) for g in got.groups] == expected
        # Values keep their JSON type: the number 3, the string "3" and true are three groups.
        assert [type(g.value) for g in got.groups] == [type(k) for k, _ in expected]
        for g in got.groups:
            assert 1 <= len(g.matches) <= size
            for m in g.matches:
                value = value_of[m.id]
                assert g.value in value if isinstance(value, list) else value == g.value
        assert [m.id for m in got] == [m.id for g in got.groups for m in g.matches]
    # Matches carry what was asked for, here all metadata (group_size × group_count <= 20).
    got = index.query(vector, group_by="doc", group_size=2, group_count=10, return_metadata=True)
    assert len(got.groups) == 10
    assert all(m.metadata == {"doc": value_of[m.id]} for m in got)
    # group_count defaults to top_k.
    got = index.query(vector, group_by="doc", group_size=1, top_k=4)
    assert len(got.groups) == 4 and len(got) == 4
    # Without group_by there are no groups.
    assert index.query(vector, top_k=3).groups == []


def test_text_round_trip_with_non_ascii(database):
    index = database.create_index("texts", 3, text_index=True)
    texts = {
        "ko": "한국어 텍스트 검색 엔진입니다",
        "emoji": "emoji 🙂👍🏽 and 👨‍👩‍👧 families",
        "mixed": "Crème brûlée — naïve café ½ 日本語のテキスト",
        "long": "x" * 60000 + " 끝",
    }
    ids = list(texts)
    vectors = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]
    index.upsert(ids, vectors, texts=[texts[i] for i in ids])
    index.upsert(["none", "partial"], np.ones((2, 3), np.float32), texts=[None, "some text"])
    got = {r.id: r for r in index.get_by_ids(ids + ["none", "partial"])}
    for i in ids:
        assert got[i].text == texts[i], i
        assert np.array_equal(got[i].values, vectors[ids.index(i)])  # kept, not embedded
    assert got["none"].text is None and got["partial"].text == "some text"
    # The text is indexed: Hangul and kana runs by their character bigrams.
    assert [m.id for m in index.query(text="텍스트", mode="keyword")] == ["ko"]
    assert [m.id for m in index.query(text="検索 테스트 텍스트", mode="keyword")] == ["ko"]
    assert [m.id for m in index.query(text="テキスト", mode="keyword")] == ["mixed"]
    assert [m.id for m in index.query(text="families", mode="keyword")] == ["emoji"]
    # An upsert replaces the text; one without text drops it and its terms.
    index.upsert("ko", np.ones(3, np.float32), texts="다른 문장")
    index.upsert("emoji", np.ones(3, np.float32))
    got = {r.id: r for r in index.get_by_ids(["ko", "emoji"])}
    assert got["ko"].text == "다른 문장" and got["emoji"].text is None
    assert index.query(text="텍스트", mode="keyword") == []
    assert index.query(text="families", mode="keyword") == []
    assert [m.id for m in index.query(text="문장", mode="keyword")] == ["ko"]


def test_model_index_keeps_and_indexes_the_embedded_text(database):
    sentences = {
        "cat": "The cat sleeps on the warm windowsill.",
        "market": "Shares fell sharply after the earnings report.",
        "dog": "A puppy dozes in a patch of sunlight.",
        "rain": "Heavy rain is expected over the weekend.",
    }
    index = database.create_index("model-hybrid", model=semble.DEFAULT_MODEL, text_index=True)
    ids = list(sentences)
    index.upsert(ids, texts=[sentences[i] for i in ids])
    assert {r.id: r.text for r in index.get_by_ids(ids)} == sentences
    (cat,) = index.get_by_ids("cat")
    np.testing.assert_allclose(cat.values, database.embed(sentences["cat"])[0], atol=1e-5)
    # Hybrid without a vector embeds the text for its vector side.
    text = "sleeping cat in the sun"
    by_vector = index.query(text=text, top_k=100)
    by_keyword = index.query(text=text, mode="keyword", top_k=100)
    assert [m.id for m in by_keyword] == ["cat"]  # "sun" is not "sunlight"
    got = index.query(text=text, mode="hybrid", top_k=4)
    assert_fused(got, rrf(by_vector, by_keyword), 4)
    assert got[0].id == "cat"


def test_configure_text_index_is_retroactive(database):
    index = database.create_index("late", 2)
    index.upsert(["a", "b", "c"], [[1, 0], [0, 1], [1, 1]],
                 texts=["red apples", "green pears", None],
                 metadata=[{"title": "orchard"}, {"title": "market"}, {"title": "red orchard"}])
    assert index.describe().text_index is None
    for mode, vector in (("keyword", None), ("hybrid", [1, 0])):
        with pytest.raises(semble.FailedPrecondition) as info:
            index.query(vector, text="red", mode=mode)
        assert info.value.reason == "no_text_index"
        assert "full-text index" in info.value.message
    mutation = index.configure_text_index(fields=["title"], language="none", k1=1.5, b=0.5)
    assert isinstance(mutation, str) and index.info().processed_up_to_mutation >= mutation
    # The records stored before are indexed, by their text and their title.
    assert sorted(m.id for m in index.query(text="red", mode="keyword")) == ["a", "c"]
    assert [m.id for m in index.query(text="pears", mode="keyword")] == ["b"]
    assert sorted(m.id for m in index.query(text="orchard", mode="keyword")) == ["a", "c"]
    expected = semble.TextIndexConfig(fields=["title"], language="none", k1=1.5, b=0.5)
    assert database.get_index("late").describe().text_index == expected  # a fresh handle
    assert next(d for d in database.list_indexes() if d.name == "late").text_index == expected
    # Later records are indexed too; a change of settings re-indexes (no stemming -> stemming).
    index.upsert("d", np.ones(2, np.float32), texts="apples and pears")
    assert sorted(m.id for m in index.query(text="pears", mode="keyword")) == ["b", "d"]
    assert index.query(text="pear", mode="keyword") == []
    index.configure_text_index()  # the defaults: english, no fields
    assert database.get_index("late").describe().text_index == semble.TextIndexConfig()
    assert sorted(m.id for m in index.query(text="pear", mode="keyword")) == ["b", "d"]
    assert index.query(text="orchard", mode="keyword") == []  # title is no longer a field
    # Dropping it: keyword queries fail again.
    index.configure_text_index(enabled=False)
    assert database.get_index("late").describe().text_index is None
    with pytest.raises(semble.FailedPrecondition) as info:
        index.query(text="pears", mode="keyword")
    assert info.value.reason == "no_text_index"
    # The texts were kept all along.
    assert [r.text for r in index.get_by_ids(["a", "b", "c", "d"])] == [
        "red apples", "green pears", None, "apples and pears"]


def test_text_index_settings_forms(database):
    config = semble.TextIndexConfig(fields=["a", "b.c"], language="none", k1=2.0, b=0.25)
    one = database.create_index("form-dataclass", 2, text_index=config)
    assert database.get_index("form-dataclass").describe().text_index == config
    database.create_index("form-dict", 2, text_index=dataclasses.asdict(config))
    assert database.get_index("form-dict").describe().text_index == config
    database.create_index("form-true", 2, text_index=True)
    assert database.get_index("form-true").describe().text_index == semble.TextIndexConfig()
    database.create_index("form-false", 2, text_index=False)
    assert database.get_index("form-false").describe().text_index is None
    # A description's config configures another index the same way.
    three = database.create_index("form-copy", 2)
    three.configure_text_index(**dataclasses.asdict(one.describe().text_index))
    assert database.get_index("form-copy").describe().text_index == config


def test_text_index_survives_reopening(tmp_path, models_dir):
    path = str(tmp_path / "data")
    with semble.Database(path, models_dir=models_dir) as db:
        index = db.create_index("kept", 2, text_index={"fields": ["t"]})
        index.upsert(["a", "b"], np.eye(2, dtype=np.float32), texts=["한국어 검색", "searching"],
                     metadata=[{"t": "cats"}, None])
        late = db.create_index("late", 2)
        late.upsert("a", np.ones(2, np.float32), texts="reopened words")
        late.configure_text_index(language="none")
    with semble.Database(path, models_dir=models_dir) as db:
        index = db.get_index("kept")
        assert index.describe().text_index == semble.TextIndexConfig(fields=["t"])
        assert [m.id for m in index.query(text="search", mode="keyword")] == ["b"]
        assert [m.id for m in index.query(text="cat", mode="keyword")] == ["a"]
        assert index.get_by_ids("a")[0].text == "한국어 검색"
        late = db.get_index("late")
        assert late.describe().text_index == semble.TextIndexConfig(language="none")
        assert [m.id for m in late.query(text="reopened", mode="keyword")] == ["a"]


def test_query_errors(database):
    plain = database.create_index("plain", 2)
    plain.upsert("a", [1, 0], texts="hello world", metadata={"k": "v"})
    for mode, kwargs in (("keyword", {}), ("hybrid", {"vector": [1, 0]})):
        with pytest.raises(semble.FailedPrecondition) as info:
            plain.query(text="hello", mode=mode, **kwargs)
        assert info.value.reason == "no_text_index" and info.value.code == "FailedPrecondition"

    index = database.create_index("errs", 2, text_index=True)
    index.upsert(["a", "b"], [[1, 0], [0, 1]], texts=["hello world", "hello there"],
                 metadata=[{"k": "v"}, {"k": "w"}])
    assert [m.id for m in index.query(text="world", mode="keyword")] == ["a"]  # the baseline
    bad = [
        dict(text="hello", mode="semantic"),                          # unknown mode
        dict(text="hello", mode="KEYWORD"),
        dict(vector=[1, 0], text="hello", mode="hybrid", fusion="max"),  # unknown fusion
        dict(mode="keyword"),                                         # no text
        dict(text="", mode="keyword"),
        dict(vector=[1, 0], mode="hybrid"),                           # hybrid needs text
        dict(vector=[1, 0], text="hello", mode="keyword"),            # keyword takes no vector
        dict(vector_id="a", text="hello", mode="keyword"),
        dict(vector=[1, 0], vector_id="a", text="hello", mode="hybrid"),
        dict(vector=[1, 0], text="hello", mode="hybrid", fusion="weighted", alpha=1.5),
        dict(vector=[1, 0], text="hello", mode="hybrid", fusion="weighted", alpha=-0.1),
        dict(vector=[1, 0], text="hello", mode="hybrid", fusion="weighted", alpha=math.nan),
        dict(vector=[1, 0], text="hello", mode="hybrid", alpha=0.5),  # alpha needs weighted
        dict(text="hello", mode="keyword", fusion="weighted"),        # fusion needs hybrid
        dict(vector=[1, 0], fusion="weighted"),
        dict(text="hello", mode="hybrid"),                            # no vector and no model
        dict(text="hello", mode="keyword", group_by="$bad"),
        dict(text="hello", mode="keyword", group_by="nothere"),       # no record has it
        dict(text="hello", mode="keyword", group_by="k", group_size=0),
        dict(text="hello", mode="keyword", group_by="k", group_size=101),
        dict(text="hello", mode="keyword", group_by="k", group_size=-1),
        dict(text="hello", mode="keyword", group_by="k", group_count=0),
        dict(text="hello", mode="keyword", group_by="k", group_count=-3),
        dict(text="hello", mode="keyword", group_by="k", group_size=11, group_count=10),
        dict(text="hello", mode="keyword", group_by="k", group_size=5, group_count=5,
             return_values=True),                                     # 20 with values
        dict(text="hello", mode="keyword", group_count=3),            # needs group_by
        dict(text="x" * (64 * 1024 + 1), mode="keyword"),             # text over 64 KiB
    ]
    for kwargs in bad:
        with pytest.raises(semble.InvalidArgument) as info:
            index.query(**kwargs)
        assert isinstance(info.value, ValueError), kwargs
        assert info.value.code == "InvalidArgument"
    # The boundaries themselves are accepted.
    assert index.query(text="hello", mode="keyword", group_by="k", group_size=100,
                       group_count=1).groups[0].value in ("v", "w")
    assert len(index.query(text="hello", mode="keyword", group_by="k", group_size=5,
                           group_count=4, return_values=True).groups) == 2
    for alpha in (0, 1):
        index.query([1, 0], text="hello", mode="hybrid", fusion="weighted", alpha=alpha)


def test_write_and_text_index_errors_change_nothing(database):
    index = database.create_index("werr", 2, text_index={"fields": ["t"]})
    index.upsert("keep", [1, 0], texts="kept words")
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a", "big"], [[1, 0], [0, 1]], texts=["ok", "y" * (64 * 1024 + 1)])
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a", "b"], [[1, 0], [0, 1]], texts=["only one"])
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], [[1, 0]], texts=[b"bytes"])
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], [[1, 0]], texts=["lone \ud800 surrogate"])  # not encodable as UTF-8
    with pytest.raises(semble.InvalidArgument):
        index.upsert(["a"], texts=[None])  # neither a vector nor a text
    with pytest.raises(semble.InvalidArgument) as info:
        index.upsert(["a"], texts=["to embed"])
    # A server sends no reason back for this one (docs/API.md, Python).
    remote = isinstance(database, semble.RemoteDatabase)
    assert info.value.reason == (None if remote else "no_model")
    assert index.get_by_ids(["a", "b", "big"]) == []
    bad_settings = [
        dict(language="klingon"),
        dict(k1=-1),
        dict(k1=10.5),
        dict(b=1.5),
        dict(fields=["a", "a"]),
        dict(fields=["$x"]),
        dict(fields=[f"f{i}" for i in range(9)]),
        dict(fields="title"),         # a str is not a list of names
        dict(fields=[1]),
        dict(k1="1.2"),
        dict(language=None),
    ]
    for kwargs in bad_settings:
        with pytest.raises(semble.InvalidArgument):
            index.configure_text_index(**kwargs)
        with pytest.raises(semble.InvalidArgument):
            database.create_index("never", 2, text_index=kwargs)
        with pytest.raises(semble.NotFound):
            database.get_index("never")
    for value in ("yes", 1, ["title"], {"fields": ["t"], "stemmer": "porter"}):
        with pytest.raises(semble.InvalidArgument):
            database.create_index("never", 2, text_index=value)
    with pytest.raises(TypeError):
        index.configure_text_index(["title"])  # settings are keywords
    assert database.get_index("werr").describe().text_index == semble.TextIndexConfig(fields=["t"])
    assert [m.id for m in index.query(text="kept", mode="keyword")] == ["keep"]
