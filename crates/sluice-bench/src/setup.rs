//! Queue management around a run: create (or look up) the queue, read its depth at
//! the end, delete it if the run made it up.

use serde_json::{json, Value};

use crate::client::Conn;
use crate::sqs;
use crate::worker::REQUEST_TIMEOUT;

async fn call(conn: &mut Conn, action: &str, body: Value) -> Result<Value, String> {
    let bytes = serde_json::to_vec(&body).expect("JSON serialises");
    let resp = conn
        .call(action, &bytes, REQUEST_TIMEOUT)
        .await
        .map_err(|e| format!("{action}: {e}"))?;
    if resp.status != 200 {
        return Err(format!(
            "{action}: {} ({})",
            sqs::error_code(resp.status, resp.body),
            String::from_utf8_lossy(resp.body)
        ));
    }
    serde_json::from_slice(resp.body).map_err(|e| format!("{action}: bad response: {e}"))
}

/// Creates the queue (a FIFO one when `fifo`) or finds it; returns its URL.
pub async fn create_queue(conn: &mut Conn, name: &str, fifo: bool) -> Result<String, String> {
    let mut body = json!({ "QueueName": name });
    if fifo {
        body["Attributes"] = json!({ "FifoQueue": "true" });
    }
    let out = call(conn, "CreateQueue", body).await?;
    out["QueueUrl"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "CreateQueue: no QueueUrl in the response".to_owned())
}

/// Visible and in-flight message counts.
pub async fn queue_depth(conn: &mut Conn, url: &str) -> Result<(u64, u64), String> {
    let body = json!({
        "QueueUrl": url,
        "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    });
    let out = call(conn, "GetQueueAttributes", body).await?;
    let count = |name: &str| {
        out["Attributes"][name]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok((
        count("ApproximateNumberOfMessages"),
        count("ApproximateNumberOfMessagesNotVisible"),
    ))
}

pub async fn delete_queue(conn: &mut Conn, url: &str) -> Result<(), String> {
    call(conn, "DeleteQueue", json!({ "QueueUrl": url }))
        .await
        .map(|_| ())
}
