//! Delivery to HTTP/S endpoints, in domain terms: the delivery policy and the retry
//! schedule it implies (`policy.rs`), and the documents a publish, a Subscribe or an
//! Unsubscribe puts in the outbox for an endpoint (`http.rs`). Sending them is the
//! server's job (its delivery worker); nothing here speaks HTTP.

pub mod http;
pub mod policy;

pub use policy::{BackoffFunction, DeliveryPolicyError, HttpDeliveryPolicy, RetryPolicy};
