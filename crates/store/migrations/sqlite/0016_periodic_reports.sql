-- Periodic reports (sqlite): the monthly, half-yearly and annual reports of a province and
-- the national report. Their figures are aggregates (de-identified counts, suppressed
-- where they leave the province): nothing here names a child. Figures are computed when
-- a report is drafted and may be refreshed while it is a draft; approving freezes them.

CREATE TABLE periodic_reports (
    id             TEXT PRIMARY KEY,
    -- monthly | half_yearly | annual (a province) | national ("MA")
    kind           TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    -- draft | approved | submitted
    status         TEXT NOT NULL,
    -- The sections and their figures, as JSON.
    figures        TEXT NOT NULL,
    computed_at    BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    approved_by    TEXT,
    approved_at    BIGINT,
    submitted_by   TEXT,
    submitted_at   BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX periodic_reports_by_territory ON periodic_reports (territory_code, period_from);
CREATE INDEX periodic_reports_by_period ON periodic_reports (kind, status, period_from, period_to);
