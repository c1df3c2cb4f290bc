-- Flags on a case (issue 18): a warning every page of the case shows, such as "do not
-- contact the father", with its reason. Its words are sealed like any narrative of the
-- case (AAD case_flags/{flag_text|reason|removal_reason}/{id}); whether it may travel on a
-- linking card is not. A removed flag stays, with who removed it, when and why.
CREATE TABLE case_flags (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases(id),
    flag_text      BYTEA NOT NULL,
    reason         BYTEA NOT NULL,
    shareable      BIGINT NOT NULL DEFAULT 0,
    added_by       TEXT NOT NULL,
    added_at       BIGINT NOT NULL,
    removed_by     TEXT,
    removed_at     BIGINT,
    removal_reason BYTEA,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_flags_case ON case_flags(case_id, added_at);

-- Supervisor approval (issue 18): a step of a case (its plan, its closure, a transfer)
-- the province asked to approve, requested by the worker and approved or returned by
-- the coordinator. Comments are sealed (AAD case_approvals/{request|decision}_comment/{id}).
CREATE TABLE case_approvals (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases(id),
    step             TEXT NOT NULL,
    status           TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_at     BIGINT NOT NULL,
    request_comment  BYTEA,
    decided_by       TEXT,
    decided_at       BIGINT,
    decision_comment BYTEA,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_approvals_case ON case_approvals(case_id, requested_at);

-- Two records of one child merged (issue 18): the merged child's cases move to the
-- survivor and the merged record stays, marked, so that the merge can be undone.
ALTER TABLE children ADD COLUMN merged_into TEXT;
CREATE TABLE child_merges (
    id          TEXT PRIMARY KEY,
    survivor_id TEXT NOT NULL REFERENCES children(id),
    merged_id   TEXT NOT NULL REFERENCES children(id),
    moved_cases TEXT NOT NULL,
    merged_by   TEXT NOT NULL,
    merged_at   BIGINT NOT NULL,
    undone_by   TEXT,
    undone_at   BIGINT,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX child_merges_survivor ON child_merges(survivor_id);
CREATE INDEX child_merges_merged ON child_merges(merged_id);
