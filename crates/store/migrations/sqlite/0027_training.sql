-- Training (issue 15 §1): modules, trainers, sessions, participants, daily attendance,
-- tests and satisfaction, and each organisation's staff count for coverage.
-- Professional data only, in clear: nothing here names a child.

CREATE TABLE training_modules (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    objectives     TEXT NOT NULL,
    duration_hours BIGINT NOT NULL,
    -- centre_staff | focal_points | associations | trainers
    audience       TEXT NOT NULL,
    -- The materials: titles of documents of the toolkit library, one a line.
    materials      TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE trainers (
    id                  TEXT PRIMARY KEY,
    -- The province whose people registered the trainer; NULL: the ministry's.
    territory_code      TEXT,
    full_name           TEXT NOT NULL,
    organisation        TEXT NOT NULL,
    function            TEXT NOT NULL,
    -- 1 when trained as a trainer (تكوين المكونين).
    trainer_of_trainers BIGINT NOT NULL,
    phone               TEXT,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);

CREATE TABLE training_sessions (
    id             TEXT PRIMARY KEY,
    module_id      TEXT NOT NULL REFERENCES training_modules(id),
    -- The session's number in the national plan (1..13), if it is one of them.
    plan_number    BIGINT,
    -- A province, or a region for a regional session.
    territory_code TEXT NOT NULL,
    place          TEXT NOT NULL,
    -- YYYY-MM-DD, Morocco-local.
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    capacity       BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX training_sessions_by_territory ON training_sessions (territory_code, starts_on);

CREATE TABLE training_session_trainers (
    session_id TEXT NOT NULL REFERENCES training_sessions(id),
    trainer_id TEXT NOT NULL REFERENCES trainers(id),
    PRIMARY KEY (session_id, trainer_id)
);

-- A person trained: a user, a person of a directory organisation, or anyone named.
CREATE TABLE trainees (
    id                TEXT PRIMARY KEY,
    user_id           TEXT,
    organisation_code TEXT,
    organisation_name TEXT NOT NULL,
    full_name         TEXT NOT NULL,
    function          TEXT NOT NULL,
    sector            TEXT NOT NULL,
    -- The province the person works in (the session's when unknown).
    territory_code    TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX trainees_by_user ON trainees (user_id);

CREATE TABLE training_participants (
    session_id    TEXT NOT NULL REFERENCES training_sessions(id),
    trainee_id    TEXT NOT NULL REFERENCES trainees(id),
    pre_score     BIGINT,
    post_score    BIGINT,
    satisfaction  BIGINT,
    -- The attestation's number once issued (its PDF is drawn from these rows).
    attestation   TEXT,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (session_id, trainee_id)
);

-- One row per participant and day present.
CREATE TABLE training_attendance (
    session_id TEXT NOT NULL,
    trainee_id TEXT NOT NULL,
    day        TEXT NOT NULL,
    PRIMARY KEY (session_id, trainee_id, day)
);

-- The staff of an organisation, for the coverage (the share of it trained).
CREATE TABLE training_headcounts (
    organisation_code TEXT PRIMARY KEY,
    staff             BIGINT NOT NULL,
    updated_by        TEXT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1
);
