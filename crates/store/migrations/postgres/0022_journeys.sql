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
