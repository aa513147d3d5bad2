-- Tags are a model of their own (issue 8, "many-to-many and tags"): `tags` (by slug) and a
-- link table per taggable model, `<table>_tags`. Organizations' tags move out of their JSON
-- column: the names wait in `tag_import` until Plinth starts and makes them real tags (with
-- slugs made like Django's slugify), then the staging table goes. Statements from
-- `plinth dev ddl tag organization` and `plinth dev ddl --rebuild organization`.

CREATE TABLE "tags" (
    "name" TEXT NOT NULL COLLATE NOCASE UNIQUE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "slug" TEXT NOT NULL PRIMARY KEY DEFAULT '' CONSTRAINT "slug" CHECK (length("slug") <= 100),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;

CREATE TABLE "organizations_tags" (
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE CASCADE,
    "tag" TEXT NOT NULL REFERENCES "tags" ("slug") ON DELETE CASCADE,
    PRIMARY KEY ("organization", "tag")
) STRICT, WITHOUT ROWID;
CREATE INDEX "organizations_tags_tag" ON "organizations_tags" ("tag", "organization");
CREATE TABLE tag_import (
    model     TEXT NOT NULL,
    object_id TEXT NOT NULL,
    names     TEXT NOT NULL
) STRICT;
INSERT INTO tag_import (model, object_id, names)
    SELECT 'organization', id, tags FROM organizations WHERE json_valid(tags) AND json_array_length(tags) > 0;
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
INSERT INTO "organizations_rebuilt" ("id", "name", "code", "organization_type", "status", "parent", "effective_date", "end_date", "primary_contact", "primary_address", "timezone", "currency", "language", "metadata", "level", "tree_path", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "name", "code", "organization_type", "status", "parent", "effective_date", "end_date", "primary_contact", "primary_address", "timezone", "currency", "language", "metadata", "level", "tree_path", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "organizations";
DROP TABLE "organizations";
ALTER TABLE "organizations_rebuilt" RENAME TO "organizations";
CREATE UNIQUE INDEX "organizations_name_partial" ON "organizations" ("name") WHERE "parent" IS NULL;
CREATE INDEX "organizations_tree_path" ON "organizations" ("tree_path");
CREATE INDEX "organizations_name" ON "organizations" ("name");
CREATE INDEX "organizations_organization_type" ON "organizations" ("organization_type");
CREATE INDEX "organizations_currency" ON "organizations" ("currency");

