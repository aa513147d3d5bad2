//! Tests: http (being written).
