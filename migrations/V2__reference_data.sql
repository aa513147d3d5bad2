-- Reference data: statuses, currencies, units of measure and their conversions,
-- organization types, countries and time zones.

CREATE TABLE statuses (
    slug          TEXT PRIMARY KEY CHECK (length(slug) BETWEEN 1 AND 50),
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description   TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '' CHECK (length(category) <= 50),
    color         TEXT NOT NULL DEFAULT '' CHECK (length(color) <= 7),
    custom_fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields) AND json_type(custom_fields) = 'object'),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by    TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX statuses_category ON statuses (category, name);

CREATE TABLE currencies (
    code           TEXT PRIMARY KEY CHECK (length(code) = 3),
    name           TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    symbol         TEXT NOT NULL DEFAULT '' CHECK (length(symbol) <= 10),
    numeric_code   TEXT UNIQUE CHECK (numeric_code IS NULL OR length(numeric_code) = 3),
    decimal_places INTEGER NOT NULL DEFAULT 2 CHECK (decimal_places BETWEEN 0 AND 32767),
    is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    custom_fields  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields) AND json_type(custom_fields) = 'object'),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by     TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX currencies_active ON currencies (is_active, code);

CREATE TABLE uoms (
    code          TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 20),
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    uom_type      TEXT NOT NULL CHECK (uom_type IN ('Length', 'Mass', 'Volume', 'Count', 'Time', 'Area', 'Other')),
    symbol        TEXT NOT NULL DEFAULT '' CHECK (length(symbol) <= 10),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    custom_fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields) AND json_type(custom_fields) = 'object'),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by    TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX uoms_type_name ON uoms (uom_type, name);

-- factor: decimal(18, 10) scaled by 10^10; 1 from_uom = factor to_uom.
CREATE TABLE uom_conversions (
    id         TEXT PRIMARY KEY,
    from_uom   TEXT NOT NULL REFERENCES uoms (code) ON DELETE RESTRICT,
    to_uom     TEXT NOT NULL REFERENCES uoms (code) ON DELETE RESTRICT,
    factor     INTEGER NOT NULL CHECK (factor > 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (from_uom, to_uom),
    CHECK (from_uom <> to_uom)
) STRICT;
CREATE INDEX uom_conversions_to ON uom_conversions (to_uom);

CREATE TABLE organization_types (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by  TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;

CREATE TABLE countries (
    code         TEXT PRIMARY KEY CHECK (length(code) = 2),
    alpha3       TEXT NOT NULL UNIQUE CHECK (length(alpha3) = 3),
    numeric_code TEXT NOT NULL CHECK (length(numeric_code) = 3),
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by   TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;

CREATE TABLE timezones (
    code       TEXT PRIMARY KEY,
    area       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
