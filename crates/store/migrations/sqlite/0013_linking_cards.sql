-- Linking cards (بطاقة الربط) go from one organisation to another, not only between
-- sectors: who sent it to whom, for which service, on which ground, sharing which parts
-- of the file, and by when an answer is due. The reason, the legal ground and the
-- answers' notes may describe the child: they are sealed.
ALTER TABLE referrals ADD COLUMN territory_code TEXT;
ALTER TABLE referrals ADD COLUMN from_org TEXT REFERENCES organisations(code);
ALTER TABLE referrals ADD COLUMN to_org TEXT REFERENCES organisations(code);
ALTER TABLE referrals ADD COLUMN service TEXT;
ALTER TABLE referrals ADD COLUMN consent TEXT;
-- The shared parts, as a JSON list of codes (identity, report, evaluation…).
ALTER TABLE referrals ADD COLUMN share TEXT;
ALTER TABLE referrals ADD COLUMN sealed BLOB;
ALTER TABLE referrals ADD COLUMN created_by TEXT;
ALTER TABLE referrals ADD COLUMN due_at BIGINT;
ALTER TABLE referrals ADD COLUMN received_at BIGINT;
ALTER TABLE referrals ADD COLUMN delivered_at BIGINT;
UPDATE referrals SET territory_code = (SELECT c.territory_code FROM cases c WHERE c.id = referrals.case_id);
CREATE INDEX referrals_to_org ON referrals(to_org, sent_at);
CREATE INDEX referrals_from_org ON referrals(from_org, sent_at);
CREATE INDEX referrals_territory_due ON referrals(territory_code, status, due_at);

-- Each step of a referral: who took it, when, and their note (sealed).
CREATE TABLE referral_steps (
    id          TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals(id),
    status      TEXT NOT NULL,
    taken_at    BIGINT NOT NULL,
    taken_by    TEXT NOT NULL,
    note        BLOB
);
CREATE INDEX referral_steps_referral ON referral_steps(referral_id, taken_at);
