//! Sluice's domain core. SQS, SNS, STS and Kinesis semantics live here as plain Rust types
//! and functions: no HTTP, no SQL, no files. Time comes in through [`clock::Clock`]; storage
//! sits behind [`sqs::store::QueueStore`].

pub mod access;
pub mod clock;
pub mod counters;
pub mod kinesis;
pub mod limits;
pub mod sns;
pub mod sqs;
pub mod sts;
