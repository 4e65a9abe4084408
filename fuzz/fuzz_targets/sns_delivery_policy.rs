#![no_main]

use libfuzzer_sys::fuzz_target;

// The body lives in sluice-core (`sns::delivery::policy::fuzz_one`) so that its unit tests
// run it on seeded inputs under stable `cargo test`.
fuzz_target!(|data: &[u8]| sluice_core::sns::delivery::policy::fuzz_one(data));
