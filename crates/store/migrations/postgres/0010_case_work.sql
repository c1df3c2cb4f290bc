-- The daily work on a case: who follows it ("my cases"), the forms of violence it is
-- about (copied from the report at triage, so that lists filter without opening cards),
-- the case plan with its deadlines, and the documents of the child's files.

-- The user who follows the case: set at triage, changed by a coordinator.
ALTER TABLE cases ADD COLUMN assigned_to TEXT;
CREATE INDEX cases_assigned ON cases(assigned_to, opened_at);
-- Lists read a province's newest cases first, page by page.
CREATE INDEX cases_territory_opened_id ON cases(territory_code, opened_at, id);

CREATE TABLE case_concerns (
    case_id TEXT NOT NULL REFERENCES cases(id),
    concern TEXT NOT NULL,
    PRIMARY KEY (case_id, concern)
);
CREATE INDEX case_concerns_concern ON case_concerns(concern, case_id);

-- The case plan: what is to be done, by which sector or organisation, by when. The goal
-- and the action may describe the child's situation: they are sealed together.
CREATE TABLE plan_actions (
    id                   TEXT PRIMARY KEY,
    case_id              TEXT NOT NULL REFERENCES cases(id),
    territory_code       TEXT NOT NULL REFERENCES territories(code),
    sealed               BYTEA NOT NULL,
    responsible_sector   TEXT NOT NULL,
    responsible_org      TEXT REFERENCES organisations(code),
    due_at               BIGINT,
    status               TEXT NOT NULL,
    -- 'plan' (written by a worker) or 'evaluation' (the deadline a high risk sets).
    origin               TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX plan_actions_case ON plan_actions(case_id, due_at);
-- Overdue actions are found by province among the open ones.
CREATE INDEX plan_actions_due ON plan_actions(territory_code, status, due_at);

-- Documents of the social, medical-psychological and judicial files: the content and the
-- file name are sealed; the kind, type and size are not (they identify no one).
CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases(id),
    territory_code TEXT NOT NULL REFERENCES territories(code),
    part           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    name           BYTEA NOT NULL,
    content        BYTEA NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX documents_case ON documents(case_id, part, uploaded_at);
