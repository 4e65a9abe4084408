//! Amazon SQS semantics: queues, messages, visibility, delays, retention, dead-letter
//! queues and message move tasks.

pub mod access;
pub mod activity;
pub mod api;
pub mod attributes;
pub mod content;
pub mod error;
pub mod fifo;
mod lenient;
pub mod message;
pub mod names;
pub mod queue;
pub mod receipt;
pub mod redrive;
pub mod sealing;
pub mod service;
pub mod store;
pub mod waiters;

pub use error::{SqsError, SqsErrorKind, SqsResult};
pub use names::QueueKey;
pub use service::{RequestContext, ServiceMessage, Sqs};
