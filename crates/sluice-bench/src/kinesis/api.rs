//! The Kinesis calls the scenarios make (AWS JSON 1.1): request bodies written straight
//! into a buffer, and the few response fields the load generator needs, parsed without
//! copying record data.

use std::borrow::Cow;
use std::time::Duration;

use base64::Engine as _;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::client::{ClientError, Conn};
use crate::sqs::{json_string, now_nanos, TIMESTAMP_DIGITS};

/// Time allowed for one call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Records a `GetRecords` asks for (the Kinesis maximum).
pub const GET_RECORDS_LIMIT: usize = 10_000;

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A record's data: the time it was made (nanoseconds since the epoch, as in the SQS
/// bodies) padded with `x` to `size` bytes, base64-encoded.
pub fn timestamped_data(size: usize) -> String {
    let mut raw = format!("{:0width$}", now_nanos(), width = TIMESTAMP_DIGITS).into_bytes();
    raw.resize(size.max(TIMESTAMP_DIGITS), b'x');
    b64(&raw)
}

/// The timestamp at the start of a record's base64 data, if it has one.
pub fn data_timestamp(data_b64: &str) -> Option<u64> {
    // 20 digits take the first 28 base64 characters (21 bytes' worth).
    let head = data_b64.get(..28)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(head)
        .ok()?;
    std::str::from_utf8(raw.get(..TIMESTAMP_DIGITS)?)
        .ok()?
        .parse()
        .ok()
}

/// `PutRecords` body: `count` records of the same base64 data, with partition keys
/// `pk-<first_key>` onwards. `stream_json` is the stream name as a JSON string literal.
pub fn put_records(
    buf: &mut Vec<u8>,
    stream_json: &str,
    data_b64: &str,
    first_key: u64,
    count: usize,
) {
    buf.clear();
    buf.extend_from_slice(b"{\"StreamName\":");
    buf.extend_from_slice(stream_json.as_bytes());
    buf.extend_from_slice(b",\"Records\":[");
    for i in 0..count {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"Data\":\"");
        buf.extend_from_slice(data_b64.as_bytes());
        buf.extend_from_slice(b"\",\"PartitionKey\":\"pk-");
        buf.extend_from_slice((first_key + i as u64).to_string().as_bytes());
        buf.extend_from_slice(b"\"}");
    }
    buf.extend_from_slice(b"]}");
}

/// `PutRecord` body.
pub fn put_record(buf: &mut Vec<u8>, stream_json: &str, data_b64: &str, key: u64) {
    buf.clear();
    buf.extend_from_slice(b"{\"StreamName\":");
    buf.extend_from_slice(stream_json.as_bytes());
    buf.extend_from_slice(b",\"Data\":\"");
    buf.extend_from_slice(data_b64.as_bytes());
    buf.extend_from_slice(b"\",\"PartitionKey\":\"pk-");
    buf.extend_from_slice(key.to_string().as_bytes());
    buf.extend_from_slice(b"\"}");
}

/// `GetShardIterator` body.
pub fn get_shard_iterator(buf: &mut Vec<u8>, stream_json: &str, shard: &str) {
    buf.clear();
    buf.extend_from_slice(
        format!(
            "{{\"StreamName\":{stream_json},\"ShardId\":{},\"ShardIteratorType\":\"TRIM_HORIZON\"}}",
            json_string(shard)
        )
        .as_bytes(),
    );
}

/// `GetRecords` body.
pub fn get_records(buf: &mut Vec<u8>, iterator: &str) {
    buf.clear();
    buf.extend_from_slice(b"{\"ShardIterator\":");
    buf.extend_from_slice(json_string(iterator).as_bytes());
    buf.extend_from_slice(format!(",\"Limit\":{GET_RECORDS_LIMIT}}}").as_bytes());
}

#[derive(Deserialize)]
struct PutRecordsOut {
    #[serde(rename = "FailedRecordCount", default)]
    failed: u64,
    #[serde(rename = "Records", default)]
    records: Vec<PutRecordsEntry>,
}

#[derive(Deserialize)]
struct PutRecordsEntry {
    #[serde(rename = "ErrorCode")]
    error_code: Option<String>,
}

/// A `PutRecords` answer: the error code of each failed record.
pub fn parse_put_records(body: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    let out: PutRecordsOut = serde_json::from_slice(body)?;
    if out.failed == 0 {
        return Ok(Vec::new());
    }
    Ok(out
        .records
        .into_iter()
        .filter_map(|r| r.error_code)
        .collect())
}

#[derive(Deserialize)]
struct PutRecordOut<'a> {
    #[serde(rename = "SequenceNumber", borrow)]
    sequence_number: Cow<'a, str>,
}

/// A `PutRecord` answer's sequence number.
pub fn parse_put_record(body: &[u8]) -> Result<String, serde_json::Error> {
    let out: PutRecordOut<'_> = serde_json::from_slice(body)?;
    Ok(out.sequence_number.into_owned())
}

#[derive(Deserialize)]
struct ShardIteratorOut {
    #[serde(rename = "ShardIterator")]
    iterator: Option<String>,
}

/// A `GetShardIterator` answer's iterator.
pub fn parse_shard_iterator(body: &[u8]) -> Result<Option<String>, serde_json::Error> {
    Ok(serde_json::from_slice::<ShardIteratorOut>(body)?.iterator)
}

#[derive(Deserialize)]
struct GetRecordsOut {
    #[serde(rename = "Records", default)]
    records: Vec<IgnoredAny>,
    #[serde(rename = "NextShardIterator")]
    next: Option<String>,
    #[serde(rename = "MillisBehindLatest")]
    behind_ms: Option<u64>,
}

/// What a `GetRecords` answer says: how many records, where to go on, how far behind.
pub struct Got {
    pub records: usize,
    pub next: Option<String>,
    pub behind_ms: Option<u64>,
}

pub fn parse_get_records(body: &[u8]) -> Result<Got, serde_json::Error> {
    let out: GetRecordsOut = serde_json::from_slice(body)?;
    Ok(Got {
        records: out.records.len(),
        next: out.next,
        behind_ms: out.behind_ms,
    })
}

/// A record of a `SubscribeToShardEvent`.
#[derive(Deserialize)]
pub struct EventRecord<'a> {
    #[serde(rename = "SequenceNumber", borrow)]
    pub sequence_number: Cow<'a, str>,
    #[serde(rename = "Data", borrow)]
    pub data: Cow<'a, str>,
}

#[derive(Deserialize)]
pub struct SubscribeEvent<'a> {
    #[serde(rename = "Records", borrow, default)]
    pub records: Vec<EventRecord<'a>>,
}

/// The `__type` (or `code`) of an error answer, with the status.
pub fn error_code(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Error<'a> {
        #[serde(rename = "__type", borrow)]
        kind: Option<Cow<'a, str>>,
    }
    let kind = serde_json::from_slice::<Error<'_>>(body)
        .ok()
        .and_then(|e| e.kind)
        .map(|k| k.rsplit('#').next().unwrap_or(&k).to_owned());
    match kind {
        Some(k) => format!("{status} {k}"),
        None => format!("{status}"),
    }
}

/// Calls `action` and answers its body as JSON, or a message naming the failure.
pub async fn call_json(
    conn: &mut Conn,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let bytes = serde_json::to_vec(body).expect("JSON values serialise");
    match exchange(conn, action, &bytes).await {
        Ok(answer) => answer,
        // A keep-alive connection left idle (while a stream fills, say) may have been
        // closed by the server: one more try, on a fresh connection.
        Err(_) => exchange(conn, action, &bytes)
            .await
            .unwrap_or_else(|e| Err(format!("{action}: {e}"))),
    }
}

/// One call: a transport failure, or what its response says.
async fn exchange(
    conn: &mut Conn,
    action: &str,
    bytes: &[u8],
) -> Result<Result<serde_json::Value, String>, ClientError> {
    let resp = conn.call_kinesis(action, bytes, REQUEST_TIMEOUT).await?;
    if resp.status != 200 {
        return Ok(Err(format!(
            "{action}: {} {}",
            error_code(resp.status, resp.body),
            String::from_utf8_lossy(&resp.body[..resp.body.len().min(300)])
        )));
    }
    if resp.body.is_empty() {
        return Ok(Ok(serde_json::Value::Null));
    }
    Ok(serde_json::from_slice(resp.body).map_err(|e| format!("{action}: unparsable answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_survive_base64() {
        let data = timestamped_data(100);
        let ts = data_timestamp(&data).unwrap();
        assert!(ts > 1_600_000_000_000_000_000);
        assert_eq!(data_timestamp("eHh4"), None);
    }

    #[test]
    fn bodies_are_json() {
        let mut buf = Vec::new();
        put_records(&mut buf, "\"s\"", "eHh4", 7, 3);
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["Records"].as_array().unwrap().len(), 3);
        assert_eq!(v["Records"][2]["PartitionKey"], "pk-9");
        get_records(&mut buf, "it\"er");
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["ShardIterator"], "it\"er");
        let got = parse_get_records(
            br#"{"Records":[{"Data":"eA==","SequenceNumber":"1"},{}],"NextShardIterator":"n","MillisBehindLatest":0}"#,
        )
        .unwrap();
        assert_eq!(
            (got.records, got.next.as_deref(), got.behind_ms),
            (2, Some("n"), Some(0))
        );
        assert_eq!(
            parse_put_records(br#"{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"s"},{"ErrorCode":"X","ErrorMessage":"m"}]}"#).unwrap(),
            vec!["X".to_owned()]
        );
        assert_eq!(
            error_code(
                400,
                br#"{"__type":"com.amazon#ResourceNotFoundException","message":"m"}"#
            ),
            "400 ResourceNotFoundException"
        );
    }
}
