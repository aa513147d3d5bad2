-- The admin pages keep each user's list settings (chosen columns per model) on the server
-- (issue 9): a new column, placed as the definition has it, so the table is rebuilt. From
-- `plinth dev ddl userprofile`.

CREATE TABLE "user_profiles_new" (
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
    "list_settings" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "list_settings" CHECK (json_valid("list_settings") AND json_type("list_settings") = 'object'),
    "profile_picture" TEXT CONSTRAINT "profile_picture" CHECK (length("profile_picture") BETWEEN 1 AND 36),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL
) STRICT;

INSERT INTO "user_profiles_new" ("user", "job_title", "employee_id", "phone_number", "manager", "language", "timezone", "date_format",
    "time_format", "notification_preferences", "profile_picture", "custom_fields", "created_at", "updated_at", "created_by", "updated_by")
SELECT "user", "job_title", "employee_id", "phone_number", "manager", "language", "timezone", "date_format",
    "time_format", "notification_preferences", "profile_picture", "custom_fields", "created_at", "updated_at", "created_by", "updated_by"
FROM "user_profiles";
DROP TRIGGER users_profile;
DROP TABLE "user_profiles";
ALTER TABLE "user_profiles_new" RENAME TO "user_profiles";
CREATE INDEX "user_profiles_created_at" ON "user_profiles" ("created_at");
CREATE INDEX "user_profiles_manager" ON "user_profiles" ("manager");
CREATE TRIGGER users_profile AFTER INSERT ON users
BEGIN
    INSERT INTO user_profiles ("user", created_at, updated_at) VALUES (NEW.id, NEW.created_at, NEW.created_at);
END;
