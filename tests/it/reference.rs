//! Tests: reference (being written).
