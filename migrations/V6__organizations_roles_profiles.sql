-- Organizations (a tree), roles (named permission sets), memberships (user + organization +
-- role) and user profiles (one per user, made by a trigger whatever path creates the user).

CREATE TABLE organizations (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    code              TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(code) BETWEEN 1 AND 50),
    organization_type TEXT NOT NULL REFERENCES organization_types (name) ON DELETE RESTRICT,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
    parent            TEXT REFERENCES organizations (id) ON DELETE RESTRICT,
    effective_date    TEXT,
    end_date          TEXT,
    primary_contact   TEXT,
    primary_address   TEXT,
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    currency          TEXT REFERENCES currencies (code) ON DELETE RESTRICT,
    language          TEXT NOT NULL DEFAULT 'en',
    tags              TEXT NOT NULL DEFAULT '[]',
    metadata          TEXT NOT NULL DEFAULT '{}',
    custom_fields     TEXT NOT NULL DEFAULT '{}',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    created_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
    CHECK (end_date IS NULL OR effective_date IS NULL OR end_date >= effective_date)
) STRICT;
-- Names are unique among siblings, and among roots.
CREATE UNIQUE INDEX organizations_parent_name ON organizations (parent, name);
CREATE UNIQUE INDEX organizations_root_name ON organizations (name) WHERE parent IS NULL;
CREATE INDEX organizations_type ON organizations (organization_type);
CREATE INDEX organizations_currency ON organizations (currency);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 150),
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by  TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;

CREATE TABLE organization_memberships (
    id           TEXT PRIMARY KEY,
    "user"       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    "role"       TEXT NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    is_active    INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE ("user", organization)
) STRICT;
CREATE INDEX organization_memberships_organization ON organization_memberships (organization);
CREATE INDEX organization_memberships_role ON organization_memberships ("role");

CREATE TABLE user_profiles (
    "user"                   TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    job_title                TEXT NOT NULL DEFAULT '',
    employee_id              TEXT NOT NULL DEFAULT '',
    phone_number             TEXT NOT NULL DEFAULT '',
    manager                  TEXT REFERENCES users (id) ON DELETE SET NULL,
    language                 TEXT NOT NULL DEFAULT 'en',
    timezone                 TEXT NOT NULL DEFAULT 'UTC',
    date_format              TEXT NOT NULL DEFAULT 'YYYY-MM-DD'
                             CHECK (date_format IN ('YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY')),
    time_format              TEXT NOT NULL DEFAULT 'HH:mm' CHECK (time_format IN ('HH:mm', 'hh:mm a')),
    notification_preferences TEXT NOT NULL DEFAULT '{}',
    profile_picture          TEXT,
    custom_fields            TEXT NOT NULL DEFAULT '{}',
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    created_by               TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by               TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX user_profiles_manager ON user_profiles (manager);

INSERT INTO user_profiles ("user", created_at, updated_at) SELECT id, created_at, created_at FROM users;

CREATE TRIGGER users_profile AFTER INSERT ON users
BEGIN
    INSERT INTO user_profiles ("user", created_at, updated_at) VALUES (NEW.id, NEW.created_at, NEW.created_at);
END;

-- An API key may be limited to one organization.
ALTER TABLE api_keys ADD COLUMN organization TEXT REFERENCES organizations (id) ON DELETE CASCADE;
