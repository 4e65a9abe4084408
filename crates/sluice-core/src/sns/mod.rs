//! Amazon SNS semantics, as plain Rust with no HTTP, no storage engine and no clock in it.
//!
//! - `names.rs`, `limits.rs`: topic names, topic and subscription ARNs, every limit.
//! - `topic_attributes.rs`, `subscription_attributes.rs`: attributes with AWS's defaults
//!   and validation (filter policies through `filter/`).
//! - `protocol.rs`: delivery protocols and their endpoints; `phone.rs`: phone numbers.
//! - `service/`: the `Sns` service, one method per action; `access.rs`: `sns:` actions.
//! - `store.rs`: the `TopicStore` boundary the embedded store implements.
//! - `fifo.rs`: what FIFO topics deduplicate and order by.
//! - `filter/`: filter policies; `notification/`: the documents SNS delivers.
//! - `delivery/`: HTTP/S delivery policies, retry schedules and outbox entries;
//!   `outbox.rs`: the `DeliveryOutbox` boundary HTTP/S deliveries wait behind.
//! - `activity.rs`: each topic's publish and delivery counters; `delivery_log.rs`: its
//!   recent delivery attempts and their outcomes (read by metrics and the console).
//!
//! - `publish.rs`: what a Publish must hold; `service/publish.rs`: fan-out to queues.

pub mod access;
pub mod activity;
pub mod api;
pub mod delivery;
pub mod delivery_log;
pub mod error;
pub mod fifo;
pub mod filter;
pub mod limits;
pub mod names;
pub mod notification;
pub mod outbox;
pub mod phone;
pub mod protocol;
pub mod publish;
pub(crate) mod service;
pub mod store;
pub mod subscription_attributes;
pub mod topic_attributes;

pub use error::{SnsError, SnsErrorKind, SnsResult};
pub use names::TopicKey;
pub use service::{
    dead_letter_target, delivered_by_sluice, signing_cert_url, AddPermissionInput, AttemptEnd,
    DeadLetter, Fanout, Sns, SnsContext, SIGNING_CERT_PATH, SNS_SERVICE_PRINCIPAL,
};

/// The API version Query requests name.
pub const API_VERSION: &str = "2010-03-31";
