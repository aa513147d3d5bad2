//! Tests: openapi (being written).
