-- Organizations are a tree of the engine (issue 8, "trees"): every row keeps its level and
-- its path from the root (`/root/…/self/`), so a subtree is one index range. The table is
-- rebuilt from `plinth dev ddl --rebuild organization`; the paths of existing rows are then
-- computed from their parents.

CREATE TABLE "organizations_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "code" TEXT NOT NULL COLLATE NOCASE UNIQUE CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 50),
    "organization_type" TEXT NOT NULL REFERENCES "organization_types" ("name") ON DELETE RESTRICT,
    "status" TEXT NOT NULL DEFAULT 'active' CONSTRAINT "status" CHECK ("status" IN ('active', 'inactive', 'archived')),
    "parent" TEXT REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "effective_date" TEXT,
    "end_date" TEXT,
    "primary_contact" TEXT CONSTRAINT "primary_contact" CHECK (length("primary_contact") BETWEEN 1 AND 36),
    "primary_address" TEXT CONSTRAINT "primary_address" CHECK (length("primary_address") BETWEEN 1 AND 36),
    "timezone" TEXT NOT NULL DEFAULT 'UTC' CONSTRAINT "timezone" CHECK (length("timezone") BETWEEN 1 AND 64),
    "currency" TEXT REFERENCES "currencies" ("code") ON DELETE RESTRICT,
    "language" TEXT NOT NULL DEFAULT 'en' CONSTRAINT "language" CHECK (length("language") BETWEEN 1 AND 35),
    "tags" TEXT NOT NULL DEFAULT '[]' CONSTRAINT "tags" CHECK (json_valid("tags") AND json_type("tags") = 'array'),
    "metadata" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "metadata" CHECK (json_valid("metadata") AND json_type("metadata") = 'object'),
    "level" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "level" CHECK ("level" BETWEEN 0 AND 31),
    "tree_path" TEXT NOT NULL DEFAULT '' CONSTRAINT "tree_path" CHECK (length("tree_path") <= 1200),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("parent", "name"),
    CONSTRAINT "end_date" CHECK ("end_date" IS NULL OR "effective_date" IS NULL OR "end_date" >= "effective_date")
) STRICT;
INSERT INTO "organizations_rebuilt" ("id", "name", "code", "organization_type", "status", "parent", "effective_date", "end_date", "primary_contact", "primary_address", "timezone", "currency", "language", "tags", "metadata", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "name", "code", "organization_type", "status", "parent", "effective_date", "end_date", "primary_contact", "primary_address", "timezone", "currency", "language", "tags", "metadata", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "organizations";
DROP TABLE "organizations";
ALTER TABLE "organizations_rebuilt" RENAME TO "organizations";
CREATE UNIQUE INDEX "organizations_name_partial" ON "organizations" ("name") WHERE "parent" IS NULL;
CREATE INDEX "organizations_tree_path" ON "organizations" ("tree_path");
CREATE INDEX "organizations_name" ON "organizations" ("name");
CREATE INDEX "organizations_organization_type" ON "organizations" ("organization_type");
CREATE INDEX "organizations_currency" ON "organizations" ("currency");

WITH RECURSIVE placed(id, level, tree_path) AS (
    SELECT id, 0, '/' || id || '/' FROM organizations WHERE parent IS NULL
    UNION ALL
    SELECT o.id, placed.level + 1, placed.tree_path || o.id || '/' FROM organizations o JOIN placed ON o.parent = placed.id
)
UPDATE organizations SET level = (SELECT level FROM placed WHERE placed.id = organizations.id),
                         tree_path = (SELECT tree_path FROM placed WHERE placed.id = organizations.id);
