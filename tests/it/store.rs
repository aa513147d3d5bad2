//! Tests: store (being written).
