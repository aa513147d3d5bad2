-- Custom field definitions (issue 8, "custom fields"): per model, the keys its records'
-- custom_fields object may hold. From `plinth dev ddl customfield`.

CREATE TABLE "custom_fields" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "model" TEXT NOT NULL CONSTRAINT "model" CHECK (length("model") BETWEEN 1 AND 100),
    "key" TEXT NOT NULL CONSTRAINT "key" CHECK (length("key") BETWEEN 1 AND 64),
    "label" TEXT NOT NULL CONSTRAINT "label" CHECK (length("label") BETWEEN 1 AND 255),
    "type" TEXT NOT NULL CONSTRAINT "type" CHECK ("type" IN ('text', 'number', 'decimal', 'date', 'boolean', 'choice')),
    "required" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "required" CHECK ("required" IN (0, 1)),
    "choices" TEXT NOT NULL DEFAULT '[]' CONSTRAINT "choices" CHECK (json_valid("choices") AND json_type("choices") = 'array'),
    "default" TEXT CONSTRAINT "default" CHECK (json_valid("default")),
    "help_text" TEXT NOT NULL DEFAULT '',
    "order" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "order" CHECK ("order" BETWEEN 0 AND 1000000),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("model", "key")
) STRICT;
CREATE INDEX "custom_fields_model_order_key" ON "custom_fields" ("model", "order", "key");

