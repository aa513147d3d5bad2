//! `contacts/` (spec: Contact, ContactEmailAddress, ContactPhoneNumber, ContactAddress):
//! people with an optional organization (API.md § Master data), their e-mail addresses,
//! phone numbers and postal addresses written with them as child lists — one primary per
//! list, the same e-mail or number once per contact, addresses inline or by id.

use crate::engine::{Default, Field, FieldErrors, ModelDef, OnDelete, Record, Scope, Shared};

pub const CONTACT_TYPES: &[&str] = &["customer", "supplier", "employee", "partner", "other"];
pub const STATUSES: &[&str] = &["active", "inactive", "archived"];
pub const EMAIL_TYPES: &[&str] = &["work", "personal", "other"];
pub const PHONE_TYPES: &[&str] = &["mobile", "work", "home", "fax", "other"];
pub const ADDRESS_TYPES: &[&str] = &["home", "work", "billing", "shipping", "other"];

const PRIMARY: Field =
    Field::boolean("is_primary").default(Default::Bool(false)).help("At most one per list: the last flagged wins.");

pub const CONTACT: ModelDef = ModelDef {
    fields: &[
        Field::text("first_name", 100).blank().help("A first or a last name is needed."),
        Field::text("last_name", 100).blank(),
        Field::text("title", 100).blank(),
        Field::text("organization_name", 255).blank().help("The company the contact works for, as text."),
        Field::foreign_key("linked_organization", "organization", OnDelete::SetNull)
            .nullable()
            .help("An organization of this Plinth the contact belongs to."),
        Field::lookup("linked_organization_name", "linked_organization", "name"),
        Field::choice("contact_type", CONTACT_TYPES).default(Default::Text("other")),
        Field::choice("status", STATUSES).default(Default::Text("active")),
        Field::long_text("notes").blank(),
        Field::tags("tags"),
        Field::children("email_addresses", "contactemailaddress", "contact").single("is_primary"),
        Field::children("phone_numbers", "contactphonenumber", "contact").single("is_primary"),
        Field::children("addresses", "contactaddress", "contact").single("is_primary"),
    ],
    custom_fields: true,
    scope: Scope::OptionalOrganization { inherited: false, shared: Shared::AnyRole },
    search: &["first_name", "last_name", "organization_name"],
    filters: &["status", "contact_type", "linked_organization", "tags", "organization"],
    ordering: &["last_name", "first_name", "created_at"],
    default_order: &["last_name", "first_name"],
    // Status and type have a handful of values each: an index would not narrow a list
    // (ordered by name through the default-order index) enough to pay for every write.
    // First names are ordered within last names by that index; alone, a page is sorted.
    unindexed: &["status", "contact_type", "first_name", "created_at"],
    display: "{first_name} {last_name}",
    list_columns: &[
        "last_name",
        "first_name",
        "organization_name",
        "contact_type",
        "status",
        "linked_organization_name",
    ],
    validate: Some(validate_name),
    area: "contacts",
    ..ModelDef::base("contact", "Contact", "contacts", "contacts")
};

/// A contact needs a first or a last name.
fn validate_name(record: &Record) -> Result<(), FieldErrors> {
    let given = |name: &str| record.get(name).and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty());
    if given("first_name") || given("last_name") {
        return Ok(());
    }
    Err(FieldErrors::single("non_field_errors", "Enter a first name or a last name."))
}

/// What every child of a contact shares: nested, audited through the contact.
const fn channel(name: &'static str, label: &'static str, table: &'static str) -> ModelDef {
    ModelDef { nested: true, audited: false, ..ModelDef::base(name, label, table, table) }
}

const CONTACT_KEY: Field = Field::foreign_key("contact", "contact", OnDelete::Cascade);

pub const CONTACT_EMAIL: ModelDef = ModelDef {
    fields: &[
        CONTACT_KEY,
        Field::email("email").nocase(),
        Field::choice("email_type", EMAIL_TYPES).default(Default::Text("work")),
        PRIMARY,
    ],
    unique_together: &[&["contact", "email"]],
    display: "{email}",
    ..channel("contactemailaddress", "Contact email address", "contact_email_addresses")
};

pub const CONTACT_PHONE: ModelDef = ModelDef {
    fields: &[
        CONTACT_KEY,
        Field::phone("phone_number").help("E.164, e.g. +14155552671."),
        Field::choice("phone_type", PHONE_TYPES).default(Default::Text("mobile")),
        PRIMARY,
    ],
    unique_together: &[&["contact", "phone_number"]],
    display: "{phone_number}",
    ..channel("contactphonenumber", "Contact phone number", "contact_phone_numbers")
};

pub const CONTACT_ADDRESS: ModelDef = ModelDef {
    fields: &[
        CONTACT_KEY,
        Field::foreign_key("address", "address", OnDelete::Restrict)
            .inline()
            .help("An address id, or an address object: with its id it updates that address, without it creates one."),
        Field::choice("address_type", ADDRESS_TYPES).default(Default::Text("work")),
        PRIMARY,
    ],
    unique_together: &[&["contact", "address", "address_type"]],
    display: "{address_type}",
    ..channel("contactaddress", "Contact address", "contact_addresses")
};
