//! Integration tests: one binary, a module per area, each test against a real server on an
//! ephemeral port with its own temp data directory.

mod common;
mod smoke;
