//! The SQS calls the scenarios make: request bodies written straight into a buffer
//! (every value is either generated here or JSON-escaped once), and the few response
//! fields the load generator needs, parsed without copying message bodies.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

/// Digits of the send timestamp (nanoseconds since the Unix epoch) that starts every
/// message body.
pub const TIMESTAMP_DIGITS: usize = 20;

/// Nanoseconds since the Unix epoch. The load generator's only wall-clock read: send
/// and receive happen in this process, so bodies carry this and the receiver
/// subtracts it.
#[allow(clippy::disallowed_methods)] // A load generator measures real time.
pub fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A value as a JSON string literal, quotes included.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// FIFO fields of one message.
pub struct FifoIds<'a> {
    pub group: &'a str,
    pub dedup: &'a str,
}

/// Writes a message body: the send timestamp, then `pad` up to `size` bytes, quoted.
fn write_body(buf: &mut Vec<u8>, size: usize, pad: &[u8]) {
    buf.push(b'"');
    let ts = format!("{:0width$}", now_nanos(), width = TIMESTAMP_DIGITS);
    buf.extend_from_slice(ts.as_bytes());
    buf.extend_from_slice(&pad[..size.saturating_sub(TIMESTAMP_DIGITS)]);
    buf.push(b'"');
}

fn write_fifo(buf: &mut Vec<u8>, fifo: Option<&FifoIds<'_>>) {
    if let Some(ids) = fifo {
        buf.extend_from_slice(b",\"MessageGroupId\":\"");
        buf.extend_from_slice(ids.group.as_bytes());
        buf.extend_from_slice(b"\",\"MessageDeduplicationId\":\"");
        buf.extend_from_slice(ids.dedup.as_bytes());
        buf.push(b'"');
    }
}

/// `SendMessage` body. `url_json` is the queue URL as a JSON string literal.
pub fn send_message(
    buf: &mut Vec<u8>,
    url_json: &str,
    size: usize,
    pad: &[u8],
    fifo: Option<&FifoIds<'_>>,
) {
    buf.clear();
    buf.extend_from_slice(b"{\"QueueUrl\":");
    buf.extend_from_slice(url_json.as_bytes());
    buf.extend_from_slice(b",\"MessageBody\":");
    write_body(buf, size, pad);
    write_fifo(buf, fifo);
    buf.push(b'}');
}

/// `SendMessageBatch` body with one entry per element of `fifo` (or `entries`
/// entries on a standard queue).
pub fn send_message_batch(
    buf: &mut Vec<u8>,
    url_json: &str,
    entries: usize,
    size: usize,
    pad: &[u8],
    fifo: &[FifoIds<'_>],
) {
    buf.clear();
    buf.extend_from_slice(b"{\"QueueUrl\":");
    buf.extend_from_slice(url_json.as_bytes());
    buf.extend_from_slice(b",\"Entries\":[");
    for i in 0..entries {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"Id\":\"");
        buf.extend_from_slice(i.to_string().as_bytes());
        buf.extend_from_slice(b"\",\"MessageBody\":");
        write_body(buf, size, pad);
        write_fifo(buf, fifo.get(i));
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}");
}

/// `ReceiveMessage` body.
pub fn receive_message(buf: &mut Vec<u8>, url_json: &str, max: u32, wait: Duration) {
    buf.clear();
    buf.extend_from_slice(b"{\"QueueUrl\":");
    buf.extend_from_slice(url_json.as_bytes());
    buf.extend_from_slice(
        format!(
            ",\"MaxNumberOfMessages\":{max},\"WaitTimeSeconds\":{}}}",
            wait.as_secs()
        )
        .as_bytes(),
    );
}

/// `DeleteMessageBatch` body.
pub fn delete_message_batch(buf: &mut Vec<u8>, url_json: &str, handles: &[String]) {
    buf.clear();
    buf.extend_from_slice(b"{\"QueueUrl\":");
    buf.extend_from_slice(url_json.as_bytes());
    buf.extend_from_slice(b",\"Entries\":[");
    for (i, handle) in handles.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(format!("{{\"Id\":\"{i}\",\"ReceiptHandle\":").as_bytes());
        serde_json::to_writer(&mut *buf, handle).expect("strings serialise");
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}");
}

#[derive(Deserialize)]
struct ReceiveOutput<'a> {
    #[serde(rename = "Messages", default, borrow)]
    messages: Vec<ReceivedMessage<'a>>,
}

#[derive(Deserialize)]
struct ReceivedMessage<'a> {
    #[serde(rename = "ReceiptHandle", borrow)]
    receipt_handle: Cow<'a, str>,
    #[serde(rename = "Body", borrow)]
    body: Cow<'a, str>,
}

/// What a receive returned: receipt handles, and each message's send timestamp when
/// its body carries one.
pub struct Received {
    pub handles: Vec<String>,
    pub sent_at_nanos: Vec<u64>,
}

pub fn parse_receive(body: &[u8]) -> Result<Received, serde_json::Error> {
    let out: ReceiveOutput<'_> = serde_json::from_slice(body)?;
    let mut received = Received {
        handles: Vec::with_capacity(out.messages.len()),
        sent_at_nanos: Vec::with_capacity(out.messages.len()),
    };
    for m in out.messages {
        if let Some(ts) = sent_at(&m.body) {
            received.sent_at_nanos.push(ts);
        }
        received.handles.push(m.receipt_handle.into_owned());
    }
    Ok(received)
}

/// Name of the field that holds the published message in an SNS notification document.
const NOTIFICATION_MESSAGE_FIELD: &str = "\"Message\"";

/// The send timestamp a body starts with, or, for an SNS notification document, the
/// one its `Message` starts with (some servers put spaces around the colon).
fn sent_at(body: &str) -> Option<u64> {
    let text = if body.starts_with('{') {
        let at = body.find(NOTIFICATION_MESSAGE_FIELD)? + NOTIFICATION_MESSAGE_FIELD.len();
        body[at..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start()
            .strip_prefix('"')?
    } else {
        body
    };
    text.get(..TIMESTAMP_DIGITS)?.parse().ok()
}

#[derive(Deserialize)]
struct BatchOutput<'a> {
    #[serde(rename = "Failed", default, borrow)]
    failed: Vec<BatchFailure<'a>>,
}

#[derive(Deserialize)]
struct BatchFailure<'a> {
    #[serde(rename = "Code", borrow)]
    code: Cow<'a, str>,
}

/// Error codes of the failed entries of a batch response.
pub fn parse_batch_failures(body: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    let out: BatchOutput<'_> = serde_json::from_slice(body)?;
    Ok(out
        .failed
        .into_iter()
        .map(|f| f.code.into_owned())
        .collect())
}

#[derive(Deserialize)]
struct ErrorOutput<'a> {
    #[serde(rename = "__type", default, borrow)]
    error_type: Option<Cow<'a, str>>,
}

/// The error code of an error response: its `__type` without any namespace.
pub fn error_code(status: u16, body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<ErrorOutput<'_>>(body)
        .ok()
        .and_then(|e| e.error_type);
    match parsed {
        Some(t) => t.rsplit('#').next().unwrap_or(&t).to_owned(),
        None => format!("HTTP {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_body_is_valid_json() {
        let pad = vec![b'x'; 64];
        let mut buf = Vec::new();
        let fifo = [FifoIds {
            group: "g1",
            dedup: "d1",
        }];
        send_message_batch(&mut buf, &json_string("http://q/1"), 1, 40, &pad, &fifo);
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        let entry = &v["Entries"][0];
        assert_eq!(entry["MessageBody"].as_str().unwrap().len(), 40);
        assert_eq!(entry["MessageGroupId"], "g1");
        delete_message_batch(&mut buf, "\"u\"", &["a\"b".to_owned()]);
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["Entries"][0]["ReceiptHandle"], "a\"b");
    }

    #[test]
    fn receive_output_yields_handles_and_timestamps() {
        let body = br#"{"Messages":[{"MessageId":"m","ReceiptHandle":"h1","MD5OfBody":"x","Body":"00000000000000000042xxxx"}]}"#;
        let r = parse_receive(body).unwrap();
        assert_eq!(r.handles, ["h1"]);
        assert_eq!(r.sent_at_nanos, [42]);
        assert!(parse_receive(b"{}").unwrap().handles.is_empty());
        let envelope = r#"{"Type":"Notification","MessageId":"x","Message":"00000000000000000007xx","Timestamp":"t"}"#;
        assert_eq!(sent_at(envelope), Some(7));
        assert_eq!(
            sent_at(r#"{"Type": "Notification", "Message": "00000000000000000008x"}"#),
            Some(8)
        );
        assert_eq!(sent_at("{\"other\":1}"), None);
    }

    #[test]
    fn error_codes_drop_namespaces() {
        let body = br#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"m"}"#;
        assert_eq!(error_code(400, body), "QueueDoesNotExist");
        assert_eq!(error_code(500, b"oops"), "HTTP 500");
    }
}
