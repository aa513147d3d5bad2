-- The schema from the model definitions (issue 8, "one source for the schema"): every model
-- table rebuilt to what `plinth dev ddl` derives — CHECKs for lengths, ranges, choices and
-- JSON (json_valid was missing), named after their field so a failure is a field error;
-- unique sets whose nullable members collide (root organizations, global roles); indexes
-- for foreign keys and default orders. The statements below are that command's output
-- (`plinth dev ddl --rebuild` on a database at V9), followed by the triggers the rebuilt
-- tables lost.

CREATE TABLE "users_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL COLLATE NOCASE UNIQUE CONSTRAINT "username" CHECK (length("username") BETWEEN 1 AND 150),
    "email" TEXT NOT NULL DEFAULT '' CONSTRAINT "email" CHECK (length("email") <= 254),
    "first_name" TEXT NOT NULL DEFAULT '' CONSTRAINT "first_name" CHECK (length("first_name") <= 150),
    "last_name" TEXT NOT NULL DEFAULT '' CONSTRAINT "last_name" CHECK (length("last_name") <= 150),
    "password" TEXT NOT NULL CONSTRAINT "password" CHECK (length("password") >= 1),
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "is_staff" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_staff" CHECK ("is_staff" IN (0, 1)),
    "is_superuser" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "is_superuser" CHECK ("is_superuser" IN (0, 1)),
    "last_login" TEXT,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "users_rebuilt" ("id", "username", "email", "first_name", "last_name", "password", "is_active", "is_staff", "is_superuser", "last_login", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "username", "email", "first_name", "last_name", "password", "is_active", "is_staff", "is_superuser", "last_login", "created_at", "updated_at", "created_by", "updated_by" FROM "users";
DROP TABLE "users";
ALTER TABLE "users_rebuilt" RENAME TO "users";

CREATE TABLE "user_profiles_rebuilt" (
    "user" TEXT NOT NULL PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE,
    "job_title" TEXT NOT NULL DEFAULT '' CONSTRAINT "job_title" CHECK (length("job_title") <= 100),
    "employee_id" TEXT NOT NULL DEFAULT '' CONSTRAINT "employee_id" CHECK (length("employee_id") <= 50),
    "phone_number" TEXT NOT NULL DEFAULT '' CONSTRAINT "phone_number" CHECK (length("phone_number") <= 16),
    "manager" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "language" TEXT NOT NULL DEFAULT 'en' CONSTRAINT "language" CHECK (length("language") BETWEEN 1 AND 35),
    "timezone" TEXT NOT NULL DEFAULT 'UTC' CONSTRAINT "timezone" CHECK (length("timezone") BETWEEN 1 AND 64),
    "date_format" TEXT NOT NULL DEFAULT 'YYYY-MM-DD' CONSTRAINT "date_format" CHECK ("date_format" IN ('YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY')),
    "time_format" TEXT NOT NULL DEFAULT 'HH:mm' CONSTRAINT "time_format" CHECK ("time_format" IN ('HH:mm', 'hh:mm a')),
    "notification_preferences" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "notification_preferences" CHECK (json_valid("notification_preferences") AND json_type("notification_preferences") = 'object'),
    "profile_picture" TEXT CONSTRAINT "profile_picture" CHECK (length("profile_picture") BETWEEN 1 AND 36),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "user_profiles_rebuilt" ("user", "job_title", "employee_id", "phone_number", "manager", "language", "timezone", "date_format", "time_format", "notification_preferences", "profile_picture", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "user", "job_title", "employee_id", "phone_number", "manager", "language", "timezone", "date_format", "time_format", "notification_preferences", "profile_picture", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "user_profiles";
DROP TABLE "user_profiles";
ALTER TABLE "user_profiles_rebuilt" RENAME TO "user_profiles";
CREATE INDEX "user_profiles_created_at" ON "user_profiles" ("created_at");
CREATE INDEX "user_profiles_manager" ON "user_profiles" ("manager");

CREATE TABLE "roles_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL COLLATE NOCASE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 150),
    "description" TEXT NOT NULL DEFAULT '',
    "permissions" TEXT NOT NULL DEFAULT '[]' CONSTRAINT "permissions" CHECK (json_valid("permissions") AND json_type("permissions") = 'array'),
    "organization" TEXT REFERENCES "organizations" ("id") ON DELETE CASCADE,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("organization", "name")
) STRICT;
INSERT INTO "roles_rebuilt" ("id", "name", "description", "permissions", "organization", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "name", "description", "permissions", "organization", "created_at", "updated_at", "created_by", "updated_by" FROM "roles";
DROP TABLE "roles";
ALTER TABLE "roles_rebuilt" RENAME TO "roles";
CREATE UNIQUE INDEX "roles_name_partial" ON "roles" ("name") WHERE "organization" IS NULL;
CREATE INDEX "roles_name" ON "roles" ("name");

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
CREATE INDEX "organizations_name" ON "organizations" ("name");
CREATE INDEX "organizations_organization_type" ON "organizations" ("organization_type");
CREATE INDEX "organizations_currency" ON "organizations" ("currency");

CREATE TABLE "organization_memberships_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "user" TEXT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE CASCADE,
    "role" TEXT NOT NULL REFERENCES "roles" ("id") ON DELETE RESTRICT,
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("user", "organization")
) STRICT;
INSERT INTO "organization_memberships_rebuilt" ("id", "user", "organization", "role", "is_active", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "user", "organization", "role", "is_active", "created_at", "updated_at", "created_by", "updated_by" FROM "organization_memberships";
DROP TABLE "organization_memberships";
ALTER TABLE "organization_memberships_rebuilt" RENAME TO "organization_memberships";
CREATE INDEX "organization_memberships_created_at" ON "organization_memberships" ("created_at");
CREATE INDEX "organization_memberships_organization" ON "organization_memberships" ("organization");
CREATE INDEX "organization_memberships_role" ON "organization_memberships" ("role");

CREATE TABLE "user_roles_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "user" TEXT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "role" TEXT NOT NULL REFERENCES "roles" ("id") ON DELETE RESTRICT,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("user", "role")
) STRICT;
INSERT INTO "user_roles_rebuilt" ("id", "user", "role", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "user", "role", "created_at", "updated_at", "created_by", "updated_by" FROM "user_roles";
DROP TABLE "user_roles";
ALTER TABLE "user_roles_rebuilt" RENAME TO "user_roles";
CREATE INDEX "user_roles_created_at" ON "user_roles" ("created_at");
CREATE INDEX "user_roles_role" ON "user_roles" ("role");

CREATE TABLE "invitations_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE CASCADE,
    "role" TEXT NOT NULL REFERENCES "roles" ("id") ON DELETE CASCADE,
    "username" TEXT NOT NULL COLLATE NOCASE DEFAULT '' CONSTRAINT "username" CHECK (length("username") <= 150),
    "email" TEXT NOT NULL COLLATE NOCASE DEFAULT '' CONSTRAINT "email" CHECK (length("email") <= 254),
    "message" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending' CONSTRAINT "status" CHECK ("status" IN ('pending', 'accepted', 'declined')),
    "expires_at" TEXT NOT NULL,
    "responded_at" TEXT,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "non_field_errors" CHECK ("username" <> '' OR "email" <> '')
) STRICT;
INSERT INTO "invitations_rebuilt" ("id", "organization", "role", "username", "email", "message", "status", "expires_at", "responded_at", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "organization", "role", "username", "email", "message", "status", "expires_at", "responded_at", "created_at", "updated_at", "created_by", "updated_by" FROM "invitations";
DROP TABLE "invitations";
ALTER TABLE "invitations_rebuilt" RENAME TO "invitations";
CREATE INDEX "invitations_username_partial" ON "invitations" ("username") WHERE "status" = 'pending' AND "username" <> '';
CREATE INDEX "invitations_email_partial" ON "invitations" ("email") WHERE "status" = 'pending' AND "email" <> '';
CREATE INDEX "invitations_created_at" ON "invitations" ("created_at");
CREATE INDEX "invitations_organization" ON "invitations" ("organization");
CREATE INDEX "invitations_role" ON "invitations" ("role");

CREATE TABLE "statuses_rebuilt" (
    "slug" TEXT NOT NULL PRIMARY KEY CONSTRAINT "slug" CHECK (length("slug") BETWEEN 1 AND 50),
    "name" TEXT NOT NULL UNIQUE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "description" TEXT NOT NULL DEFAULT '',
    "category" TEXT NOT NULL DEFAULT '' CONSTRAINT "category" CHECK (length("category") <= 50),
    "color" TEXT NOT NULL DEFAULT '' CONSTRAINT "color" CHECK (length("color") <= 7),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "statuses_rebuilt" ("slug", "name", "description", "category", "color", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "slug", "name", "description", "category", "color", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "statuses";
DROP TABLE "statuses";
ALTER TABLE "statuses_rebuilt" RENAME TO "statuses";
CREATE INDEX "statuses_category_name" ON "statuses" ("category", "name");

CREATE TABLE "currencies_rebuilt" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 3),
    "name" TEXT NOT NULL UNIQUE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "symbol" TEXT NOT NULL DEFAULT '' CONSTRAINT "symbol" CHECK (length("symbol") <= 10),
    "numeric_code" TEXT UNIQUE CONSTRAINT "numeric_code" CHECK (length("numeric_code") BETWEEN 1 AND 3),
    "decimal_places" INTEGER NOT NULL DEFAULT 2 CONSTRAINT "decimal_places" CHECK ("decimal_places" BETWEEN 0 AND 32767),
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "currencies_rebuilt" ("code", "name", "symbol", "numeric_code", "decimal_places", "is_active", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "code", "name", "symbol", "numeric_code", "decimal_places", "is_active", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "currencies";
DROP TABLE "currencies";
ALTER TABLE "currencies_rebuilt" RENAME TO "currencies";

CREATE TABLE "uoms_rebuilt" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 20),
    "name" TEXT NOT NULL UNIQUE CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "uom_type" TEXT NOT NULL CONSTRAINT "uom_type" CHECK ("uom_type" IN ('Length', 'Mass', 'Volume', 'Count', 'Time', 'Area', 'Other')),
    "symbol" TEXT NOT NULL DEFAULT '' CONSTRAINT "symbol" CHECK (length("symbol") <= 10),
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "uoms_rebuilt" ("code", "name", "uom_type", "symbol", "is_active", "custom_fields", "created_at", "updated_at", "created_by", "updated_by") SELECT "code", "name", "uom_type", "symbol", "is_active", "custom_fields", "created_at", "updated_at", "created_by", "updated_by" FROM "uoms";
DROP TABLE "uoms";
ALTER TABLE "uoms_rebuilt" RENAME TO "uoms";
CREATE INDEX "uoms_uom_type_name" ON "uoms" ("uom_type", "name");

CREATE TABLE "uom_conversions_rebuilt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "from_uom" TEXT NOT NULL REFERENCES "uoms" ("code") ON DELETE RESTRICT,
    "to_uom" TEXT NOT NULL REFERENCES "uoms" ("code") ON DELETE RESTRICT,
    "factor" INTEGER NOT NULL CONSTRAINT "factor" CHECK ("factor" BETWEEN -999999999999999999 AND 999999999999999999),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("from_uom", "to_uom"),
    CONSTRAINT "factor" CHECK ("factor" > 0),
    CONSTRAINT "to_uom" CHECK ("from_uom" <> "to_uom")
) STRICT;
INSERT INTO "uom_conversions_rebuilt" ("id", "from_uom", "to_uom", "factor", "created_at", "updated_at", "created_by", "updated_by") SELECT "id", "from_uom", "to_uom", "factor", "created_at", "updated_at", "created_by", "updated_by" FROM "uom_conversions";
DROP TABLE "uom_conversions";
ALTER TABLE "uom_conversions_rebuilt" RENAME TO "uom_conversions";
CREATE INDEX "uom_conversions_to_uom" ON "uom_conversions" ("to_uom");

CREATE TABLE "organization_types_rebuilt" (
    "name" TEXT NOT NULL PRIMARY KEY CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "organization_types_rebuilt" ("name", "description", "created_at", "updated_at", "created_by", "updated_by") SELECT "name", "description", "created_at", "updated_at", "created_by", "updated_by" FROM "organization_types";
DROP TABLE "organization_types";
ALTER TABLE "organization_types_rebuilt" RENAME TO "organization_types";

CREATE TABLE "countries_rebuilt" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 2),
    "alpha3" TEXT NOT NULL UNIQUE CONSTRAINT "alpha3" CHECK (length("alpha3") BETWEEN 1 AND 3),
    "numeric_code" TEXT NOT NULL CONSTRAINT "numeric_code" CHECK (length("numeric_code") BETWEEN 1 AND 3),
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 100),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "countries_rebuilt" ("code", "alpha3", "numeric_code", "name", "created_at", "updated_at", "created_by", "updated_by") SELECT "code", "alpha3", "numeric_code", "name", "created_at", "updated_at", "created_by", "updated_by" FROM "countries";
DROP TABLE "countries";
ALTER TABLE "countries_rebuilt" RENAME TO "countries";
CREATE INDEX "countries_name" ON "countries" ("name");

CREATE TABLE "timezones_rebuilt" (
    "code" TEXT NOT NULL PRIMARY KEY CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 64),
    "area" TEXT NOT NULL DEFAULT '' CONSTRAINT "area" CHECK (length("area") <= 32),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;
INSERT INTO "timezones_rebuilt" ("code", "area", "created_at", "updated_at", "created_by", "updated_by") SELECT "code", "area", "created_at", "updated_at", "created_by", "updated_by" FROM "timezones";
DROP TABLE "timezones";
ALTER TABLE "timezones_rebuilt" RENAME TO "timezones";

CREATE TABLE "audit_logs_rebuilt" (
    "id" INTEGER PRIMARY KEY CONSTRAINT "id" CHECK ("id" BETWEEN 1 AND 9223372036854775807),
    "created_at" TEXT NOT NULL,
    "user" TEXT CONSTRAINT "user" CHECK (length("user") BETWEEN 1 AND 36),
    "username" TEXT NOT NULL DEFAULT '' CONSTRAINT "username" CHECK (length("username") <= 150),
    "organization" TEXT CONSTRAINT "organization" CHECK (length("organization") BETWEEN 1 AND 36),
    "action" TEXT NOT NULL CONSTRAINT "action" CHECK ("action" IN ('CREATE', 'UPDATE', 'DELETE', 'LOGIN_SUCCESS', 'LOGIN_FAILED', 'LOGOUT', 'PASSWORD_CHANGED', 'PASSWORD_RESET', '2FA_ENABLED', '2FA_DISABLED', 'API_KEY_CREATED', 'API_KEY_REVOKED', 'TOKEN_REUSE_DETECTED', 'PERMISSION_ASSIGN', 'PERMISSION_REVOKE')),
    "model" TEXT NOT NULL DEFAULT '' CONSTRAINT "model" CHECK (length("model") <= 100),
    "object_id" TEXT NOT NULL DEFAULT '' CONSTRAINT "object_id" CHECK (length("object_id") <= 255),
    "object_repr" TEXT NOT NULL DEFAULT '' CONSTRAINT "object_repr" CHECK (length("object_repr") <= 255),
    "changes" TEXT DEFAULT '{}' CONSTRAINT "changes" CHECK (json_valid("changes") AND json_type("changes") = 'object'),
    "context" TEXT DEFAULT '{}' CONSTRAINT "context" CHECK (json_valid("context") AND json_type("context") = 'object'),
    "prev_hash" TEXT NOT NULL CONSTRAINT "prev_hash" CHECK (length("prev_hash") BETWEEN 1 AND 64),
    "hash" TEXT NOT NULL CONSTRAINT "hash" CHECK (length("hash") BETWEEN 1 AND 64)
) STRICT;
INSERT INTO "audit_logs_rebuilt" ("id", "created_at", "user", "username", "organization", "action", "model", "object_id", "object_repr", "changes", "context", "prev_hash", "hash") SELECT "id", "created_at", "user", "username", "organization", "action", "model", "object_id", "object_repr", "changes", "context", "prev_hash", "hash" FROM "audit_logs";
DROP TABLE "audit_logs";
ALTER TABLE "audit_logs_rebuilt" RENAME TO "audit_logs";
CREATE INDEX "audit_logs_model_object_id" ON "audit_logs" ("model", "object_id");
CREATE INDEX "audit_logs_user" ON "audit_logs" ("user");
CREATE INDEX "audit_logs_organization_user_partial" ON "audit_logs" ("organization", "user") WHERE "organization" IS NOT NULL;

CREATE TRIGGER audit_logs_append_only_update BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
CREATE TRIGGER audit_logs_append_only_delete BEFORE DELETE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
CREATE TRIGGER users_profile AFTER INSERT ON users
BEGIN
    INSERT INTO user_profiles ("user", created_at, updated_at) VALUES (NEW.id, NEW.created_at, NEW.created_at);
END;
