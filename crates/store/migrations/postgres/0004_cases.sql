-- Who opened a case and who moved it, and why (the reason is sealed: it may describe
-- the child's situation). Blind tokens of children's names, for duplicate detection
-- on the encrypted store.
ALTER TABLE cases ADD COLUMN opened_by TEXT;
ALTER TABLE stage_moves ADD COLUMN moved_by TEXT;
ALTER TABLE stage_moves ADD COLUMN reason BYTEA;

CREATE TABLE child_name_tokens (
    child_id TEXT NOT NULL REFERENCES children(id),
    token    BYTEA NOT NULL,
    PRIMARY KEY (child_id, token)
);
CREATE INDEX child_name_tokens_token ON child_name_tokens(token);
