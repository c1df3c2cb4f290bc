-- Identity, access and audit (SQLite). Secrets are stored only as hashes (sessions,
-- tokens, recovery codes) or sealed by the application (TOTP secrets).

CREATE TABLE organisations (
    code           TEXT PRIMARY KEY,
    sector         TEXT NOT NULL,
    territory_code TEXT REFERENCES territories(code),
    name           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    username          TEXT NOT NULL UNIQUE,
    organisation_code TEXT NOT NULL REFERENCES organisations(code),
    password_hash     TEXT,
    totp_secret       BLOB,
    totp_last_step    BIGINT,
    disabled          INTEGER NOT NULL DEFAULT 0,
    failed_logins     INTEGER NOT NULL DEFAULT 0,
    locked_until      BIGINT,
    created_at        BIGINT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id),
    code_hash BLOB NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id_hash            BLOB PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id),
    csrf_token         TEXT NOT NULL,
    second_factor_done INTEGER NOT NULL,
    created_at         BIGINT NOT NULL,
    last_seen_at       BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id                TEXT PRIMARY KEY,
    token_hash        BLOB NOT NULL UNIQUE,
    organisation_code TEXT NOT NULL REFERENCES organisations(code),
    scope             TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    revoked_at        BIGINT
);

-- Data keys and the blind-index key, each wrapped by the master key kept outside
-- the database. `id` is the key id written in front of every sealed value.
CREATE TABLE data_keys (
    purpose    TEXT NOT NULL,
    id         INTEGER NOT NULL,
    wrapped    BLOB NOT NULL,
    active     INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (purpose, id)
);

-- The audit log: append-only, hash-chained. `audit_head` serialises appends (its one
-- row is locked by the UPDATE that takes the next sequence number).
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor          TEXT,
    action         TEXT NOT NULL,
    record_kind    TEXT,
    record_id      TEXT,
    territory_code TEXT,
    origin         TEXT,
    detail         TEXT NOT NULL,
    hash           BLOB NOT NULL
);
CREATE INDEX audit_actor ON audit_log(actor, at);
CREATE INDEX audit_record ON audit_log(record_kind, record_id);
CREATE INDEX audit_at ON audit_log(at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
