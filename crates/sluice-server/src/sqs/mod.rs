//! The SQS wire front: protocol detection, the AWS JSON 1.0 and AWS Query codecs, the
//! operation table and the error table.

pub mod errors;
pub mod operations;
pub mod protocol;
