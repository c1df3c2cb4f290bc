-- The rollout in ten tracks and the toolkit library (issue 15 §2, §3; PostgreSQL).

-- The ministry's edits of the shipped milestones (crates/domain/data/rollout/tracks.toml):
-- a milestone not here is as shipped.
CREATE TABLE rollout_milestones (
    code       TEXT PRIMARY KEY,
    title_ar   TEXT NOT NULL,
    title_fr   TEXT NOT NULL,
    month      BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);

-- A province's declared status of a milestone (measured milestones are computed).
CREATE TABLE rollout_statuses (
    territory_code TEXT NOT NULL,
    milestone      TEXT NOT NULL,
    -- not_started | in_progress | done
    status         TEXT NOT NULL,
    -- YYYY-MM-DD
    reached_on     TEXT,
    evidence       TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (territory_code, milestone)
);

-- The toolkit library: each version of a document is a row; a new version keeps the old.
CREATE TABLE library_documents (
    id          TEXT PRIMARY KEY,
    -- The document all its versions share.
    series_id   TEXT NOT NULL,
    version_no  BIGINT NOT NULL,
    -- guide | protocol | form_template | training_material | model_decision | communication
    kind        TEXT NOT NULL,
    -- ar | fr | en
    language    TEXT NOT NULL,
    -- professionals | families | trainers | committees
    audience    TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    -- The text of the document (Markdown), shown and printed.
    body        TEXT NOT NULL,
    -- YYYY-MM-DD; valid_to NULL: until replaced.
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    public      BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (series_id, version_no)
);
