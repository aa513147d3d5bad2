//! Tests: engine (being written).
