-- Categories (issue 10): the typed classification tree, reference data. From
-- `plinth dev ddl category`.

CREATE TABLE "categories" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "slug" TEXT NOT NULL UNIQUE DEFAULT '' CONSTRAINT "slug" CHECK (length("slug") <= 255),
    "description" TEXT NOT NULL DEFAULT '',
    "parent" TEXT REFERENCES "categories" ("id") ON DELETE CASCADE,
    "category_type" TEXT NOT NULL CONSTRAINT "category_type" CHECK ("category_type" IN ('PRODUCT', 'DOCUMENT_TYPE', 'ASSET_TYPE', 'ORG_COST_CENTER', 'OTHER')),
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "level" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "level" CHECK ("level" BETWEEN 0 AND 31),
    "tree_path" TEXT NOT NULL DEFAULT '' CONSTRAINT "tree_path" CHECK (length("tree_path") <= 1200),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("parent", "name", "category_type")
) STRICT;
CREATE UNIQUE INDEX "categories_name_category_type_partial" ON "categories" ("name", "category_type") WHERE "parent" IS NULL;
CREATE INDEX "categories_tree_path_id" ON "categories" ("tree_path", "id");

