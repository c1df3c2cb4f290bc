-- Drafts that finish: each edit of a draft reporting card keeps the version it
-- replaced (its personal values sealed again for this row), who replaced it and when.
CREATE TABLE card_versions (
    -- `{card_id}:{version}`, the place its sealed values are bound to.
    id          TEXT PRIMARY KEY,
    card_id     TEXT NOT NULL REFERENCES cards(id),
    version     BIGINT NOT NULL,
    complete    INTEGER NOT NULL,
    data        TEXT NOT NULL,
    sealed      BLOB,
    replaced_by TEXT NOT NULL,
    replaced_at BIGINT NOT NULL,
    UNIQUE (card_id, version)
);
CREATE INDEX cards_drafts ON cards(territory_code, complete, updated_at);

-- The services write their part: an entry or a document added by the receiving
-- service of a linking card names that card and the service's organisation.
ALTER TABLE cards ADD COLUMN referral_id TEXT REFERENCES referrals(id);
CREATE INDEX cards_referral ON cards(referral_id);
ALTER TABLE documents ADD COLUMN organisation_code TEXT REFERENCES organisations(code);
ALTER TABLE documents ADD COLUMN referral_id TEXT REFERENCES referrals(id);
CREATE INDEX documents_referral ON documents(referral_id);

-- The receiving service's answer: the services delivered (codes of the stage's basket,
-- a JSON list), an appointment or hearing date, the outcome (sealed) and a document.
CREATE TABLE referral_answers (
    id                TEXT PRIMARY KEY,
    referral_id       TEXT NOT NULL REFERENCES referrals(id),
    organisation_code TEXT NOT NULL REFERENCES organisations(code),
    services          TEXT NOT NULL,
    appointment_date  TEXT,
    outcome           BLOB NOT NULL,
    document_id       TEXT REFERENCES documents(id),
    answered_by       TEXT NOT NULL,
    answered_at       BIGINT NOT NULL
);
CREATE INDEX referral_answers_referral ON referral_answers(referral_id, answered_at);

-- Offline capture: the phones and tablets a user set up to queue cards without a link.
-- The key that encrypts a device's queue never leaves it; the server knows the device,
-- until when its key may be used, and whether it was revoked (its queue is then refused).
CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    registered_at BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX devices_user ON devices(user_id, registered_at);
