//! Shared harness for the SDK integration tests: an in-process server on a hand-driven
//! clock, an `aws-sdk-sqs` client pointed at it, and independent reference
//! computations (MD5 digests) to check the server's answers against.

#![allow(dead_code)]

pub mod kinesis;
pub mod process;
pub mod sns_query;

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
};
use aws_sdk_sqs::Client;
use md5::{Digest, Md5};
use sluice_core::clock::ManualClock;
use sluice_server::{Config, RunningServer};

pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";
pub const ACCESS_KEY: &str = "AKIDTEST";

/// An SDK client for `endpoint`, speaking AWS JSON 1.0. Retries are off so every call
/// is exactly one request (receive counts and error statuses stay exact).
pub fn sdk_client(endpoint: &str) -> Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(ACCESS_KEY, "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// An in-process server on a test clock with a client pointed at it.
pub struct Harness {
    pub server: RunningServer,
    pub client: Client,
    pub endpoint: String,
}

impl Harness {
    pub async fn start() -> Self {
        let server = sluice_server::start(Config {
            test_clock: true,
            ..Config::ephemeral()
        })
        .await
        .expect("server starts");
        let endpoint = server.endpoint_url();
        let client = sdk_client(&endpoint);
        Self {
            server,
            client,
            endpoint,
        }
    }

    pub fn clock(&self) -> &ManualClock {
        self.server.test_clock.as_ref().expect("test clock enabled")
    }

    /// The server's current time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        use sluice_core::clock::Clock;
        self.clock().now_ms()
    }

    /// Moves the server's clock and wakes long polls so they look again.
    pub async fn advance_ms(&self, ms: u64) {
        self.clock().advance_ms(ms);
        self.server.sqs.clock_moved().await;
    }

    pub async fn advance_secs(&self, secs: u64) {
        self.advance_ms(secs * 1000).await;
    }

    pub async fn stop(self) {
        self.server.shutdown().await.expect("clean shutdown");
    }

    pub async fn create_queue(&self, name: &str, attrs: &[(QueueAttributeName, &str)]) -> String {
        let mut req = self.client.create_queue().queue_name(name);
        for (k, v) in attrs {
            req = req.attributes(k.clone(), *v);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
            .queue_url()
            .expect("queue url")
            .to_owned()
    }

    /// Every attribute of a queue (`All`).
    pub async fn attributes(&self, url: &str) -> HashMap<QueueAttributeName, String> {
        self.client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .expect("get queue attributes")
            .attributes()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn attribute(&self, url: &str, name: QueueAttributeName) -> Option<String> {
        self.attributes(url).await.remove(&name)
    }

    pub async fn arn(&self, url: &str) -> String {
        self.attribute(url, QueueAttributeName::QueueArn)
            .await
            .expect("queue arn")
    }

    /// (visible, not visible, delayed) message counts.
    pub async fn counts(&self, url: &str) -> (u64, u64, u64) {
        let attrs = self.attributes(url).await;
        let get = |n: QueueAttributeName| -> u64 {
            attrs
                .get(&n)
                .unwrap_or_else(|| panic!("{n:?} missing"))
                .parse()
                .expect("count is a number")
        };
        (
            get(QueueAttributeName::ApproximateNumberOfMessages),
            get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
            get(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
        )
    }

    /// Sends a plain message; returns its MessageId.
    pub async fn send(&self, url: &str, body: &str) -> String {
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .expect("send")
            .message_id()
            .expect("message id")
            .to_owned()
    }

    /// A short-poll receive (WaitTimeSeconds 0) asking for every attribute.
    pub async fn receive(&self, url: &str, max: i32, visibility: Option<i32>) -> Vec<Message> {
        self.client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max)
            .set_visibility_timeout(visibility)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    }
}

/// Asserts that a call failed with `code` (the AWS Query-compatible error code the SDK
/// reports) and HTTP `status`; returns the error for further checks.
#[track_caller]
pub fn expect_error<T: Debug, E: ProvideErrorMetadata + Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
    code: &str,
    status: u16,
) -> SdkError<E, HttpResponse> {
    let err = match result {
        Ok(v) => panic!("expected {code}, got success: {v:?}"),
        Err(e) => e,
    };
    assert_eq!(err.code(), Some(code), "error code of {err:?}");
    let got_status = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(got_status, Some(status), "HTTP status of {err:?}");
    err
}

/// Lowercase hex MD5.
pub fn md5_hex(bytes: &[u8]) -> String {
    format!("{:x}", Md5::digest(bytes))
}

/// A reference digest of message attributes, following the algorithm AWS documents
/// for MD5OfMessageAttributes: attributes sorted by name; for each, the 4-byte
/// big-endian length and bytes of the name, of the data type, a transport byte (1 for
/// String/Number, 2 for Binary), then the length-prefixed value.
pub fn md5_of_attributes<'a>(
    attrs: impl IntoIterator<Item = (&'a str, &'a str, AttrValue<'a>)>,
) -> String {
    let mut list: Vec<_> = attrs.into_iter().collect();
    list.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut buf = Vec::new();
    let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        buf.extend_from_slice(bytes);
    };
    for (name, data_type, value) in list {
        put(&mut buf, name.as_bytes());
        put(&mut buf, data_type.as_bytes());
        match value {
            AttrValue::Str(s) => {
                buf.push(1);
                put(&mut buf, s.as_bytes());
            }
            AttrValue::Bin(b) => {
                buf.push(2);
                put(&mut buf, b);
            }
        }
    }
    md5_hex(&buf)
}

#[derive(Debug, Clone, Copy)]
pub enum AttrValue<'a> {
    Str(&'a str),
    Bin(&'a [u8]),
}

/// The reference digest of SDK message attributes.
pub fn md5_of_sdk_attributes(attrs: &HashMap<String, MessageAttributeValue>) -> String {
    md5_of_attributes(attrs.iter().map(|(name, v)| {
        let value = match (v.string_value(), v.binary_value()) {
            (Some(s), _) => AttrValue::Str(s),
            (None, Some(b)) => AttrValue::Bin(b.as_ref()),
            (None, None) => panic!("attribute {name} has no value"),
        };
        (name.as_str(), v.data_type(), value)
    }))
}

pub fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .expect("valid attribute")
}

pub fn binary_attr(bytes: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("Binary")
        .binary_value(aws_sdk_sqs::primitives::Blob::new(bytes.to_vec()))
        .build()
        .expect("valid attribute")
}

/// A system attribute of a received message.
pub fn system_attr(message: &Message, name: MessageSystemAttributeName) -> Option<String> {
    message.attributes().and_then(|a| a.get(&name)).cloned()
}

/// Runs `fut` with a generous real-time bound: a guard against hangs, not a timing check.
pub async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 60 s"))
}

/// Lets the runtime run spawned work (such as a long poll reaching the server).
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}
