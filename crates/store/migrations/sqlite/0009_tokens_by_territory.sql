-- Duplicate detection and name search look within one province: keep the province with
-- each name token, so that a common name's bucket is read for that province only (reading
-- the country's first few hundred children with the name missed the province's own).
ALTER TABLE child_name_tokens ADD COLUMN territory_code TEXT;
UPDATE child_name_tokens SET territory_code = (SELECT c.territory_code FROM children c WHERE c.id = child_name_tokens.child_id);
CREATE INDEX child_name_tokens_territory ON child_name_tokens(territory_code, token, child_id);
