-- Products (issue 10): the catalog, one per organization. From `plinth dev ddl product`.

CREATE TABLE "products" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "sku" TEXT NOT NULL CONSTRAINT "sku" CHECK (length("sku") BETWEEN 1 AND 100),
    "description" TEXT NOT NULL DEFAULT '',
    "product_type" TEXT NOT NULL CONSTRAINT "product_type" CHECK ("product_type" IN ('PHYSICAL_GOOD', 'SERVICE', 'DIGITAL', 'SUBSCRIPTION', 'OTHER')),
    "category" TEXT REFERENCES "categories" ("id") ON DELETE RESTRICT,
    "status" TEXT NOT NULL DEFAULT 'draft' REFERENCES "statuses" ("slug") ON DELETE RESTRICT,
    "base_uom" TEXT NOT NULL REFERENCES "uoms" ("code") ON DELETE RESTRICT,
    "tax_category" TEXT REFERENCES "tax_categories" ("code") ON DELETE RESTRICT,
    "is_inventory_tracked" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_inventory_tracked" CHECK ("is_inventory_tracked" IN (0, 1)),
    "is_purchasable" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_purchasable" CHECK ("is_purchasable" IN (0, 1)),
    "is_sellable" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_sellable" CHECK ("is_sellable" IN (0, 1)),
    "attributes" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "attributes" CHECK (json_valid("attributes") AND json_type("attributes") = 'object'),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("organization", "sku")
) STRICT;
CREATE INDEX "products_organization_name" ON "products" ("organization", "name");
CREATE INDEX "products_created_at" ON "products" ("created_at");
CREATE INDEX "products_name" ON "products" ("name");
CREATE INDEX "products_category" ON "products" ("category");
CREATE INDEX "products_status" ON "products" ("status");
CREATE INDEX "products_base_uom" ON "products" ("base_uom");
CREATE INDEX "products_tax_category" ON "products" ("tax_category");
CREATE TABLE "products_tags" (
    "product" TEXT NOT NULL REFERENCES "products" ("id") ON DELETE CASCADE,
    "tag" TEXT NOT NULL REFERENCES "tags" ("slug") ON DELETE CASCADE,
    PRIMARY KEY ("product", "tag")
) STRICT, WITHOUT ROWID;
CREATE INDEX "products_tags_tag" ON "products_tags" ("tag", "product");

