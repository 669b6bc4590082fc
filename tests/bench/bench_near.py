"""Benchmark: near-duplicate text pairs (MinHash LSH, confirmed by exact Jaccard) at 1M rows.

Generates a seeded Parquet file of short texts (5 to 15 words drawn from a
vocabulary of 3,000 made-up words with Zipf-like frequencies) with planted
duplicates, scattered by a shuffle:

- near copies: 2% of the rows copy another text with its first or last word
  changed (Jaccard of 3-word shingles (n-3)/(n-1), 0.82 to 0.86: those bases have 12 to 15 words);
- exact copies: 2% copy a text word for word (with different case and punctuation);
- one hot text repeated by 5% of the rows (a band bucket that would make 10^9 pairs);

and a second file of ``--right-rows`` texts, 10% near and 10% exact copies of
texts of the first. Then, each in a child process of its own (so each peak RSS
is its own), it runs ``near_duplicate_pairs`` on a ``dataguard.common.sql.engine``
connection (256 MB ceiling, spilling): within the first file, and the first
against the second. It prints wall seconds, peak RSS, pairs written and the
recall of the planted pairs whose true Jaccard is at least the threshold (a
planted pair is found when the later row of it points at the earlier one with
its true Jaccard). A benchmark measures; it never asserts on time.

    .venv/bin/python -m tests.bench.bench_near --rows 1000000
    .venv/bin/python -m tests.bench.bench_near --rows 100000      # quick check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.bench.bench_validate import peak_rss_mib

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCRATCH = Path("/tmp/dataguard-bench-near")
RESULT_MARKER = "BENCH-RESULT "
GENERATOR_VERSION = 1
VOCABULARY = 3_000
NEAR_SHARE, EXACT_SHARE, HOT_SHARE = 0.02, 0.02, 0.05
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


# -- data ---------------------------------------------------------------------------------------------------


def vocabulary(rng: np.random.Generator) -> np.ndarray:
    """VOCABULARY distinct made-up words of two to four syllables."""
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5)))))
    return np.array(sorted(words))


def random_texts(rng: np.random.Generator, vocab: np.ndarray, count: int, least: int = 5) -> list[list[str]]:
    """``count`` texts of ``least`` to 15 words, word ranks Zipf-like (p ~ 1 / (rank + 10))."""
    weights = 1 / (np.arange(len(vocab)) + 10)
    picks = rng.choice(len(vocab), size=(count, 15), p=weights / weights.sum())
    lengths = rng.integers(least, 16, size=count)
    return [list(vocab[row[:n]]) for row, n in zip(picks, lengths, strict=True)]


def near_copy(rng: np.random.Generator, vocab: np.ndarray, words: list[str]) -> list[str]:
    """The words with the first or the last one replaced by another word."""
    copy = list(words)
    at = 0 if rng.random() < 0.5 else len(copy) - 1
    while copy[at] == words[at]:
        copy[at] = str(vocab[rng.integers(len(vocab))])
    return copy


def exact_copy(words: list[str]) -> str:
    """The same words, shouted and punctuated: the same shingles after normalisation."""
    return ", ".join(words).upper() + "!"


def shingles(words: list[str], k: int = 3) -> set[str]:
    words = [w.lower() for w in words]
    return {" ".join(words[i : i + k]) for i in range(max(len(words) - k + 1, 1))}


def jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def make_data(folder: Path, rows: int, right_rows: int, seed: int) -> dict[str, Any]:
    """Write left.parquet, right.parquet and planted.json (the planted pairs, by row id) unless there."""
    planted_path = folder / "planted.json"
    if planted_path.exists():
        return dict(json.loads(planted_path.read_text()))
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng)
    near_n, exact_n, hot_n = int(rows * NEAR_SHARE), int(rows * EXACT_SHARE), int(rows * HOT_SHARE)
    base_n = rows - near_n - exact_n - hot_n
    words = random_texts(rng, vocab, base_n - near_n - exact_n) + random_texts(rng, vocab, near_n + exact_n, 12)
    near_bases = range(len(words) - near_n - exact_n, len(words) - exact_n)
    exact_bases = range(len(words) - exact_n, len(words))
    texts = [" ".join(w) for w in words]
    near_words = [near_copy(rng, vocab, words[b]) for b in near_bases]
    texts += [" ".join(w) for w in near_words] + [exact_copy(words[b]) for b in exact_bases]
    texts += ["the one text everybody sends again and again"] * hot_n
    order = rng.permutation(rows)  # position -> source index; row ids are positions
    row_of = np.empty(rows, dtype=np.int64)
    row_of[order] = np.arange(rows)
    pq.write_table(pa.table({"_row_id": pa.array(range(rows), pa.int64()), "text": [texts[i] for i in order]}),
                   folder / "left.parquet")  # fmt: skip
    near_pairs = [
        (int(row_of[base_n + i]), int(row_of[b]), jaccard(near_words[i], words[b])) for i, b in enumerate(near_bases)
    ]
    exact_pairs = [(int(row_of[base_n + near_n + i]), int(row_of[b]), 1.0) for i, b in enumerate(exact_bases)]
    hot_rows = sorted(int(row_of[i]) for i in range(base_n + near_n + exact_n, rows))
    right, across = right_data(rng, vocab, words, row_of, right_rows, len(words) - near_n - exact_n)
    pq.write_table(right, folder / "right.parquet")
    planted = {"near": near_pairs, "exact": exact_pairs, "hot": hot_rows, "across": across}
    planted_path.write_text(json.dumps(planted))
    return planted


def right_data(
    rng: np.random.Generator, vocab: np.ndarray, words: list[list[str]], row_of: np.ndarray, rows: int, plain: int
) -> tuple[pa.Table, list[tuple[int, int, float]]]:
    """The right file: 10% near and 10% exact copies of plain left texts (of 12+ words), the rest new.

    Bases are drawn among the left texts of 12 words or more that are not themselves planted.
    """
    copies = rows // 10
    eligible = np.array([i for i in range(plain) if len(words[i]) >= 12])
    bases = rng.choice(eligible, size=2 * copies, replace=False)
    near_words = [near_copy(rng, vocab, words[b]) for b in bases[:copies]]
    texts = [" ".join(w) for w in near_words] + [exact_copy(words[b]) for b in bases[copies:]]
    texts += [" ".join(w) for w in random_texts(rng, vocab, rows - 2 * copies)]
    across = [(int(row_of[b]), i, jaccard(words[b], near_words[i])) for i, b in enumerate(bases[:copies])]
    across += [(int(row_of[b]), copies + i, 1.0) for i, b in enumerate(bases[copies:])]
    return pa.table({"_row_id": pa.array(range(rows), pa.int64()), "text": texts}), across


# -- measuring (in the child) -------------------------------------------------------------------------------


def run_engine(kind: str, folder: Path) -> dict[str, Any]:
    from dataguard.checks.near import near_duplicate_pairs
    from dataguard.common.sql import engine, quote_path
    from dataguard.spec.near import NearDuplicates

    near = NearDuplicates("text")
    left = f"read_parquet({quote_path(folder / 'left.parquet')})"
    right = f"read_parquet({quote_path(folder / 'right.parquet')})" if kind == "across" else None
    out = folder / f"pairs-{kind}.parquet"
    spill = folder / "spill"
    spill.mkdir(exist_ok=True)
    started = time.perf_counter()
    with engine(spill) as con:
        pairs = near_duplicate_pairs(con, left, right, near, out)
    return {"kind": kind, "wall_s": time.perf_counter() - started, "pairs": pairs, "peak_rss_mib": peak_rss_mib()}


def run_child(kind: str, folder: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.bench.bench_near", "--child", kind, "--scratch", str(folder)]
    print(f"  {kind} ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode != 0 or not found:
        return {"kind": kind, "error": f"child exited with {done.returncode}"}
    return dict(json.loads(found[-1][len(RESULT_MARKER) :]))


def recall(pairs_file: Path, planted: list[list[Any]], threshold: float, across: bool) -> dict[str, Any]:
    """Share of the planted pairs at the threshold that were written as (later -> earlier, true Jaccard)."""
    table = pq.read_table(pairs_file).to_pydict()
    rows = zip(table["left_row_id"], table["right_row_id"], table["jaccard"], strict=True)
    written = {(left, right): j for left, right, j in rows}
    due = [(a, b, j) for a, b, j in planted if j >= threshold]
    keys = [(a, b) if across else (max(a, b), min(a, b)) for a, b, _ in due]
    found = sum(written.get(key) == j for key, (_, _, j) in zip(keys, due, strict=True))
    return {"planted": len(planted), "at_threshold": len(due), "found": found, "recall": found / max(len(due), 1)}


def hot_found(pairs_file: Path, hot: list[int]) -> int:
    """How many later copies of the hot text point at its first copy with 1.0."""
    table = pq.read_table(pairs_file).to_pydict()
    first, rest = hot[0], set(hot[1:])
    return sum(
        left in rest and right == first and j == 1.0
        for left, right, j in zip(table["left_row_id"], table["right_row_id"], table["jaccard"], strict=True)
    )


# -- command line -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_near", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the first file")
    parser.add_argument("--right-rows", type=int, default=100_000, help="rows of the second file")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="data files and pairs written")
    parser.add_argument("--child", choices=["within", "across"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(RESULT_MARKER + json.dumps(run_engine(args.child, args.scratch)), flush=True)
        return 0
    folder = args.scratch.resolve() / f"rows{args.rows}-right{args.right_rows}-seed{args.seed}-g{GENERATOR_VERSION}"
    started = time.perf_counter()
    planted = make_data(folder, args.rows, args.right_rows, args.seed)
    print(f"data: {folder} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    threshold = 0.8
    runs = [run_child("within", folder), run_child("across", folder)]
    print(f"\n{'run':<8} {'rows':>20} {'wall s':>8} {'peak RSS MiB':>13} {'pairs':>9}  recall (found / planted at 0.8)")
    for run in runs:
        rows = f"{args.rows:,}" + (f" x {args.right_rows:,}" if run["kind"] == "across" else "")
        if "error" in run:
            print(f"{run['kind']:<8} {rows:>20} {run['error']}")
            continue
        out = folder / f"pairs-{run['kind']}.parquet"
        if run["kind"] == "within":
            near, exact = (recall(out, planted[k], threshold, across=False) for k in ("near", "exact"))
            hot = hot_found(out, planted["hot"])
            found = ", ".join([
                f"near {near['found']:,}/{near['at_threshold']:,}",
                f"exact {exact['found']:,}/{exact['at_threshold']:,}",
                f"hot {hot:,}/{len(planted['hot']) - 1:,}",
            ])  # fmt: skip
        else:
            both = recall(out, planted["across"], threshold, across=True)
            found = f"near+exact {both['found']:,}/{both['at_threshold']:,}"
        figures = f"{run['wall_s']:>8.1f} {run['peak_rss_mib']:>13.0f} {run['pairs']:>9,}"
        print(f"{run['kind']:<8} {rows:>20} {figures}  {found}")
    return 1 if any("error" in run for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
