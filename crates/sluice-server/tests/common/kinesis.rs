//! The aws-sdk-kinesis client the Kinesis tests share.

use aws_sdk_kinesis::config::retry::RetryConfig;
use aws_sdk_kinesis::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesis::Client;

/// A client configuration for `endpoint`: the tests' region and key, retries off so
/// every call is one request. Tests add what they need (timeouts) before building.
pub fn kinesis_config(endpoint: &str) -> aws_sdk_kinesis::config::Builder {
    aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(super::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            super::ACCESS_KEY,
            "secret",
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
}

/// A client for `endpoint` (see [`kinesis_config`]).
pub fn kinesis_client(endpoint: &str) -> Client {
    Client::from_conf(kinesis_config(endpoint).build())
}
