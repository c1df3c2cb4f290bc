-- Reports waiting for triage are found by territory among untriaged cards.
CREATE INDEX cards_awaiting_triage ON cards(territory_code, form_code, case_id, created_at);
