-- The submission keys of forms that create records other than cards (plan actions,
-- linking cards): a form sent twice (back then save, a double tap) stores once. Cards
-- keep theirs in idempotency_keys. Only ids: nothing about a child.
CREATE TABLE submission_keys (
    actor      TEXT NOT NULL,
    key        TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);

-- Who gave a case to whom, and when: the case's timeline shows each reassignment.
CREATE TABLE case_assignments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases(id),
    assigned_to TEXT,
    assigned_by TEXT NOT NULL,
    at_ms       BIGINT NOT NULL
);
CREATE INDEX case_assignments_case ON case_assignments(case_id, at_ms);
