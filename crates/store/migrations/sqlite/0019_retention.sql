-- Retention and the rights of the people in the files (Law 09-08).
-- Which kinds of record were erased for a child under the retention rule, and when:
-- the interface says "erased under the retention rule on DATE" instead of failing.
CREATE TABLE retention_erasures (
    child_id  TEXT NOT NULL REFERENCES children(id),
    kind      TEXT NOT NULL,
    erased_at BIGINT NOT NULL,
    PRIMARY KEY (child_id, kind)
);

-- Rectification: each correction of a child's identity keeps the identity it replaced
-- (sealed, like the identity), who changed it, when, and which fields changed.
CREATE TABLE identity_history (
    id         TEXT PRIMARY KEY,
    child_id   TEXT NOT NULL REFERENCES children(id),
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL,
    fields     TEXT NOT NULL,
    previous   BLOB
);
CREATE INDEX identity_history_child ON identity_history(child_id, changed_at);

-- Subject-access requests: who asked (sealed: a person's name), when, on what basis,
-- and who recorded the request and produced the export.
CREATE TABLE subject_access_requests (
    id           TEXT PRIMARY KEY,
    child_id     TEXT NOT NULL REFERENCES children(id),
    requester    BLOB,
    requested_at BIGINT NOT NULL,
    basis        TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX subject_access_requests_child ON subject_access_requests(child_id, recorded_at);
