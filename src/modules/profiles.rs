//! `profiles/` and `profiles/me/` (spec: User Profile): one profile per user, made by a
//! database trigger when the user is created, seen and changed only by its owner (and
//! superusers).

use serde_json::Value;

use crate::engine::{Field, FieldErrors, ModelDef, OnDelete, Record, Scope, WriteRule};

pub const PROFILE: ModelDef = ModelDef {
    key: "user",
    fields: &[
        Field::foreign_key("user", "user", OnDelete::Cascade).read_only(),
        Field::lookup("username", "user", "username"),
        Field::text("job_title", 100).blank(),
        Field::text("employee_id", 50).blank(),
        Field::phone("phone_number").blank().help("International format (E.164), e.g. +4930123456."),
        Field::foreign_key("manager", "user", OnDelete::SetNull).nullable(),
        Field::language("language").default(crate::engine::Default::Text("en")),
        Field::timezone("timezone").default(crate::engine::Default::Text("UTC")),
        Field::choice("date_format", DATE_FORMATS).default(crate::engine::Default::Text("YYYY-MM-DD")),
        Field::choice("time_format", TIME_FORMATS).default(crate::engine::Default::Text("HH:mm")),
        Field::json_object("notification_preferences")
            .help("Per channel and event, e.g. {\"email\": {\"mention\": true}}."),
        Field::json_object("list_settings")
            .help("The admin pages' list settings per model, e.g. {\"contact\": {\"columns\": [\"last_name\"]}}."),
        Field::text("profile_picture", 36).nullable().read_only().help("File id (files arrive later)."),
    ],
    custom_fields: true,
    scope: Scope::Owner("user"),
    write: WriteRule::UpdateOnly,
    filters: &["user", "manager", "language", "timezone"],
    search: &["job_title", "employee_id"],
    ordering: &["created_at", "updated_at"],
    default_order: &["created_at"],
    // One profile per user, and a caller lists only their own.
    unindexed: &["language", "timezone", "updated_at"],
    display: "{username}",
    list_columns: &["username", "job_title", "phone_number", "language", "timezone"],
    validate: Some(validate_manager),
    area: "administration",
    ..ModelDef::base("userprofile", "User Profile", "profiles", "user_profiles")
};

const DATE_FORMATS: &[&str] = &["YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY"];
const TIME_FORMATS: &[&str] = &["HH:mm", "hh:mm a"];

fn validate_manager(record: &Record) -> Result<(), FieldErrors> {
    let field = |name: &str| record.get(name).and_then(Value::as_str);
    if field("manager").is_some() && field("manager") == field("user") {
        return Err(FieldErrors::single("manager", "A user cannot be their own manager."));
    }
    Ok(())
}
