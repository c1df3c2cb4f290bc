-- A pass over existing rows that SQL alone cannot do (it needs the keys): recorded here
-- so that it resumes where it stopped and runs once. `cursor` is the last row done.
CREATE TABLE maintenance_passes (
    name TEXT PRIMARY KEY,
    cursor TEXT,
    done_at BIGINT
);
-- The name tokens of 0023 (exact spelling, mother's name, commune) for the children
-- recorded before it; nothing to do on a database without children.
INSERT INTO maintenance_passes (name, cursor, done_at)
SELECT 'name-tokens-2', NULL, CASE WHEN EXISTS (SELECT 1 FROM children) THEN NULL ELSE 0 END;
