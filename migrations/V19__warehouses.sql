-- Warehouses and stock locations (issue 10): warehouses with a code unique per organization
-- and a protected address; stock locations, a tree inside one warehouse taking its
-- organization, with names unique under one parent and barcodes unique per warehouse when
-- given. From `plinth dev ddl warehouse stocklocation`.

CREATE TABLE "warehouses" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "code" TEXT NOT NULL CONSTRAINT "code" CHECK (length("code") BETWEEN 1 AND 50),
    "warehouse_type" TEXT NOT NULL CONSTRAINT "warehouse_type" CHECK ("warehouse_type" IN ('DISTRIBUTION_CENTER', 'RETAIL_STORE', 'MANUFACTURING', 'VIRTUAL_DROPSHIP', 'THIRD_PARTY_LOGISTICS', 'TRANSIT', 'OTHER')),
    "address" TEXT REFERENCES "addresses" ("id") ON DELETE RESTRICT,
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("organization", "code")
) STRICT;
CREATE INDEX "warehouses_name" ON "warehouses" ("name");
CREATE INDEX "warehouses_address" ON "warehouses" ("address");
CREATE TABLE "warehouses_tags" (
    "warehouse" TEXT NOT NULL REFERENCES "warehouses" ("id") ON DELETE CASCADE,
    "tag" TEXT NOT NULL REFERENCES "tags" ("slug") ON DELETE CASCADE,
    PRIMARY KEY ("warehouse", "tag")
) STRICT, WITHOUT ROWID;
CREATE INDEX "warehouses_tags_tag" ON "warehouses_tags" ("tag", "warehouse");

CREATE TABLE "stock_locations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization" TEXT NOT NULL REFERENCES "organizations" ("id") ON DELETE RESTRICT,
    "name" TEXT NOT NULL CONSTRAINT "name" CHECK (length("name") BETWEEN 1 AND 255),
    "barcode" TEXT NOT NULL DEFAULT '' CONSTRAINT "barcode" CHECK (length("barcode") <= 100),
    "warehouse" TEXT NOT NULL REFERENCES "warehouses" ("id") ON DELETE RESTRICT,
    "parent" TEXT REFERENCES "stock_locations" ("id") ON DELETE CASCADE,
    "location_type" TEXT NOT NULL DEFAULT '' CONSTRAINT "location_type" CHECK ("location_type" IN ('ZONE', 'AISLE', 'RACK', 'SHELF', 'BIN', 'DOCK', 'STAGING_AREA', 'OTHER', '')),
    "is_active" INTEGER NOT NULL DEFAULT 1 CONSTRAINT "is_active" CHECK ("is_active" IN (0, 1)),
    "level" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "level" CHECK ("level" BETWEEN 0 AND 31),
    "tree_path" TEXT NOT NULL DEFAULT '' CONSTRAINT "tree_path" CHECK (length("tree_path") <= 1200),
    "custom_fields" TEXT NOT NULL DEFAULT '{}' CONSTRAINT "custom_fields" CHECK (json_valid("custom_fields") AND json_type("custom_fields") = 'object'),
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "created_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    "updated_by" TEXT REFERENCES "users" ("id") ON DELETE SET NULL,
    UNIQUE ("warehouse", "parent", "name")
) STRICT;
CREATE UNIQUE INDEX "stock_locations_warehouse_name_partial" ON "stock_locations" ("warehouse", "name") WHERE "parent" IS NULL;
CREATE UNIQUE INDEX "stock_locations_warehouse_barcode_partial" ON "stock_locations" ("warehouse", "barcode") WHERE "barcode" <> '';
CREATE INDEX "stock_locations_barcode" ON "stock_locations" ("barcode");
CREATE INDEX "stock_locations_name" ON "stock_locations" ("name");
CREATE INDEX "stock_locations_tree_path_warehouse_id" ON "stock_locations" ("tree_path", "warehouse", "id");
CREATE INDEX "stock_locations_warehouse_tree_path" ON "stock_locations" ("warehouse", "tree_path");
CREATE INDEX "stock_locations_organization" ON "stock_locations" ("organization");
CREATE INDEX "stock_locations_parent" ON "stock_locations" ("parent");

