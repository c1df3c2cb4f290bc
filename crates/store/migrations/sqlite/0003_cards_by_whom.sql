-- Who recorded each card (a user id, or token:ID for a machine client) and for which
-- organisation; and the idempotency keys that make a retried request store once.
ALTER TABLE cards ADD COLUMN created_by TEXT;
ALTER TABLE cards ADD COLUMN organisation_code TEXT REFERENCES organisations(code);

CREATE TABLE idempotency_keys (
    actor      TEXT NOT NULL,
    key        TEXT NOT NULL,
    card_id    TEXT NOT NULL REFERENCES cards(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);
