-- The directory of services (دليل المصالح العمومية, PostgreSQL): where each organisation is, when it
-- opens, the services it offers at each stage of the pathway and whom to call. It
-- describes services, never a child, so nothing here is sealed; contact points marked
-- private are kept from anonymous readers by the application.

CREATE TABLE directory_entries (
    organisation_code TEXT PRIMARY KEY REFERENCES organisations(code),
    address           TEXT NOT NULL,
    opening_hours     TEXT NOT NULL,
    -- Millionths of a degree (about 11 cm): integers are exact and the same on both
    -- backends. Both or neither.
    latitude_e6       BIGINT,
    longitude_e6      BIGINT,
    -- Shown on the public help page.
    public            INTEGER NOT NULL DEFAULT 0,
    updated_by        TEXT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);

-- Codes of the `services` vocabulary; each term's group is its pathway stage.
CREATE TABLE directory_services (
    organisation_code TEXT NOT NULL REFERENCES directory_entries(organisation_code),
    service           TEXT NOT NULL,
    PRIMARY KEY (organisation_code, service)
);

CREATE TABLE directory_contacts (
    organisation_code TEXT NOT NULL REFERENCES directory_entries(organisation_code),
    -- The order the editor gave them in.
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    phone             TEXT,
    email             TEXT,
    -- For signed-in professionals only.
    private           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_code, position)
);

-- The help page and the API read one province's organisations.
CREATE INDEX organisations_territory ON organisations(territory_code, name);
