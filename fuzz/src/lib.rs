//! Sluice's fuzz targets. The target bodies live in `targets.rs` so that the stable
//! test suite can run them too (see `crates/sluice-server/tests/bad_input.rs`).

pub mod targets;
pub mod sigv4;
