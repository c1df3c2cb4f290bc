-- The case list filters by concern within a province, newest first. Without the
-- province beside the concern, each case of the province was probed for it (30 ms of
-- CPU at 1,000,000 children) or the whole country's cases with it were read. The
-- case's province and opening time are copied onto its concerns, so that their index
-- alone counts and pages a province's cases about one concern; whatever one day moves
-- a case to another province must move its concerns too.
ALTER TABLE case_concerns ADD COLUMN territory_code TEXT REFERENCES territories(code);
ALTER TABLE case_concerns ADD COLUMN opened_at BIGINT;
UPDATE case_concerns SET territory_code = c.territory_code, opened_at = c.opened_at
    FROM cases c WHERE c.id = case_concerns.case_id;
ALTER TABLE case_concerns ALTER COLUMN territory_code SET NOT NULL;
ALTER TABLE case_concerns ALTER COLUMN opened_at SET NOT NULL;
CREATE INDEX case_concerns_territory ON case_concerns(territory_code, concern, opened_at, case_id);
