-- The catalog as dataguard 0.1 kept it (DuckDB), frozen: what `dataguard catalog migrate --from` reads.
CREATE TABLE IF NOT EXISTS datasets (
    name VARCHAR PRIMARY KEY,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS versions (
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    source_path VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    data_path VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, version),
    UNIQUE (dataset, fingerprint)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    state VARCHAR NOT NULL,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ,
    verdict VARCHAR,
    gate_open BOOLEAN,
    reasons VARCHAR,
    rows_input BIGINT,
    rows_clean BIGINT,
    rows_quarantined BIGINT,
    clean_path VARCHAR,
    quarantine_path VARCHAR,
    report_json VARCHAR,
    flow_run_id VARCHAR,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine_decisions (
    decision_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    run_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    selector VARCHAR NOT NULL,
    row_ids BIGINT[] NOT NULL,
    reviewer VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    revision INTEGER,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS quarantine_states (
    run_id VARCHAR NOT NULL,
    row_id BIGINT NOT NULL,
    state VARCHAR NOT NULL,
    decision_id VARCHAR NOT NULL,
    PRIMARY KEY (run_id, row_id)
);
CREATE TABLE IF NOT EXISTS revisions (
    run_id VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    parent INTEGER NOT NULL,
    decision_id VARCHAR NOT NULL,
    clean_path VARCHAR NOT NULL,
    rows_clean BIGINT NOT NULL,
    rows_released BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    verdict VARCHAR NOT NULL,
    gate_open BOOLEAN NOT NULL,
    reasons VARCHAR NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, revision)
);
CREATE TABLE IF NOT EXISTS baselines (
    dataset VARCHAR PRIMARY KEY,
    version INTEGER NOT NULL,
    pinned TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS drift_results (
    run_id VARCHAR NOT NULL,
    reference_version INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    statistic DOUBLE,
    p_value DOUBLE,
    threshold DOUBLE,
    drifted BOOLEAN NOT NULL,
    severity VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    run_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    profile VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS slice_results (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE,
    rows BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    severity VARCHAR NOT NULL,
    result VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS training_runs (
    training_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    command VARCHAR NOT NULL,
    started TIMESTAMPTZ NOT NULL,
    ended TIMESTAMPTZ,
    exit_code INTEGER,
    timed_out BOOLEAN
);
CREATE TABLE IF NOT EXISTS clean_files (
    run_id VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    clean_path VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    recorded TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, revision)
);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    run_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    expected VARCHAR NOT NULL,
    actual VARCHAR NOT NULL,
    detected_by VARCHAR NOT NULL,
    detected TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS check_results (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    column_name VARCHAR,
    code VARCHAR NOT NULL,
    failed_rows BIGINT NOT NULL,
    severity VARCHAR NOT NULL
);
