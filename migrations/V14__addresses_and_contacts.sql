-- Addresses and contacts (issue 8, "models"): shared business records with an optional
-- organization, the contact's e-mail addresses, phone numbers and addresses as child
-- lists, and organizations' primary contact and address as real foreign keys (SET NULL).
-- From `plinth dev ddl address contact contactemailaddress contactphonenumber
-- contactaddress` and `plinth dev ddl --rebuild organization`.

CREATE TABLE "addresses" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "street_address_1" TEXT NOT NULL DEFAULT '' CONSTRAINT "street_address_1" CHECK (length("street_address_1") <= 255),
    "street_address_2" TEXT NOT NULL DEFAULT '' CONSTRAINT "street_address_2" CHECK (length("street_address_2") <= 255),
    "city" TEXT NOT NULL DEFAULT '' CONSTRAINT "city" CHECK (length("city") <= 100),
    "state_province" TEXT NOT NULL DEFAULT '' CONSTRAINT "state_province" CHECK (length("state_province") <= 100),
    "postal_code" TEXT NOT NULL DEFAULT '' CONSTRAINT "postal_code" CHECK (length("postal_code") <= 20),
    "country" TEXT NOT NULL CONSTRAINT "country" CHECK (length("country") BETWEEN 1 AND 2),
    "latitude" INTEGER CONSTRAINT "latitude" CHECK ("latitude" BETWEEN -9999999999 AND 9999999999),
    "longitude" INTEGER CONSTRAINT "longitude" CHECK ("longitude" BETWEEN -9999999999 AND 9999999999),
    "status" TEXT NOT NULL DEFAULT 'active' CONSTRAINT "status" CHECK ("status" IN ('active', 'inactive', 'archived')),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "latitude" CHECK ("latitude" BETWEEN -900000000 AND 900000000),
    CONSTRAINT "longitude" CHECK ("longitude" BETWEEN -1800000000 AND 1800000000)
) STRICT;
CREATE INDEX "addresses_country_city_street_address_1" ON "addresses" ("country", "city", "street_address_1");
CREATE INDEX "addresses_organization" ON "addresses" ("organization");

CREATE TABLE "contacts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "first_name" TEXT NOT NULL DEFAULT '' CONSTRAINT "first_name" CHECK (length("first_name") <= 100),
    "last_name" TEXT NOT NULL DEFAULT '' CONSTRAINT "last_name" CHECK (length("last_name") <= 100),
    "title" TEXT NOT NULL DEFAULT '' CONSTRAINT "title" CHECK (length("title") <= 100),
    "organization_name" TEXT NOT NULL DEFAULT '' CONSTRAINT "organization_name" CHECK (length("organization_name") <= 255),
    "linked_organization" TEXT REFERENCES "organizations" ("id") ON DELETE SET NULL,
    "contact_type" TEXT NOT NULL DEFAULT 'other' CONSTRAINT "contact_type" CHECK ("contact_type" IN ('customer', 'supplier', 'employee', 'partner', 'other')),
    "status" TEXT NOT NULL DEFAULT 'active' CONSTRAINT "status" CHECK ("status" IN ('active', 'inactive', 'archived')),
    "notes" TEXT NOT NULL DEFAULT '',
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
CREATE INDEX "contacts_last_name_first_name" ON "contacts" ("last_name", "first_name");
CREATE INDEX "contacts_organization" ON "contacts" ("organization");
CREATE INDEX "contacts_linked_organization" ON "contacts" ("linked_organization");
CREATE TABLE "contacts_tags" (
    "contact" TEXT NOT NULL REFERENCES "contacts" ("id") ON DELETE CASCADE,
    "tag" TEXT NOT NULL REFERENCES "tags" ("slug") ON DELETE CASCADE,
    PRIMARY KEY ("contact", "tag")
) STRICT, WITHOUT ROWID;
CREATE INDEX "contacts_tags_tag" ON "contacts_tags" ("tag", "contact");

CREATE TABLE "contact_email_addresses" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "contact" TEXT NOT NULL REFERENCES "contacts" ("id") ON DELETE CASCADE,
    "email" TEXT NOT NULL COLLATE NOCASE CONSTRAINT "email" CHECK (length("email") BETWEEN 1 AND 254),
    "email_type" TEXT NOT NULL DEFAULT 'work' CONSTRAINT "email_type" CHECK ("email_type" IN ('work', 'personal', 'other')),
    "is_primary" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_primary" CHECK ("is_primary" IN (0, 1)),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("contact", "email")
) STRICT;

CREATE TABLE "contact_phone_numbers" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "contact" TEXT NOT NULL REFERENCES "contacts" ("id") ON DELETE CASCADE,
    "phone_number" TEXT NOT NULL CONSTRAINT "phone_number" CHECK (length("phone_number") BETWEEN 1 AND 16),
    "phone_type" TEXT NOT NULL DEFAULT 'mobile' CONSTRAINT "phone_type" CHECK ("phone_type" IN ('mobile', 'work', 'home', 'fax', 'other')),
    "is_primary" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_primary" CHECK ("is_primary" IN (0, 1)),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("contact", "phone_number")
) STRICT;

CREATE TABLE "contact_addresses" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "contact" TEXT NOT NULL REFERENCES "contacts" ("id") ON DELETE CASCADE,
    "address" TEXT NOT NULL REFERENCES "addresses" ("id") ON DELETE RESTRICT,
    "address_type" TEXT NOT NULL DEFAULT 'work' CONSTRAINT "address_type" CHECK ("address_type" IN ('home', 'work', 'billing', 'shipping', 'other')),
    "is_primary" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_primary" CHECK ("is_primary" IN (0, 1)),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("contact", "address", "address_type")
) STRICT;
CREATE INDEX "contact_addresses_address" ON "contact_addresses" ("address");

CREATE TABLE "organizations_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "code" TEXT NOT NULL COLLATE NOCASE UNIQUE CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 50),
    "organization_type" TEXT NOT NULL REFERENCES "organization_types" ("name") ON DELETE RESTRICT,
    "status" TEXT NOT NULL DEFAULT 'active' CONSTRAINT "status" CHECK ("status" IN ('active', 'inactive', 'archived')),
    "parent" TEXT REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "effective_date" TEXT,
    "end_date" TEXT,
    "primary_contact" TEXT REFERENCES "contacts" ("id") ON DELETE SET NULL,
    "primary_address" TEXT REFERENCES "addresses" ("id") ON DELETE SET NULL,
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
CREATE INDEX "organizations_primary_contact" ON "organizations" ("primary_contact");
CREATE INDEX "organizations_primary_address" ON "organizations" ("primary_address");
CREATE INDEX "organizations_currency" ON "organizations" ("currency");

