//! Integration tests: one binary, a module per area, each test against a real server on an
//! ephemeral port with its own temp data directory.

mod abuse;
mod api_keys;
mod audit;
mod auth;
mod browser;
mod browser_smoke;
mod categories;
mod cli;
mod common;
mod contacts;
mod custom_fields;
mod demo;
mod engine;
mod filters;
mod http;
mod openapi;
mod organizations;
mod pages;
mod password;
mod products;
mod profiles;
mod protocol;
mod reference;
mod roles;
mod schema;
mod smoke;
mod store;
mod tags;
mod tax;
mod tenancy;
mod throttle;
mod totp;
mod ui;
mod users;
mod walls;
