-- A case transferred to another province's mechanism when the child moves (issue 15
-- §4): requested by the sending province with a reason, accepted or refused by the
-- receiving one. On acceptance the case (and its child) belong to the receiving
-- province; the sending province reads what it recorded until it closes its part
-- (released_at). Reasons are sealed (AAD case_transfers/{reason|decision_reason}/{id}).
CREATE TABLE case_transfers (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases(id),
    from_territory  TEXT NOT NULL REFERENCES territories(code),
    to_territory    TEXT NOT NULL REFERENCES territories(code),
    status          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    BIGINT NOT NULL,
    reason          BYTEA NOT NULL,
    decided_by      TEXT,
    decided_at      BIGINT,
    decision_reason BYTEA,
    released_by     TEXT,
    released_at     BIGINT,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_transfers_case ON case_transfers(case_id, requested_at);
CREATE INDEX case_transfers_to ON case_transfers(to_territory, status);
CREATE INDEX case_transfers_from ON case_transfers(from_territory, status);

-- Merges (issue 18, tables of 0025): a merged-away child is found through the one kept.
CREATE INDEX children_merged_into ON children(merged_into);
