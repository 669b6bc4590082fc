"""Slice tests: a named subset of a version (a SQL predicate), a metric on it, a threshold.

Declared in the contract (``Contract(slices=[SliceTest(...), ...])``) and run in
DuckDB over the clean rows of a version, and of its reference version when a
``max_drop`` asks how much worse the slice may get.

Metrics, and the rows each is computed on (``SliceResult.rows``, compared with
``min_rows``):

- on the data: ``row_count`` and ``share`` (of the version's rows) on the rows
  of the slice; ``null_rate`` of ``column`` on the rows of the slice; ``mean``
  of ``column`` on its non-null values; ``rate`` of ``expression`` (a boolean
  SQL expression, e.g. ``arr_delay > 15``) on the rows where it is not NULL.
- on model predictions joined to the version, on the rows where the ``label``
  (a column or an expression) and the prediction are both not NULL:
  ``accuracy``, ``precision``, ``recall``, ``f1`` (binary: the label and
  ``prediction`` must be 0/1 or false/true, 1 being the positive class),
  ``roc_auc`` (on ``score`` instead of ``prediction``), ``mae`` and ``rmse``.

Rates (share, null_rate, rate, accuracy, precision, recall) come with a Wilson
95% interval. A result is ``inconclusive`` when that interval holds a threshold:
the slice is too small to tell on which side of it the truth lies.

The predictions file is Parquet (``.parquet``, ``.pq``) or CSV with a header
(``.csv``), one row per clean row of the version, with:

- the join columns: ``_row_id`` when the file has it, otherwise every key
  column of the contract (``keys``);
- ``prediction``: the predicted class (0/1 or false/true) for the
  classification metrics, or the predicted value for ``mae`` and ``rmse``;
- ``score`` (optional, needed by ``roc_auc``): the predicted probability or
  score of the positive class.

The join must be one to one: a version row without a prediction, a prediction
that matches no row, or a row with two predictions is a ``BadInput`` error
that counts them. Model slices are skipped (``skipped=True``, ``passed=True``)
when no predictions file is given, so data-only runs still decide.

Safety: ``where``, ``expression`` and ``label`` are SQL written in a contract,
so each is parsed alone first and must be exactly one expression over the
version's columns (no subquery, no table, no second statement; comments are
harmless because the text is spliced on lines of its own). The queries then
run on an in-memory DuckDB connection that holds the data as tables and has
``enable_external_access`` off and its configuration locked before any of that
SQL runs: no file, no COPY, no INSTALL, LOAD or ATTACH, no SET.
"""
