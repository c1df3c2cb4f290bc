-- Statistics read de-identified facts only (no name, no narrative, no date finer than
-- the month), written in the same transaction as the card they come from. `source_id`
-- is the operational record's id, so that a change to the card refreshes its fact;
-- nothing that leaves the server carries it. `body` is the fact as the domain knows it
-- (JSON), from which the counts it added are taken back when it changes.

CREATE TABLE fact_reports (
    source_id      TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    month          TEXT NOT NULL,
    sex            TEXT NOT NULL,
    age_band       TEXT NOT NULL,
    source         TEXT NOT NULL,
    child_key      TEXT,
    body           TEXT NOT NULL
);
CREATE INDEX fact_reports_child ON fact_reports(child_key, month);

CREATE TABLE fact_cases (
    source_id      TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    month          TEXT NOT NULL,
    sex            TEXT NOT NULL,
    age_band       TEXT NOT NULL,
    source         TEXT NOT NULL,
    stage          TEXT NOT NULL,
    risk           TEXT NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX fact_cases_month ON fact_cases(territory_code, month, sex, age_band, source, stage, risk);

-- Ended stays of a case in a stage: `source_id` is the case id and the stay's number.
CREATE TABLE fact_stays (
    source_id      TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX fact_stays_case ON fact_stays(case_id);

CREATE TABLE fact_referrals (
    source_id      TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    month          TEXT NOT NULL,
    sector         TEXT NOT NULL,
    status         TEXT NOT NULL,
    response_hours BIGINT,
    due_at         BIGINT,
    body           TEXT NOT NULL
);
CREATE INDEX fact_referrals_response ON fact_referrals(month, territory_code, sector, response_hours);
CREATE INDEX fact_referrals_waiting ON fact_referrals(status, due_at, territory_code, month, sector);

-- Each child counted once per territory (province, region, nation) and period
-- (month "2026-03", half "2026-H1", year "2026").
CREATE TABLE fact_child_periods (
    territory_code TEXT NOT NULL,
    period         TEXT NOT NULL,
    child_key      TEXT NOT NULL,
    PRIMARY KEY (territory_code, period, child_key)
);

-- What the facts add up to: one count per (measure, dimension, month, territory, code);
-- dim = '' and code = '' is the total.
CREATE TABLE stat_cells (
    measure        TEXT NOT NULL,
    dim            TEXT NOT NULL,
    month          TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    code           TEXT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (measure, dim, month, territory_code, code)
);
