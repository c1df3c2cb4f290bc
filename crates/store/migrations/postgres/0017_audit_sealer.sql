-- Audit entries are written with their change into `audit_pending`, which no two writers
-- contend on, and a single sealer moves them into the hash chain (`audit_log`) shortly after
-- commit. Before, every write locked the one row of `audit_head` until it committed.
-- The sealer takes the entries it can see, which are those of committed transactions: one
-- committed later is chained in a later round, never skipped.
CREATE TABLE audit_pending (
    id             BIGSERIAL PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor          TEXT,
    action         TEXT NOT NULL,
    record_kind    TEXT,
    record_id      TEXT,
    territory_code TEXT,
    origin         TEXT,
    detail         TEXT NOT NULL
);

CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The head is sealed: a MAC over its place, hash and time under a key that only the holder
-- of the master key has. NULL until the first sealing.
ALTER TABLE audit_head ADD COLUMN sealed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN mac BYTEA;
