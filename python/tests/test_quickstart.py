"""examples/python/quickstart.py runs and prints what it promises."""

import os
import subprocess
import sys


def test_quickstart(tmp_path, models_dir):
    script = os.path.join(os.environ["SEMBLE_SOURCE_DIR"], "examples", "python", "quickstart.py")
    env = dict(os.environ, SEMBLE_MODELS_DIR=models_dir)
    for run in (1, 2):  # the second run opens the stored indexes
        out = subprocess.run([sys.executable, script, str(tmp_path / "data")], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        print(f"run {run}:", *lines, sep="\n")
        text_hits = [l.split()[0] for l in lines if l.startswith(("cat ", "dog ", "market ",
                                                                  "weather ", "code "))]
        assert sorted(text_hits[:2]) == ["cat", "dog"], lines
        assert "filtered: weather" in lines, lines
        assert "nearest vector: b" in lines, lines
