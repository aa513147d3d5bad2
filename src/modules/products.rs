//! `products/` (spec: Product): the catalog, one per organization. Each product has a SKU
//! unique in its organization, a product category (a `PRODUCT` category: any other type is
//! refused), a base unit that cannot be deleted while used, a status from the status
//! vocabulary (`draft` at first), a tax category, tags, attributes and custom fields.

use crate::engine::{Default, Field, Index, ModelDef, OnDelete, Scope};

pub const PRODUCT_TYPES: &[&str] = &["PHYSICAL_GOOD", "SERVICE", "DIGITAL", "SUBSCRIPTION", "OTHER"];

pub const PRODUCT: ModelDef = ModelDef {
    fields: &[
        Field::text("name", 255),
        Field::text("sku", 100).help("Unique in the organization."),
        Field::long_text("description").blank(),
        Field::choice("product_type", PRODUCT_TYPES),
        Field::foreign_key("category", "category", OnDelete::Restrict)
            .nullable()
            .limited_to("category_type", "PRODUCT", "Choose a product category.")
            .help("A product category."),
        Field::lookup("category_name", "category", "name"),
        Field::foreign_key("status", "status", OnDelete::Restrict).default(Default::Text("draft")),
        Field::foreign_key("base_uom", "uom", OnDelete::Restrict)
            .help("The unit the product is counted in (its code)."),
        Field::foreign_key("tax_category", "taxcategory", OnDelete::Restrict)
            .nullable()
            .help("How the product is taxed (its code)."),
        Field::boolean("is_inventory_tracked").default(Default::Bool(true)),
        Field::boolean("is_purchasable").default(Default::Bool(true)),
        Field::boolean("is_sellable").default(Default::Bool(true)),
        Field::tags("tags"),
        Field::json_object("attributes").help("Semi-structured attributes: color, size, dimensions."),
    ],
    custom_fields: true,
    scope: Scope::Organization,
    unique_together: &[&["organization", "sku"]],
    indexes: &[
        Index { unique: false, columns: &["organization", "name"], filter: "" },
        Index { unique: false, columns: &["created_at"], filter: "" },
    ],
    // Flags and the five product types split the catalog in large parts: an index would not
    // narrow a scan. A SKU is looked up within the caller's organizations, which the unique
    // (organization, sku) index serves. Every write changes `updated_at`: ordering by it sorts
    // the matching rows rather than tax each write with an index.
    unindexed: &["is_inventory_tracked", "is_purchasable", "is_sellable", "product_type", "sku", "updated_at"],
    search: &["sku", "name", "description", "category_name"],
    filters: &[
        "sku",
        "name",
        "status",
        "product_type",
        "category",
        "category.slug",
        "base_uom",
        "tax_category",
        "tags",
        "is_inventory_tracked",
        "is_purchasable",
        "is_sellable",
        "organization",
        "created_at",
    ],
    ordering: &["name", "sku", "created_at", "updated_at"],
    default_order: &["name"],
    display: "{name} ({sku})",
    list_columns: &["sku", "name", "category_name", "product_type", "status", "base_uom", "organization_name"],
    area: "catalog",
    ..ModelDef::base("product", "Product", "products", "products")
};
