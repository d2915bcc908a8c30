"""How fast the NLP layers annotate the bundled corpus, against jieba segmentation in the same run.

Budget: the whole corpus well under 1 s once the pipeline is loaded. jieba alone is the floor
(every layer needs the text segmented once); the ratio says what the components and the
reference / parameter / lifecycle layers add on top of it.

    .venv/bin/python bench/layers.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors.layers.refs import corpus_resolver  # noqa: E402
from extractors.nlp import annotate, get_nlp  # noqa: E402
from extractors.pipeline import parse_file  # noqa: E402


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    docs = [d for f in sorted((ROOT / "tests" / "data" / "clean").glob("*.txt"))
            for d in parse_file(f, layers=False).documents]
    texts = [n.text for d in docs for n in d.nodes() if n.text]
    chars = sum(map(len, texts))
    t = time.perf_counter()
    nlp = get_nlp()
    nlp("预热")  # jieba loads its dictionary on first use
    load = time.perf_counter() - t
    resolve = corpus_resolver(docs)

    segment = best_of(3, lambda: [nlp.make_doc(x) for x in texts])
    full = best_of(3, lambda: [annotate(d, resolve) for d in docs])
    print(f"corpus: {len(docs)} documents, {len(texts)} nodes, {chars} characters")
    print(f"pipeline load:        {load:6.2f} s (once per process)")
    print(f"jieba segmentation:   {segment:6.3f} s  {chars / segment:9.0f} chars/s  (baseline)")
    print(f"annotate, all layers: {full:6.3f} s  {chars / full:9.0f} chars/s  ratio {full / segment:.2f}x baseline")


if __name__ == "__main__":
    main()
