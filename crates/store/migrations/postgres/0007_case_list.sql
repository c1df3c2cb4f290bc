-- The case list shows a province's newest cases first.
CREATE INDEX cases_territory_opened ON cases(territory_code, opened_at);
