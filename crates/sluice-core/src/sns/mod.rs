//! Amazon SNS semantics, as plain Rust with no HTTP, no storage and no clock in it.
//! Today this holds subscription filter policies; topics, subscriptions and fan-out
//! arrive beside it (issue 11).

pub mod filter;
