-- Issue 17 §1: the National Observatory's records (the 2511 line and the e-platform),
-- their tracking numbers, and the statuses sent back to the Observatory (an outbox,
-- written in the transaction of the change it tells; also the pull API's feed).

-- One row per report the Observatory sent, beside its card. No identity here: their
-- record id, our tracking number, codes and times.
CREATE TABLE observatory_reports (
    card_id           TEXT PRIMARY KEY REFERENCES cards(id),
    organisation_code TEXT NOT NULL,
    record_id         TEXT NOT NULL,
    tracking          TEXT NOT NULL UNIQUE,
    channel           TEXT NOT NULL,
    caller_source     TEXT NOT NULL,
    territory_code    TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    mapping_version   BIGINT NOT NULL,
    received_at       BIGINT NOT NULL,
    triaged_at        BIGINT,
    -- The last status queued for the Observatory: received, open:{stage}, closed:{reason}.
    last_status       TEXT,
    UNIQUE (organisation_code, record_id)
);
CREATE INDEX observatory_reports_by_org ON observatory_reports (organisation_code, received_at);

-- Tracking numbers: OBS-{province HCP code}-{year}-{sequence}.
CREATE TABLE observatory_tracking_sequences (
    territory_code TEXT NOT NULL,
    year           BIGINT NOT NULL,
    last_value     BIGINT NOT NULL,
    PRIMARY KEY (territory_code, year)
);

-- The feed's sequence: its one row is locked by each writer until commit, so a status
-- numbered N is never visible before the one numbered N-1 (a reader never skips one).
CREATE TABLE observatory_feed (
    name       TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);
INSERT INTO observatory_feed (name, last_value) VALUES ('statuses', 0);

-- Each status change of a report the Observatory sent: what is pushed and pulled.
-- `id` is the message's idempotency key; `seq` the pull cursor.
CREATE TABLE observatory_outbox (
    id                TEXT PRIMARY KEY,
    seq               BIGINT NOT NULL UNIQUE,
    card_id           TEXT NOT NULL REFERENCES observatory_reports(card_id),
    organisation_code TEXT NOT NULL,
    territory_code    TEXT NOT NULL,
    status            TEXT NOT NULL,
    stage             TEXT,
    outcome           TEXT,
    changed_at        BIGINT NOT NULL,
    state             TEXT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    claimed_until     BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    sent_at           BIGINT
);
CREATE INDEX observatory_outbox_due ON observatory_outbox (state, next_attempt_at);
CREATE INDEX observatory_outbox_feed ON observatory_outbox (organisation_code, seq);
CREATE INDEX observatory_outbox_territory ON observatory_outbox (territory_code, seq);
