-- Issue 19 §3: each province decides whether its own figures appear on the public
-- statistics page (regional and national totals are always there, suppressed). No row:
-- not shown.
CREATE TABLE public_statistics_provinces (
    territory_code TEXT PRIMARY KEY,
    shown          BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);
