"""Near-duplicate texts: exact pairs on hand-made texts, brute force on random ones, the settings' errors."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataguard.checks.near import SIGNATURE, minhash_seeds, near_duplicate_pairs
from dataguard.common.sql import engine, quote_path
from dataguard.errors import ContractError
from dataguard.spec.near import NearDuplicates

Pair = tuple[int, int, float]


def shingle_set(text: str | None, k: int = 3) -> set[str]:
    """The engine's normalisation, in Python: lower-cased runs of letters and digits, k at a time."""
    words = re.findall(r"[^\W_]+", (text or "").lower())
    if not words:
        return set()
    return {" ".join(words[i : i + k]) for i in range(max(len(words) - k + 1, 1))}


def jaccard(a: str | None, b: str | None, k: int = 3) -> float:
    sa, sb = shingle_set(a, k), shingle_set(b, k)
    return len(sa & sb) / len(sa | sb)


def relation(folder: Path, name: str, **columns: Sequence[str | None]) -> str:
    """A Parquet file of these columns with _row_id 0, 1, ...; the SQL that reads it."""
    rows = len(next(iter(columns.values())))
    table = pa.table(
        {"_row_id": pa.array(range(rows), pa.int64())} | {c: pa.array(v, pa.string()) for c, v in columns.items()}
    )
    path = folder / f"{name}.parquet"
    pq.write_table(table, path)
    return f"read_parquet({quote_path(path)})"


def found(folder: Path, left: str, right: str | None, near: NearDuplicates) -> list[Pair]:
    out = folder / "pairs.parquet"
    with duckdb.connect() as con:
        count = near_duplicate_pairs(con, left, right, near, out)
    table = pq.read_table(out)
    assert table.num_rows == count
    return [(row["left_row_id"], row["right_row_id"], row["jaccard"]) for row in table.to_pylist()]


def within(folder: Path, texts: Sequence[str | None], **settings: float) -> list[Pair]:
    return found(folder, relation(folder, "texts", text=texts), None, NearDuplicates("text", **settings))  # type: ignore[arg-type]


FOX = "the quick brown fox jumps over the lazy dog"
FOX_CAT = "the quick brown fox jumps over the lazy cat"  # 6 of 8 shingles shared: 0.75
FOX_OTHER = "a quick brown fox jumps over the lazy dog"  # 6 of 8: 0.75
LETTERS = "a b c d e f g h i j"
LETTERS_K = "a b c d e f g h i k"  # 7 of 9: 0.777...


# -- pairs and their Jaccard ----------------------------------------------------------------------------------


def test_pairs_at_or_above_the_threshold_with_their_exact_jaccard(tmp_path: Path) -> None:
    texts = [FOX, LETTERS, FOX_CAT, "nothing like the others at all", LETTERS_K]
    assert within(tmp_path, texts, threshold=0.75) == [
        (2, 0, jaccard(FOX_CAT, FOX)),
        (4, 1, jaccard(LETTERS_K, LETTERS)),
    ]
    assert jaccard(FOX_CAT, FOX) == 0.75
    assert jaccard(LETTERS_K, LETTERS) == 7 / 9


def test_pairs_below_the_threshold_are_not_written(tmp_path: Path) -> None:
    assert within(tmp_path, [FOX, LETTERS, FOX_CAT, LETTERS_K], threshold=0.76) == [(3, 1, 7 / 9)]
    assert within(tmp_path, [FOX, LETTERS, FOX_CAT, LETTERS_K], threshold=0.8) == []


def test_within_one_relation_each_pair_once_later_row_to_earlier_never_itself(tmp_path: Path) -> None:
    assert within(tmp_path, [FOX, FOX, FOX_CAT], threshold=0.7) == [(1, 0, 1.0), (2, 0, 0.75)]


def test_best_earlier_match_highest_jaccard_then_smallest_row_id(tmp_path: Path) -> None:
    texts = ["unrelated words here and there", FOX_CAT, FOX_OTHER, FOX, FOX_CAT + " too"]
    assert jaccard(FOX_OTHER, FOX_CAT) == 5 / 9  # below 0.6: row 2 has no earlier match
    assert (jaccard(FOX, FOX_CAT), jaccard(FOX, FOX_OTHER)) == (0.75, 0.75)  # a tie: row 3 takes the smaller id
    assert (jaccard(texts[4], FOX_CAT), jaccard(texts[4], FOX)) == (7 / 8, 2 / 3)  # row 4 takes the higher
    assert within(tmp_path, texts, threshold=0.6) == [(3, 1, 0.75), (4, 1, 7 / 8)]


def test_two_relations_every_left_row_takes_its_best_right_row(tmp_path: Path) -> None:
    left = relation(tmp_path, "left", text=[FOX, LETTERS, "alone here", FOX, None])
    right = relation(tmp_path, "right", text=[FOX_CAT, LETTERS_K, FOX_OTHER, FOX, FOX])
    assert found(tmp_path, left, right, NearDuplicates("text", threshold=0.7)) == [
        (0, 3, 1.0),  # the same text twice on the right: the first
        (1, 1, 7 / 9),
        (3, 3, 1.0),
    ]


def test_two_relations_a_row_may_pair_with_the_same_row_id_on_the_other_side(tmp_path: Path) -> None:
    side = relation(tmp_path, "side", text=[FOX, LETTERS])
    assert found(tmp_path, side, side, NearDuplicates("text")) == [(0, 0, 1.0), (1, 1, 1.0)]


# -- normalisation --------------------------------------------------------------------------------------------


def test_null_empty_and_wordless_texts_are_never_near_duplicates(tmp_path: Path) -> None:
    assert within(tmp_path, [None, "", None, "", "  ...!?  ", "--", "x"], threshold=0.01) == []


def test_case_punctuation_and_spacing_do_not_count(tmp_path: Path) -> None:
    texts = ["The QUICK, brown fox -- jumps!!", "the quick brown fox jumps", "the\tquick\nbrown...fox jumps?"]
    assert within(tmp_path, texts) == [(1, 0, 1.0), (2, 0, 1.0)]


def test_letters_and_digits_of_any_script_are_words(tmp_path: Path) -> None:
    texts = ["Café au lait, 2 Stück", "café-au-lait 2 STÜCK", "cafe au lait 2 stuck"]
    assert jaccard(texts[0], texts[2]) == 1 / 5  # "stück" is one word, "stuck" another
    assert within(tmp_path, texts, threshold=0.3) == [(1, 0, 1.0)]


def test_a_text_shorter_than_k_words_is_one_shingle(tmp_path: Path) -> None:
    texts = ["hello world", "Hello, world!", "hello", "world hello", "hello world again"]
    # "hello world again" is one 3-word shingle, not "hello world": no pair with rows 0 and 1
    assert within(tmp_path, texts, threshold=0.1) == [(1, 0, 1.0)]


def test_repeated_shingles_count_once(tmp_path: Path) -> None:
    texts = ["a b a b a b", "a b a b"]  # {a b a, b a b} both
    assert within(tmp_path, texts) == [(1, 0, 1.0)]


def test_several_columns_are_joined_with_a_space(tmp_path: Path) -> None:
    left = relation(
        tmp_path,
        "cols",
        title=["the quick brown", "the quick brown fox", None, "jumps over", None],
        body=["fox jumps over the lazy dog", "jumps over the lazy dog", FOX, None, None],
    )
    assert found(tmp_path, left, None, NearDuplicates(["title", "body"])) == [(1, 0, 1.0), (2, 0, 1.0)]


def test_shingle_words_sets_k(tmp_path: Path) -> None:
    texts = ["a b c d", "d c b a"]  # as words (k=1) the same set, as pairs of words nothing in common
    assert within(tmp_path, texts, shingle_words=1) == [(1, 0, 1.0)]
    assert within(tmp_path, texts, shingle_words=2, threshold=0.01) == []


# -- scale of duplicates --------------------------------------------------------------------------------------


def test_many_identical_texts_point_at_the_first(tmp_path: Path) -> None:
    texts = [FOX if i % 2 == 0 else "The quick brown FOX jumps over the lazy dog!" for i in range(2_000)]
    assert within(tmp_path, texts) == [(i, 0, 1.0) for i in range(1, 2_000)]


def test_many_identical_texts_on_both_sides(tmp_path: Path) -> None:
    left = relation(tmp_path, "left", text=[FOX_CAT] * 3 + [FOX] * 2_000)
    right = relation(tmp_path, "right", text=[LETTERS] + [FOX] * 2_000 + [FOX_CAT])
    expected = [(i, 2_001, 1.0) for i in range(3)] + [(i, 1, 1.0) for i in range(3, 2_003)]
    assert found(tmp_path, left, right, NearDuplicates("text")) == expected


def test_runs_on_an_engine_connection(tmp_path: Path) -> None:
    texts = relation(tmp_path, "texts", text=[FOX, LETTERS, FOX_CAT, FOX])
    (tmp_path / "out").mkdir()
    with engine(tmp_path) as con:
        count = near_duplicate_pairs(
            con, texts, None, NearDuplicates("text", threshold=0.75), tmp_path / "out" / "p.pq"
        )
    assert count == 2
    assert pq.read_table(tmp_path / "out" / "p.pq").to_pylist() == [
        {"left_row_id": 2, "right_row_id": 0, "jaccard": 0.75},
        {"left_row_id": 3, "right_row_id": 0, "jaccard": 1.0},
    ]


def test_the_output_file_has_its_types_even_when_empty(tmp_path: Path) -> None:
    within(tmp_path, [None, FOX])
    schema = pq.read_schema(tmp_path / "pairs.parquet")
    assert [(f.name, f.type) for f in schema] == [
        ("left_row_id", pa.int64()),
        ("right_row_id", pa.int64()),
        ("jaccard", pa.float64()),
    ]
    assert pq.read_table(tmp_path / "pairs.parquet").num_rows == 0


def test_scratch_files_are_removed(tmp_path: Path) -> None:
    within(tmp_path, [FOX, FOX])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.parquet", "texts.parquet"]


# -- against brute force --------------------------------------------------------------------------------------

VOCABULARY = ("red", "green", "blue", "cyan", "pink", "gray")
texts_strategy = st.lists(
    st.one_of(st.none(), st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join)), min_size=1, max_size=14
)


def brute_within(texts: Sequence[str | None], k: int, threshold: float) -> list[Pair]:
    """Each row's best earlier row (highest Jaccard, then smallest id) at the threshold, all pairs tried."""
    pairs = []
    for i, j in itertools.combinations(range(len(texts)), 2):
        if shingle_set(texts[i], k) and shingle_set(texts[j], k):
            pairs.append((j, i, jaccard(texts[j], texts[i], k)))
    return _best(pairs, threshold)


def brute_across(left: Sequence[str | None], right: Sequence[str | None], k: int, threshold: float) -> list[Pair]:
    pairs = []
    for i, j in itertools.product(range(len(left)), range(len(right))):
        if shingle_set(left[i], k) and shingle_set(right[j], k):
            pairs.append((i, j, jaccard(left[i], right[j], k)))
    return _best(pairs, threshold)


def _best(pairs: list[Pair], threshold: float) -> list[Pair]:
    best: dict[int, Pair] = {}
    for pair in pairs:
        kept = best.get(pair[0])
        if pair[2] >= threshold and (kept is None or (pair[2], -pair[1]) > (kept[2], -kept[1])):
            best[pair[0]] = pair
    return sorted(best.values())


# 64 bands of one hash: a pair of Jaccard s >= 0.5 is missed with probability (1 - s) ** 64 <= 5e-20,
# so the engine must equal brute force (the seeds are fixed: a failure would fail again).
SURE = {"bands": 64, "rows_per_band": 1}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=texts_strategy, k=st.integers(1, 3), threshold=st.sampled_from([0.5, 0.6, 0.75, 1.0]))
def test_within_equals_brute_force(tmp_path: Path, texts: list[str | None], k: int, threshold: float) -> None:
    near = NearDuplicates("text", threshold=threshold, shingle_words=k, **SURE)
    assert found(tmp_path, relation(tmp_path, "t", text=texts), None, near) == brute_within(texts, k, threshold)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(left=texts_strategy, right=texts_strategy, k=st.integers(1, 3), threshold=st.sampled_from([0.5, 0.8]))
def test_across_equals_brute_force(
    tmp_path: Path, left: list[str | None], right: list[str | None], k: int, threshold: float
) -> None:
    near = NearDuplicates("text", threshold=threshold, shingle_words=k, **SURE)
    got = found(tmp_path, relation(tmp_path, "l", text=left), relation(tmp_path, "r", text=right), near)
    assert got == brute_across(left, right, k, threshold)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=texts_strategy, k=st.integers(1, 3))
def test_default_lsh_never_reports_a_false_pair_and_never_misses_an_identical_set(
    tmp_path: Path, texts: list[str | None], k: int
) -> None:
    """With the default 20 bands of 5 a pair may be missed, but what is written is always true.

    A row with an earlier identical shingle set always points at the first such row: sets are grouped before LSH.
    """
    got = found(
        tmp_path, relation(tmp_path, "t", text=texts), None, NearDuplicates("text", threshold=0.5, shingle_words=k)
    )
    for left, right, j in got:
        assert right < left
        assert j == jaccard(texts[left], texts[right], k)
        assert j >= 0.5
    assert len({left for left, _, _ in got}) == len(got)
    assert [pair for pair in got if pair[2] == 1.0] == brute_within(texts, k, 1.0)


# -- the hash functions ---------------------------------------------------------------------------------------


def signature(con: duckdb.DuckDBPyConnection, shingles: Sequence[str], near: NearDuplicates) -> list[int]:
    query = f"SELECT {SIGNATURE} FROM (SELECT list_transform($shingles, lambda s: hash(s)) AS hashes)"
    row = con.execute(query, {"seeds": minhash_seeds(near), "shingles": list(shingles)}).fetchone()
    assert row is not None
    return list(row[0])


def test_the_hash_functions_differ() -> None:
    near = NearDuplicates("text")
    with duckdb.connect() as con:
        values = signature(con, sorted(shingle_set(FOX)), near)
    assert len(values) == near.hash_count == 100
    assert len(set(values)) == 100


def test_the_share_of_agreeing_functions_estimates_the_jaccard() -> None:
    """1,000 functions on sets of Jaccard 1/3: the share that agree is 1/3 within 4 standard deviations (0.06)."""
    near = NearDuplicates("text", bands=1_000, rows_per_band=1)
    a = [f"word{i}" for i in range(0, 300)]
    b = [f"word{i}" for i in range(150, 450)]  # 150 common of 450
    with duckdb.connect() as con:
        agree = sum(x == y for x, y in zip(signature(con, a, near), signature(con, b, near), strict=True))
    assert abs(agree / 1_000 - 1 / 3) < 0.06


# -- the settings ---------------------------------------------------------------------------------------------


def test_settings_defaults_and_hash_count() -> None:
    near = NearDuplicates("text")
    assert near.columns == ("text",)
    assert (near.threshold, near.shingle_words, near.bands, near.rows_per_band, near.hash_count) == (0.8, 3, 20, 5, 100)
    assert (1 / near.bands) ** (1 / near.rows_per_band) < 0.56
    assert near.miss_probability() == (1 - 0.8**5) ** 20
    assert 3.5e-4 < near.miss_probability() < 3.7e-4


def test_columns_become_a_tuple() -> None:
    assert NearDuplicates(["a", "b"]).columns == ("a", "b")
    assert NearDuplicates(("a",)).columns == ("a",)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"columns": []}, "near duplicates: columns=[] must name at least one text column"),
        ({"columns": ""}, "near duplicates: columns='' must name at least one text column"),
        ({"columns": ["a", ""]}, "near duplicates: columns=['a', ''] must name at least one text column"),
        ({"threshold": 0}, "near duplicates: threshold=0 must be a number in (0, 1]"),
        ({"threshold": 1.5}, "near duplicates: threshold=1.5 must be a number in (0, 1]"),
        ({"threshold": float("nan")}, "near duplicates: threshold=nan must be a number in (0, 1]"),
        ({"threshold": "0.8"}, "near duplicates: threshold='0.8' must be a number in (0, 1]"),
        ({"shingle_words": 0}, "near duplicates: shingle_words=0 must be a whole number >= 1"),
        ({"bands": -1}, "near duplicates: bands=-1 must be a whole number >= 1"),
        ({"rows_per_band": 2.0}, "near duplicates: rows_per_band=2.0 must be a whole number >= 1"),
        ({"bands": True}, "near duplicates: bands=True must be a whole number >= 1"),
    ],
)
def test_settings_errors_say_what_is_valid(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ContractError) as raised:
        NearDuplicates(**({"columns": "text"} | settings))  # type: ignore[arg-type]
    assert raised.value.message == message
