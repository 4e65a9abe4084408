//! The SQS wire front: the AWS JSON 1.0 and AWS Query codecs, the operation table, the
//! error table and the long-poll gate. `serve` takes a request the front has routed to
//! SQS and authenticated, and answers it in the protocol it spoke.

pub mod errors;
mod json_shape;
pub mod longpoll;
pub mod operations;
mod serve;

pub use serve::{invalid_action, serve, QUERY};

/// `X-Amz-Target: AmazonSQS.<Action>` names a JSON request's action.
pub const JSON_TARGET_PREFIX: &str = "AmazonSQS";
/// The signing name of SQS in SigV4 credential scopes.
pub const SIGNING_NAME: &str = "sqs";
/// The API version Query requests name.
pub const API_VERSION: &str = "2012-11-05";
