-- Organizations are walls (issue 7): roles may belong to an organization (usable and visible
-- in its subtree only; global ones are superuser-managed), users hold global permissions only
-- through roles assigned to them directly, and people join an organization by invitation.
-- Migrations run with foreign keys off and are checked with foreign_key_check afterwards, so
-- tables can be rebuilt.

CREATE TABLE roles_new (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 150),
    description  TEXT NOT NULL DEFAULT '',
    permissions  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(permissions) AND json_type(permissions) = 'array'),
    organization TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by   TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
INSERT INTO roles_new (id, name, description, permissions, organization, created_at, updated_at, created_by, updated_by)
    SELECT id, name, description, permissions, NULL, created_at, updated_at, created_by, updated_by FROM roles;
DROP TABLE roles;
ALTER TABLE roles_new RENAME TO roles;
-- Names are unique among the global roles, and within each organization (regardless of case).
CREATE UNIQUE INDEX roles_global_name ON roles (name) WHERE organization IS NULL;
CREATE UNIQUE INDEX roles_organization_name ON roles (organization, name);

-- Roles held globally: their permissions count for shared data (reference and configuration).
CREATE TABLE user_roles (
    id         TEXT PRIMARY KEY,
    "user"     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    "role"     TEXT NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE ("user", "role")
) STRICT;
CREATE INDEX user_roles_role ON user_roles ("role");

-- An invitation to join an organization with a role, for a username or an e-mail address;
-- accepted (or declined) by the invited user, valid for 14 days.
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    organization TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    "role"       TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    username     TEXT NOT NULL DEFAULT '' COLLATE NOCASE CHECK (length(username) <= 150),
    email        TEXT NOT NULL DEFAULT '' COLLATE NOCASE CHECK (length(email) <= 254),
    message      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    expires_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '+14 days')),
    responded_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    CHECK (username <> '' OR email <> '')
) STRICT;
CREATE INDEX invitations_organization ON invitations (organization);
CREATE INDEX invitations_role ON invitations ("role");
CREATE INDEX invitations_username ON invitations (username) WHERE status = 'pending' AND username <> '';
CREATE INDEX invitations_email ON invitations (email) WHERE status = 'pending' AND email <> '';
