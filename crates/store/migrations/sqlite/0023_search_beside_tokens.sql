-- Name search answers from one index range: the child's birth year and sex, which the
-- children's and cases' rows already keep in clear, are copied beside each blind token
-- and covered by the index, so that ranking and narrowing read no child's row and only
-- the page's identities are opened. The old index is this one's prefix.
ALTER TABLE child_name_tokens ADD COLUMN birth_year INTEGER;
ALTER TABLE child_name_tokens ADD COLUMN sex TEXT;
UPDATE child_name_tokens SET
    birth_year = (SELECT c.birth_year FROM children c WHERE c.id = child_name_tokens.child_id),
    sex = (SELECT c.sex FROM children c WHERE c.id = child_name_tokens.child_id);
CREATE INDEX child_name_tokens_search ON child_name_tokens(territory_code, token, child_id, birth_year, sex);
DROP INDEX child_name_tokens_territory;
