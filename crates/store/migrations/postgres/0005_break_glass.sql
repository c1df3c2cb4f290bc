-- Break-glass: a user opens a record outside their scope with a written justification
-- (sealed: it may describe the child). The grant is short-lived; an alert goes to the
-- coordinators of the record's province.
CREATE TABLE access_grants (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    record_kind    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    justification  BYTEA NOT NULL,
    granted_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX access_grants_user_record ON access_grants(user_id, record_id);

CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    territory_code  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    record_kind     TEXT,
    record_id       TEXT,
    actor           TEXT,
    created_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT
);
CREATE INDEX alerts_territory ON alerts(territory_code, acknowledged_at);
