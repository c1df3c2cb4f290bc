-- The provincial child-protection committee's own work (sqlite): its members and expert
-- team, its quorum, its meetings (agenda, attendance, minutes) and the decisions it
-- follows up. Professional data only, in clear: nothing here names a child.

-- A person of the committee or of the provincial expert team. A member who leaves is
-- ended, never deleted; every earlier version is kept in committee_member_history.
CREATE TABLE committee_members (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    -- committee | experts
    body           TEXT NOT NULL,
    -- chair | member | expert
    seat           TEXT NOT NULL,
    full_name      TEXT NOT NULL,
    title          TEXT NOT NULL,
    -- A code of the `sectors` vocabulary.
    sector         TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    -- An expert's field (doctor, judge, lawyer...).
    field          TEXT NOT NULL,
    email          TEXT,
    phone          TEXT,
    substitute     TEXT NOT NULL,
    -- YYYY-MM-DD
    mandate_from   TEXT,
    mandate_to     TEXT,
    ended_at       BIGINT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX committee_members_by_territory ON committee_members (territory_code, body, ended_at);

-- Each version of a member before it was changed, as JSON.
CREATE TABLE committee_member_history (
    member_id  TEXT NOT NULL REFERENCES committee_members(id),
    version    BIGINT NOT NULL,
    snapshot   TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, version)
);

-- The quorum of each province's committee (seats present or represented).
CREATE TABLE committee_settings (
    territory_code TEXT PRIMARY KEY,
    quorum         BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE meetings (
    id             TEXT PRIMARY KEY,
    territory_code TEXT NOT NULL,
    -- ordinary | extraordinary | thematic
    kind           TEXT NOT NULL,
    -- draft | convened | approved
    status         TEXT NOT NULL,
    starts_at      BIGINT NOT NULL,
    place          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    convened_by    TEXT,
    convened_at    BIGINT,
    approved_by    TEXT,
    approved_at    BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX meetings_by_territory ON meetings (territory_code, starts_at);

CREATE TABLE agenda_items (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    position   BIGINT NOT NULL,
    -- information | deliberation | follow_up
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    -- The documents attached to the item, one reference per line.
    documents  TEXT NOT NULL,
    -- The minutes of the item, drafted by the secretariat.
    minutes    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agenda_items_by_meeting ON agenda_items (meeting_id, position);

CREATE TABLE meeting_attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    member_id  TEXT NOT NULL REFERENCES committee_members(id),
    -- present | substitute | excused | absent
    status     TEXT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE decisions (
    id              TEXT PRIMARY KEY,
    territory_code  TEXT NOT NULL,
    meeting_id      TEXT NOT NULL REFERENCES meetings(id),
    text            TEXT NOT NULL,
    -- The organisation that carries it out (a sector's service, the centre...).
    owner           TEXT NOT NULL REFERENCES organisations(code),
    -- YYYY-MM-DD
    deadline        TEXT NOT NULL,
    expected_result TEXT NOT NULL,
    -- to_start | in_progress | done | dropped
    status          TEXT NOT NULL,
    drop_reason     TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX decisions_by_territory ON decisions (territory_code, status, deadline);
CREATE INDEX decisions_by_meeting ON decisions (meeting_id);

CREATE TABLE decision_notes (
    id          TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES decisions(id),
    at          BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    note        TEXT NOT NULL,
    -- Percent done, when the note gives one.
    progress    BIGINT
);
CREATE INDEX decision_notes_by_decision ON decision_notes (decision_id, at);
