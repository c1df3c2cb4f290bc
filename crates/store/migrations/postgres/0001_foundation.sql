-- Awladna foundation schema (PostgreSQL). Times are UTC milliseconds since 1970; ids are
-- UUIDv7 text; personal data will only ever be stored sealed (BYTEA), never in clear.

CREATE TABLE territories (
    code        TEXT PRIMARY KEY,
    hcp_code    TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    parent_code TEXT REFERENCES territories(code),
    name_ar     TEXT NOT NULL,
    name_fr     TEXT NOT NULL,
    wave        BIGINT,
    retired     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE communes (
    hcp_code        TEXT PRIMARY KEY,
    territory_code  TEXT NOT NULL REFERENCES territories(code),
    kind            TEXT NOT NULL,
    area            TEXT NOT NULL,
    name_ar         TEXT NOT NULL,
    name_fr         TEXT NOT NULL,
    population_2024 BIGINT,
    retired         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX communes_territory ON communes(territory_code);

CREATE TABLE vocabulary_terms (
    vocabulary TEXT NOT NULL,
    code       TEXT NOT NULL,
    position   BIGINT NOT NULL,
    name_ar    TEXT NOT NULL,
    name_fr    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    grp        TEXT,
    who        TEXT,
    cpims      TEXT,
    retired    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (vocabulary, code)
);

CREATE TABLE reference_loads (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loaded_at   BIGINT NOT NULL,
    territories BIGINT NOT NULL,
    communes    BIGINT NOT NULL,
    terms       BIGINT NOT NULL
);

-- The child: only what statistics may see is in clear; identity arrives sealed.
CREATE TABLE children (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL REFERENCES territories(code),
    sex            TEXT NOT NULL,
    birth_year     BIGINT,
    identity       BYTEA,
    created_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX children_territory ON children(territory_code);

CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    child_id       TEXT NOT NULL REFERENCES children(id),
    territory_code TEXT NOT NULL REFERENCES territories(code),
    stage          TEXT NOT NULL,
    risk           TEXT,
    opened_at      BIGINT NOT NULL,
    closed_at      BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_territory_stage ON cases(territory_code, stage);
CREATE INDEX cases_child ON cases(child_id);

CREATE TABLE stage_moves (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    moved_at   BIGINT NOT NULL
);
CREATE INDEX stage_moves_case ON stage_moves(case_id, moved_at);

-- Every card of the pathway, whatever its form: `data` holds the non-personal values
-- as JSON, `sealed` the personal ones encrypted. The form version is kept forever.
CREATE TABLE cards (
    id             TEXT PRIMARY KEY,
    form_code      TEXT NOT NULL,
    form_version   BIGINT NOT NULL,
    territory_code TEXT NOT NULL REFERENCES territories(code),
    child_id       TEXT REFERENCES children(id),
    case_id        TEXT REFERENCES cases(id),
    complete       BIGINT NOT NULL,
    data           TEXT NOT NULL,
    sealed         BYTEA,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cards_territory_form ON cards(territory_code, form_code, created_at);
CREATE INDEX cards_case ON cards(case_id);

CREATE TABLE referrals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    from_sector  TEXT NOT NULL,
    to_sector    TEXT NOT NULL,
    stage        TEXT NOT NULL,
    urgency      TEXT NOT NULL,
    status       TEXT NOT NULL,
    sent_at      BIGINT NOT NULL,
    responded_at BIGINT,
    closed_at    BIGINT,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX referrals_case ON referrals(case_id);
CREATE INDEX referrals_to_status ON referrals(to_sector, status);

-- Readable case numbers (SAL-2026-000123) need a sequence per territory and year.
CREATE TABLE case_number_sequences (
    territory_code TEXT NOT NULL,
    year           BIGINT NOT NULL,
    last_value     BIGINT NOT NULL,
    PRIMARY KEY (territory_code, year)
);
