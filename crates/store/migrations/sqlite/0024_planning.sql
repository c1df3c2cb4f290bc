-- The committee's planning (issue 14 §3–4), sqlite: the territorial self-diagnosis (its
-- sections, filled by the organisations they are assigned to) and the provincial action
-- plan (one row per version, its contents a JSON document frozen at approval) with the
-- progress recorded per action. Aggregates and professional data only: no child here.

CREATE TABLE diagnoses (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    -- The period it describes, YYYY-MM.
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    -- The questionnaire, e.g. diagnosis.v1.
    questionnaire  TEXT NOT NULL,
    -- open | consolidated | approved
    status         TEXT NOT NULL,
    -- The system's own figures when opened: {question: {value, source}}.
    prefill        TEXT NOT NULL,
    -- The priorities as consolidated (JSON list), edited by the technical cell.
    priorities     TEXT NOT NULL DEFAULT '[]',
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    consolidated_by TEXT,
    consolidated_at BIGINT,
    approved_by    TEXT,
    approved_at    BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX diagnoses_by_territory ON diagnoses (territory_code, created_at);

CREATE TABLE diagnosis_sections (
    diagnosis_id TEXT NOT NULL REFERENCES diagnoses(id),
    area         TEXT NOT NULL,
    organisation TEXT NOT NULL REFERENCES organisations(code),
    -- {question: text}
    answers      TEXT NOT NULL DEFAULT '{}',
    -- assigned | submitted
    status       TEXT NOT NULL,
    updated_by   TEXT,
    updated_at   BIGINT,
    version      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (diagnosis_id, area)
);
CREATE INDEX diagnosis_sections_by_organisation ON diagnosis_sections (organisation);

CREATE TABLE action_plans (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    -- 1 for the first plan, +1 for each revision.
    plan_version   BIGINT NOT NULL,
    -- The version it revises.
    revises        TEXT REFERENCES action_plans(id),
    diagnosis_id   TEXT REFERENCES diagnoses(id),
    first_year     BIGINT NOT NULL,
    last_year      BIGINT NOT NULL,
    title          TEXT NOT NULL,
    -- draft | approved | superseded
    status         TEXT NOT NULL,
    document       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    approved_by    TEXT,
    approved_at    BIGINT,
    -- The meeting whose deliberation approved it.
    meeting_id     TEXT REFERENCES meetings(id),
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX action_plans_by_territory ON action_plans (territory_code, plan_version);

CREATE TABLE action_progress (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    -- The action's stable key in the plan's document (kept across revisions).
    action_key     TEXT NOT NULL,
    plan_id        TEXT NOT NULL REFERENCES action_plans(id),
    at             BIGINT NOT NULL,
    by_user        TEXT NOT NULL,
    percent        BIGINT NOT NULL,
    -- Whole dirhams spent so far, when said.
    spent          BIGINT,
    note           TEXT NOT NULL,
    -- A reference to the evidence document (a file number, a letter's reference).
    evidence       TEXT NOT NULL,
    reviewed_by    TEXT,
    reviewed_at    BIGINT,
    review_note    TEXT
);
CREATE INDEX action_progress_by_action ON action_progress (territory_code, action_key, at);
