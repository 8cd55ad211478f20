"""semble from Python: semantic search over text, and a vector index fed from numpy.

    python3 examples/python/quickstart.py [DATA_DIR]

Install first (README, "Python"). The text index embeds with the default model, looked up in
$SEMBLE_MODELS_DIR, else in the models directory `semble model list` shows (`semble model pull`
installs it). DATA_DIR defaults to a temporary directory.
"""

import os
import sys
import tempfile

import numpy as np

import semble


def models_dir():
    if os.environ.get("SEMBLE_MODELS_DIR"):
        return os.environ["SEMBLE_MODELS_DIR"]
    data = os.environ.get("SEMBLE_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "semble")
    return os.path.join(data, "models")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="semble-quickstart-")
    with semble.Database(path, models_dir=models_dir()) as db:
        # 1. Text: the index is bound to a model, so records and queries are plain text.
        try:
            sentences = db.get_index("sentences")
        except semble.NotFound:
            sentences = db.create_index("sentences", model=semble.DEFAULT_MODEL)
        docs = {
            "cat": ("The cat sleeps on the warm windowsill.", "pets"),
            "market": ("Shares fell sharply after the earnings report.", "news"),
            "weather": ("Heavy rain is expected over the weekend.", "news"),
            "dog": ("A puppy dozes in a patch of sunlight.", "pets"),
            "code": ("The compiler rejected the template instantiation.", "tech"),
        }
        sentences.upsert(list(docs), texts=[text for text, _ in docs.values()],
                         metadata=[{"topic": topic} for _, topic in docs.values()])
        for m in sentences.query(text="a pet asleep in the sun", top_k=3, return_metadata=True):
            print(f"{m.id} {m.score:.3f} {m.metadata['topic']}")
        news = sentences.query(text="umbrella", top_k=1, filter={"topic": "news"})
        print("filtered:", news[0].id)

        # 2. Vectors: a 2-D float32 array is one batch, read in place.
        try:
            points = db.get_index("points")
        except semble.NotFound:
            points = db.create_index("points", dimensions=3, metric="euclidean")
        points.upsert(["a", "b", "c"], np.array([[0, 0, 0], [1, 1, 1], [5, 5, 5]], np.float32))
        print("nearest vector:", points.query(np.array([0.9, 1.2, 1.0], np.float32), top_k=1)[0].id)


if __name__ == "__main__":
    main()
