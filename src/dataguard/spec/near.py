"""What "nearly the same text" means: the settings of the near-duplicate check. Engine-free."""

from __future__ import annotations

from dataclasses import dataclass

from dataguard.errors import ContractError


@dataclass(frozen=True)
class NearDuplicates:
    """Rows whose text is nearly the same: Jaccard similarity of their word shingles at least `threshold`.

    columns: the text column(s); several are joined with a space (a NULL column adds no words);
        a lone string is one column.
    threshold: the least Jaccard similarity |A & B| / |A | B| of two rows' shingle sets, 0 < t <= 1.
    shingle_words: words per shingle (k); a text of fewer words (but at least one) is one shingle.
    bands, rows_per_band: the MinHash LSH that proposes candidate pairs, ``bands * rows_per_band``
        hash functions. Every candidate is then confirmed with its exact Jaccard, so a reported
        pair is never a false one; LSH can only miss pairs. Two sets of similarity ``s`` share at
        least one band, and so become candidates, with probability ``1 - (1 - s**r) ** b``
        (``r = rows_per_band``, ``b = bands``): an S-curve whose steepest point sits near
        ``(1 / b) ** (1 / r)``.

    The defaults (20 bands of 5, 100 hash functions) put that point at 0.55, well below the
    default threshold 0.8: a pair at exactly 0.8 is found with probability 1 - (1 - 0.8**5)**20
    = 0.99964 (missed with probability 3.6e-4), at 0.85 missed with 8.1e-6, at 0.9 with 1.8e-8;
    a pair at 0.5 becomes a candidate with probability 0.47 only to be dropped by its exact Jaccard.
    With a threshold of your own, keep ``(1 / b) ** (1 / r)`` well below it (``miss_probability``).
    """

    columns: tuple[str, ...] | list[str] | str
    threshold: float = 0.8
    shingle_words: int = 3
    bands: int = 20
    rows_per_band: int = 5

    def __post_init__(self) -> None:
        columns = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
        if not columns or not all(isinstance(c, str) and c for c in columns):
            raise ContractError(
                f"near duplicates: columns={self.columns!r} must name at least one text column",
                hint="give one column as a string, or several as a list of non-empty names",
            )
        object.__setattr__(self, "columns", columns)
        if not _is_number(self.threshold) or not 0 < self.threshold <= 1:
            raise ContractError(f"near duplicates: threshold={self.threshold!r} must be a number in (0, 1]")
        for name in ("shingle_words", "bands", "rows_per_band"):
            value = getattr(self, name)
            if not _is_whole(value) or value < 1:
                raise ContractError(f"near duplicates: {name}={value!r} must be a whole number >= 1")

    @property
    def hash_count(self) -> int:
        """How many MinHash functions the signature of a text has: ``bands * rows_per_band``."""
        return self.bands * self.rows_per_band

    def miss_probability(self, similarity: float | None = None) -> float:
        """Probability that LSH misses a pair of this similarity (default: the threshold): ``(1 - s**r) ** b``."""
        s = self.threshold if similarity is None else similarity
        return float((1 - s**self.rows_per_band) ** self.bands)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
