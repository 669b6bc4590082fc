"""Near-duplicate texts: MinHash LSH proposes candidate pairs, their exact Jaccard confirms them. All in DuckDB.

Normalisation: a row's text columns are cast to text and joined with a space (a NULL column adds
nothing), lower-cased and split into words on every run of characters that are neither letters nor
digits (RE2's ``\\p{L}`` and ``\\p{N}``, so "Café-au-lait!" is ``café au lait``); empty words are
dropped. A shingle is ``k`` consecutive words joined by a space; a text of fewer than ``k`` words,
but at least one, is one shingle of all its words. A row's shingles are a set. A NULL or word-less
text has no shingles and is never a near-duplicate of anything.

Pairs: (left_row_id, right_row_id, jaccard), jaccard = |A & B| / |A | B| of the two shingle sets,
at least the threshold, one pair at most per left row: its best match, the highest jaccard, ties
going to the smallest right_row_id. Between two relations every left row may match any right row;
within one relation a row is matched only with earlier rows (right_row_id < left_row_id), so a pair
is reported once and a row never with itself. Every pair is confirmed with its exact Jaccard: no
pair is false; LSH may miss one with the probability ``NearDuplicates.miss_probability`` gives
(then a row's written match may be a lesser, still true, one; a row with an identical earlier set is
never missed: those are grouped exactly, not by LSH).

Why it stays within DuckDB's memory ceiling at any size: rows with the same shingle set are grouped
first (by a 64-bit hash of the sorted set, checked against the group's first set: ``GROUPING``), and
LSH runs over one representative per distinct set, the group's smallest _row_id. A text repeated 100,000
times is one representative: its copies point at it (jaccard 1.0) instead of making 10^10 candidate
pairs. Each stage writes a Parquet file into a scratch folder next to ``out``; the groupings, joins
and sorts spill to DuckDB's temp directory (``dataguard.common.sql.engine``).

What it does not bound: many distinct texts that are all similar to one another (one template with
a different word in each of 100,000 rows) share band buckets, and the candidate pairs of a bucket
grow as the square of its size; each is confirmed, so the time does too.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dataguard.common.sql import quote_ident
from dataguard.spec.near import NearDuplicates
from dataguard.spec.source import ROW_ID

NOT_A_WORD = r"[^\p{L}\p{N}]+"
SEED = 20261206
"""Seeds the MinHash functions: the same signatures, so the same pairs, on every run and machine."""


def near_duplicate_pairs(
    con: duckdb.DuckDBPyConnection, left: str, right: str | None, near: NearDuplicates, out: Path
) -> int:
    """Write the near-duplicate pairs of ``left`` (with itself when ``right`` is None) to ``out``; how many.

    ``left`` and ``right`` are SQL relations (a subquery or a table function call) with a BIGINT
    ``_row_id`` and ``near.columns``. ``out`` is a Parquet file of left_row_id BIGINT, right_row_id
    BIGINT, jaccard DOUBLE, sorted by left_row_id, right_row_id. See the module's docstring.
    """
    with tempfile.TemporaryDirectory(prefix=".near-", dir=out.parent) as scratch:
        work = Path(scratch)
        left_side = _grouped_sets(con, left, near, work / "left")
        if right is None:
            best = _best_within(con, left_side, near, work)
            pairs, params = _expanded_within(left_side, best)
        else:
            right_side = _grouped_sets(con, right, near, work / "right")
            best = _best_across(con, left_side, right_side, near, work)
            pairs, params = _expanded_across(left_side, best)
        return _copy(con, f"{pairs} ORDER BY left_row_id, right_row_id", out, params)


# -- one side: shingle sets, grouped by identical set ---------------------------------------------------------


def shingle_sets_sql(relation: str, near: NearDuplicates) -> str:
    """row_id, shingles (the sorted distinct shingles), h (their hash) of each row with at least one word."""
    text = " || ' ' || ".join(f"coalesce(CAST({quote_ident(c)} AS VARCHAR), '')" for c in near.columns)
    words = f"list_filter(regexp_split_to_array(lower({text}), $not_a_word), lambda w: w <> '')"
    shingles = """CASE WHEN len(words) < $k THEN [array_to_string(words, ' ')]
                       ELSE list_transform(range(1, len(words) - $k + 2),
                                           lambda i: array_to_string(list_slice(words, i, i + $k - 1), ' ')) END"""
    return f"""SELECT row_id, shingles, hash(shingles) AS h FROM (
                   SELECT row_id, list_sort(list_distinct({shingles})) AS shingles FROM (
                       SELECT CAST({quote_ident(ROW_ID)} AS BIGINT) AS row_id, {words} AS words FROM {relation})
                   WHERE len(words) > 0)"""


@dataclass(frozen=True)
class Side:
    """One relation's rows grouped by shingle set, as two Parquet files.

    members: row_id, rep of every row with shingles; rep is the smallest row_id with the same set.
    reps: rep, shingles of each distinct set, the only rows LSH and the Jaccard read.
    """

    members: Path
    reps: Path


GROUPING = (
    ("repeated", "SELECT h FROM read_parquet($sets) GROUP BY h HAVING count(*) > 1"),
    (
        "firsts",
        """SELECT s.h, s.row_id AS first, s.shingles FROM read_parquet($sets) s
           SEMI JOIN (SELECT min(row_id) AS row_id FROM read_parquet($sets)
                      WHERE h IN (SELECT h FROM read_parquet($repeated)) GROUP BY h) f USING (row_id)""",
    ),
    (
        "members",
        """SELECT s.row_id, CASE WHEN f.shingles = s.shingles THEN f.first ELSE s.row_id END AS rep
           FROM read_parquet($sets) s LEFT JOIN read_parquet($firsts) f ON f.h = s.h""",
    ),
    (
        "reps",
        """SELECT row_id AS rep, shingles FROM read_parquet($sets) s
           ANTI JOIN (SELECT row_id FROM read_parquet($members) WHERE row_id <> rep) copies USING (row_id)""",
    ),
)
"""Grouping a side's sets, one query a step, each reading the files of the steps before it ($name).

Rows are grouped by the hash of their set, and a row whose hash repeats joins the group's first row
when its set is that row's set. Nothing groups or sorts by the sets themselves (DuckDB holds such
keys in memory); only the first row's set of each repeated hash is held, in the join. A row whose
hash collides with a different set's stays a representative of its own: LSH still pairs it with an
identical set (identical sets have identical signatures), so the result is exact either way.
"""


def _grouped_sets(con: duckdb.DuckDBPyConnection, relation: str, near: NearDuplicates, stem: Path) -> Side:
    """The relation's rows with at least one shingle, grouped by identical shingle set."""
    files = {name: str(stem.with_name(f"{stem.name}-{name}.parquet")) for name in ("sets", *dict(GROUPING))}
    params = {"not_a_word": NOT_A_WORD, "k": near.shingle_words}
    _copy(con, shingle_sets_sql(relation, near), Path(files["sets"]), params)
    for name, query in GROUPING:
        _copy(con, query, Path(files[name]), {read: path for read, path in files.items() if f"${read}" in query})
    for name in ("sets", "repeated", "firsts"):
        Path(files[name]).unlink()
    return Side(Path(files["members"]), Path(files["reps"]))


SIGNATURE = """list_transform(CAST($seeds AS UBIGINT[]),
                              lambda seed: list_min(list_transform(hashes, lambda x: hash(xor(x, seed)))))"""
"""The MinHash signature of a list ``hashes`` (the 64-bit hashes of a set's shingles), given ``$seeds``.

Function i is the minimum over the shingles of hash(hash(shingle) XOR seed_i). DuckDB's hash of a
64-bit integer is an avalanche mixer (MurmurHash's finalizer), so XOR with independent random seeds
before it gives functions that behave as independent ones: ``tests/test_near.py`` checks that the
share of functions on which two sets agree estimates their Jaccard.
"""


def band_keys_sql() -> str:
    """rep, key: one row per representative and LSH band; equal keys make a candidate pair.

    A band's key hashes its number with its ``$r`` minima, so equal minima in different bands do not meet.
    """
    keys = "list_transform(range($bands), lambda b: hash(b, list_slice(signature, b * $r + 1, b * $r + $r)))"
    return f"""SELECT rep, unnest({keys}) AS key FROM (
                   SELECT rep, {SIGNATURE} AS signature FROM (
                       SELECT rep, list_transform(shingles, lambda s: hash(s)) AS hashes
                       FROM read_parquet($reps)))"""


def minhash_seeds(near: NearDuplicates) -> list[int]:
    """The 64-bit seeds of the ``near.hash_count`` MinHash functions (fixed: see SEED)."""
    draw = random.Random(SEED)
    return [draw.getrandbits(64) for _ in range(near.hash_count)]


def _band_keys(con: duckdb.DuckDBPyConnection, side: Side, near: NearDuplicates) -> Path:
    out = side.reps.with_name(side.reps.name.replace("-reps", "-bands"))
    params = {"reps": str(side.reps), "seeds": minhash_seeds(near), "bands": near.bands, "r": near.rows_per_band}
    _copy(con, band_keys_sql(), out, params)
    return out


# -- candidates, their exact Jaccard, the best per left representative ----------------------------------------


def _best_within(con: duckdb.DuckDBPyConnection, side: Side, near: NearDuplicates, work: Path) -> Path:
    """left_rep, right_rep, jaccard: each representative's best earlier representative at the threshold.

    Only keys that repeat are joined: most of the (representatives x bands) keys are unique.
    """
    bands = _band_keys(con, side, near)
    query = """
        WITH b AS (SELECT * FROM read_parquet($bands)),
             shared AS (SELECT key FROM b GROUP BY key HAVING count(*) > 1),
             hits AS (SELECT * FROM b WHERE key IN (SELECT key FROM shared))
        SELECT DISTINCT l.rep AS left_rep, r.rep AS right_rep
        FROM hits l JOIN hits r ON l.key = r.key AND l.rep > r.rep"""
    candidates = _copy_to(con, query, {"bands": str(bands)}, work / "candidates.parquet")
    return _confirmed_best(con, candidates, side, side, near, work)


def _best_across(con: duckdb.DuckDBPyConnection, left: Side, right: Side, near: NearDuplicates, work: Path) -> Path:
    """left_rep, right_rep, jaccard: each left representative's best right representative at the threshold.

    Identical sets have identical signatures, so they share every band: LSH always proposes them.
    """
    left_bands, right_bands = _band_keys(con, left, near), _band_keys(con, right, near)
    query = """SELECT DISTINCT l.rep AS left_rep, r.rep AS right_rep
               FROM read_parquet($left_bands) l JOIN read_parquet($right_bands) r ON l.key = r.key"""
    params = {"left_bands": str(left_bands), "right_bands": str(right_bands)}
    candidates = _copy_to(con, query, params, work / "candidates.parquet")
    return _confirmed_best(con, candidates, left, right, near, work)


def _confirmed_best(
    con: duckdb.DuckDBPyConnection, candidates: Path, left: Side, right: Side, near: NearDuplicates, work: Path
) -> Path:
    """The candidates' exact Jaccard; those at the threshold; per left_rep the best (ties: smallest right_rep).

    The sets are distinct and sorted lists, so |A & B| is the length of their list intersection. The
    sets of the candidates are copied out first, so the joins that pair them hold those sets only.
    """
    left_sets = _candidate_sets(con, candidates, "left_rep", left, work / "left-candidate-sets.parquet")
    right_sets = _candidate_sets(con, candidates, "right_rep", right, work / "right-candidate-sets.parquet")
    query = """
        WITH scored AS (
                 SELECT c.left_rep, c.right_rep, len(list_intersect(a.shingles, b.shingles)) AS common,
                        len(a.shingles) + len(b.shingles) - common AS total
                 FROM read_parquet($candidates) c JOIN read_parquet($left_sets) a ON a.rep = c.left_rep
                                                  JOIN read_parquet($right_sets) b ON b.rep = c.right_rep),
             kept AS (SELECT left_rep, right_rep, CAST(common AS DOUBLE) / total AS jaccard FROM scored
                      WHERE CAST(common AS DOUBLE) / total >= $threshold)
        SELECT * FROM kept QUALIFY row_number() OVER (PARTITION BY left_rep ORDER BY jaccard DESC, right_rep) = 1"""
    params = {"candidates": str(candidates), "left_sets": str(left_sets), "right_sets": str(right_sets)}
    return _copy_to(con, query, params | {"threshold": float(near.threshold)}, work / "best.parquet")


def _candidate_sets(con: duckdb.DuckDBPyConnection, candidates: Path, column: str, side: Side, out: Path) -> Path:
    """rep, shingles of the representatives named in the candidates' ``column``."""
    query = f"""SELECT rep, shingles FROM read_parquet($reps)
                WHERE rep IN (SELECT {quote_ident(column)} FROM read_parquet($candidates))"""
    return _copy_to(con, query, {"reps": str(side.reps), "candidates": str(candidates)}, out)


# -- back from representatives to rows ------------------------------------------------------------------------


def _expanded_within(side: Side, best: Path) -> tuple[str, dict[str, Any]]:
    """Each copy of a set points at its representative (1.0); each representative at its best earlier one."""
    query = """SELECT row_id AS left_row_id, rep AS right_row_id, 1.0::DOUBLE AS jaccard
               FROM read_parquet($members) WHERE row_id <> rep
               UNION ALL
               SELECT left_rep, right_rep, jaccard FROM read_parquet($best)"""
    return query, {"members": str(side.members), "best": str(best)}


def _expanded_across(side: Side, best: Path) -> tuple[str, dict[str, Any]]:
    """Every left row takes its representative's best right row."""
    query = """SELECT m.row_id AS left_row_id, b.right_rep AS right_row_id, b.jaccard
               FROM read_parquet($members) m JOIN read_parquet($best) b ON b.left_rep = m.rep"""
    return query, {"members": str(side.members), "best": str(best)}


# -- writing ----------------------------------------------------------------------------------------------------


def _copy(con: duckdb.DuckDBPyConnection, query: str, out: Path, params: dict[str, Any]) -> int:
    """COPY the query's rows to a Parquet file; how many. The result is fetched whole (it is one row)."""
    row = con.execute(f"COPY ({query}) TO $out (FORMAT parquet)", params | {"out": str(out)}).fetchone()
    return int(row[0]) if row else 0


def _copy_to(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any], out: Path) -> Path:
    _copy(con, query, out, params)
    return out
