//! Amazon SNS semantics, as plain Rust with no HTTP, no storage and no clock in it.
//! Today this holds subscription filter policies and the documents SNS delivers (with
//! their signatures); topics, subscriptions and fan-out arrive beside them (issue 11).

pub mod filter;
pub mod notification;
