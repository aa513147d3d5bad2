//! Tests: schema (being written).
