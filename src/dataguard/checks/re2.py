"""Python regular expressions as RE2 (DuckDB's engine), for the subset both read alike."""

from __future__ import annotations

import re
from typing import Any

RE2_REPEAT_LIMIT = 1000


def re2_pattern(pattern: str, anchored: bool) -> str | None:
    """An RE2 pattern that matches exactly where Python's ``re.match`` (or ``re.search``) does.

    Only a subset is translated: literals, ``.``, classes of literals and
    ranges, groups, alternation, repetition, ``^`` and a final ``$``. Classes
    like ``\\d`` or ``\\w`` are Unicode-aware in Python and ASCII in RE2, inline
    flags and look-arounds differ or do not exist: those patterns return None.
    Python's ``$`` also matches before a final newline, so a final ``$``
    becomes ``\\n?$`` (RE2's ``$`` is the end of the text).
    """
    parsed = _parse(pattern)
    if parsed is None or not _safe_text(pattern) or not _safe_items(list(parsed), top_level=True):
        return None
    body = pattern
    if len(parsed) and parsed[-1] == (_AT, _AT_END):
        body = pattern[:-1] + "(?:\n?$)"
    return f"^(?:{body})" if anchored else body


_ESCAPABLE = set("\\.^$|?*+()[]{}-/nrtf&~# '\"!,:;<=>@`%")


def _safe_text(pattern: str) -> bool:
    """No escapes or brace forms that Python and RE2 read differently."""
    escapes = re.findall(r"\\(.)", pattern, flags=re.DOTALL)
    if any(ch not in _ESCAPABLE for ch in escapes):
        return False
    braces = re.sub(r"\{\d+(,\d*)?\}", "", pattern)
    return "{" not in braces and "}" not in braces and "[:" not in pattern and "(?" not in pattern.replace("(?:", "")


def _parse(pattern: str) -> Any:
    import warnings

    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python < 3.11 is not supported anyway
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = sre_parse.parse(pattern)
    except (re.error, Warning, RecursionError):
        return None
    return parsed if parsed.state.flags in (0, re.UNICODE) else None


def _opcodes() -> dict[str, Any]:
    from re import _constants as c  # type: ignore[attr-defined]

    return {name: getattr(c, name) for name in dir(c) if name.isupper()}


_C = _opcodes()
_AT, _AT_END, _AT_BEGINNING = _C["AT"], _C["AT_END"], _C["AT_BEGINNING"]
_SIMPLE = {_C["LITERAL"], _C["NOT_LITERAL"], _C["ANY"]}
_REPEATS = {_C["MAX_REPEAT"], _C["MIN_REPEAT"]}
_CLASS_ITEMS = {_C["LITERAL"], _C["RANGE"], _C["NEGATE"]}


def _safe_items(items: list[Any], top_level: bool = False) -> bool:
    for position, (op, arg) in enumerate(items):
        last = top_level and position == len(items) - 1
        if not _safe_item(op, arg, last):
            return False
    return True


def _safe_item(op: Any, arg: Any, last: bool) -> bool:
    if op in _SIMPLE:
        return True
    if op == _C["IN"]:
        return all(item_op in _CLASS_ITEMS for item_op, _ in arg)
    if op in _REPEATS:
        low, high, sub = arg
        bounded = low <= RE2_REPEAT_LIMIT and (high == _C["MAXREPEAT"] or high <= RE2_REPEAT_LIMIT)
        return bounded and _safe_items(list(sub))
    if op == _C["SUBPATTERN"]:
        _, add_flags, del_flags, sub = arg
        return not add_flags and not del_flags and _safe_items(list(sub))
    if op == _C["BRANCH"]:
        return all(_safe_items(list(branch)) for branch in arg[1])
    if op == _AT:
        return arg == _AT_BEGINNING or (arg == _AT_END and last)
    return False
