-- Tax definitions (issue 10): jurisdictions (a tree keyed by codes), tax categories and tax
-- rates. From `plinth dev ddl taxjurisdiction taxcategory taxrate`; the seeds load the data.

CREATE TABLE "tax_jurisdictions" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 50),
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "jurisdiction_type" TEXT NOT NULL CONSTRAINT "jurisdiction_type" CHECK ("jurisdiction_type" IN ('COUNTRY', 'STATE_PROVINCE', 'COUNTY', 'CITY', 'OTHER')),
    "parent" TEXT REFERENCES "tax_jurisdictions" ("code") ON DELETE RESTRICT,
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "level" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "level" CHECK ("level" BETWEEN 0 AND 31),
    "tree_path" TEXT NOT NULL DEFAULT '' CONSTRAINT "tree_path" CHECK (length("tree_path") <= 1200),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
CREATE INDEX "tax_jurisdictions_tree_path_name_code" ON "tax_jurisdictions" ("tree_path", "name", "code");
CREATE INDEX "tax_jurisdictions_name" ON "tax_jurisdictions" ("name");
CREATE INDEX "tax_jurisdictions_parent" ON "tax_jurisdictions" ("parent");

CREATE TABLE "tax_categories" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 50),
    "name" TEXT NOT NULL UNIQUE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "description" TEXT NOT NULL DEFAULT '',
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;

CREATE TABLE "tax_rates" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jurisdiction" TEXT NOT NULL REFERENCES "tax_jurisdictions" ("code") ON DELETE CASCADE,
    "tax_category" TEXT REFERENCES "tax_categories" ("code") ON DELETE CASCADE,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "rate" INTEGER NOT NULL CONSTRAINT "rate" CHECK ("rate" BETWEEN -9999999999 AND 9999999999),
    "tax_type" TEXT NOT NULL CONSTRAINT "tax_type" CHECK ("tax_type" IN ('VAT', 'GST', 'SALES', 'OTHER')),
    "is_compound" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_compound" CHECK ("is_compound" IN (0, 1)),
    "priority" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "priority" CHECK ("priority" BETWEEN -2147483648 AND 2147483647),
    "valid_from" TEXT,
    "valid_to" TEXT,
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "rate" CHECK ("rate" >= 0),
    CONSTRAINT "valid_to" CHECK ("valid_to" IS NULL OR "valid_from" IS NULL OR "valid_to" >= "valid_from")
) STRICT;
CREATE INDEX "tax_rates_jurisdiction_tax_category_valid_from_valid_to" ON "tax_rates" ("jurisdiction", "tax_category", "valid_from", "valid_to");
CREATE INDEX "tax_rates_valid_from" ON "tax_rates" ("valid_from");
CREATE INDEX "tax_rates_valid_to" ON "tax_rates" ("valid_to");
CREATE INDEX "tax_rates_jurisdiction_priority_valid_from" ON "tax_rates" ("jurisdiction", "priority", "valid_from");
CREATE INDEX "tax_rates_tax_category" ON "tax_rates" ("tax_category");

