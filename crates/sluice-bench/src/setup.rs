//! Queue and topic management around a run: create (or look up) the queue, or a topic
//! with queues subscribed, read the depth at the end, delete what the run made up.
//! Topic and subscription ARNs and queue ARNs are read from the server's answers.

use serde_json::{json, Value};

use crate::client::Conn;
use crate::sns;
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

/// The queue's ARN, as SNS subscriptions name it.
pub async fn queue_arn(conn: &mut Conn, url: &str) -> Result<String, String> {
    let body = json!({ "QueueUrl": url, "AttributeNames": ["QueueArn"] });
    let out = call(conn, "GetQueueAttributes", body).await?;
    out["Attributes"]["QueueArn"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "GetQueueAttributes: no QueueArn in the response".to_owned())
}

/// One SNS Query call; the response body.
async fn sns_call(
    conn: &mut Conn,
    action: &str,
    params: &[(&str, &str)],
) -> Result<Vec<u8>, String> {
    let body = sns::form(action, params);
    let resp = conn
        .call_sns(&body, REQUEST_TIMEOUT)
        .await
        .map_err(|e| format!("{action}: {e}"))?;
    if resp.status != 200 {
        return Err(format!(
            "{action}: {} ({})",
            sns::error_code(resp.status, resp.body),
            String::from_utf8_lossy(resp.body)
        ));
    }
    Ok(resp.body.to_vec())
}

/// Creates the topic (or finds it); returns its ARN.
pub async fn create_topic(conn: &mut Conn, name: &str) -> Result<String, String> {
    let out = sns_call(conn, "CreateTopic", &[("Name", name)]).await?;
    sns::element(&out, "TopicArn")
        .ok_or_else(|| "CreateTopic: no TopicArn in the response".to_owned())
}

/// Subscribes the queue `queue_arn` to the topic, with a filter policy if given, and
/// with RawMessageDelivery when `raw`.
pub async fn subscribe(
    conn: &mut Conn,
    topic_arn: &str,
    queue_arn: &str,
    filter_policy: Option<&str>,
    raw: bool,
) -> Result<(), String> {
    let mut attributes = Vec::new();
    if let Some(policy) = filter_policy {
        attributes.push(("FilterPolicy", policy));
    }
    if raw {
        attributes.push(("RawMessageDelivery", "true"));
    }
    let entries: Vec<(String, String)> = (1..=attributes.len())
        .map(|i| {
            (
                format!("Attributes.entry.{i}.key"),
                format!("Attributes.entry.{i}.value"),
            )
        })
        .collect();
    let mut params = vec![
        ("TopicArn", topic_arn),
        ("Protocol", "sqs"),
        ("Endpoint", queue_arn),
        ("ReturnSubscriptionArn", "true"),
    ];
    for ((name, value), (key_param, value_param)) in attributes.into_iter().zip(&entries) {
        params.push((key_param, name));
        params.push((value_param, value));
    }
    sns_call(conn, "Subscribe", &params).await.map(|_| ())
}

pub async fn delete_topic(conn: &mut Conn, topic_arn: &str) -> Result<(), String> {
    sns_call(conn, "DeleteTopic", &[("TopicArn", topic_arn)])
        .await
        .map(|_| ())
}
