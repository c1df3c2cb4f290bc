-- Sign-in throttling by account and client address together (issue 11 §3). Failures
-- slow down the address they come from for that account only, with growing delays:
-- a stranger cannot lock the owner out, and nothing tells a stranger which usernames
-- exist, because the account is the SHA-256 of the username as typed, known or not.
-- The lock per account that this replaces goes.
CREATE TABLE login_throttle (
    account_hash   BYTEA NOT NULL,
    address        TEXT NOT NULL,
    failures       BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    PRIMARY KEY (account_hash, address)
);
CREATE INDEX login_throttle_by_age ON login_throttle (last_failed_at);

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
