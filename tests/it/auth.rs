//! Tests: auth (being written).
