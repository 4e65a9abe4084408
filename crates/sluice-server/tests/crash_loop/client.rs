//! The clients: raw AWS JSON 1.0 over HTTP, one request per call (no retries hidden
//! inside a library), so every outcome is logged exactly. Senders, consumers and the
//! final drain all ride out restarts: a request without an answer is logged as
//! "unknown" and the client goes on once the next server process is up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::history::{body, token_of, Delete, Delivery, History, Outcome, Send};
use super::process::Rng;

/// One server process as the clients see it.
pub struct Api {
    http: reqwest::Client,
    endpoint: String,
    pub queue_url: String,
    pub epoch: u32,
}

pub enum Reply {
    Ok(Value),
    /// An error answer (4xx): the request did not take effect.
    Refused(String),
    /// No answer, or a 5xx: it may or may not have taken effect.
    Unknown(String),
}

impl Api {
    pub fn new(endpoint: String, epoch: u32) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client");
        Self {
            http,
            endpoint,
            queue_url: String::new(),
            epoch,
        }
    }

    pub async fn call(&self, action: &str, input: Value) -> Reply {
        let sent = self
            .http
            .post(&self.endpoint)
            .header("X-Amz-Target", format!("AmazonSQS.{action}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .body(input.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Reply::Unknown(format!("{action}: {e}")),
        };
        let status = response.status();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Reply::Unknown(format!("{action}: {e}")),
        };
        let text = String::from_utf8_lossy(&bytes);
        if status.is_server_error() {
            return Reply::Unknown(format!("{action}: {status} {text}"));
        }
        if !status.is_success() {
            return Reply::Refused(format!("{action}: {status} {text}"));
        }
        if bytes.is_empty() {
            return Reply::Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map(Reply::Ok)
            .unwrap_or_else(|e| Reply::Unknown(format!("{action}: bad body {e}: {text}")))
    }

    /// Connects to a fresh process: creates the queue in epoch 1, finds it afterwards
    /// (it must have survived). Retries briefly while the process settles.
    pub async fn connect(endpoint: String, epoch: u32, queue: &str) -> Self {
        let mut api = Self::new(endpoint, epoch);
        let (action, input) = if epoch == 1 {
            ("CreateQueue", json!({ "QueueName": queue }))
        } else {
            ("GetQueueUrl", json!({ "QueueName": queue }))
        };
        for _ in 0..100 {
            match api.call(action, input.clone()).await {
                Reply::Ok(v) => {
                    api.queue_url = v["QueueUrl"].as_str().expect("QueueUrl").to_owned();
                    return api;
                }
                Reply::Refused(e) => panic!("the queue is gone in epoch {epoch}: {e}"),
                Reply::Unknown(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("{action} got no answer in epoch {epoch}");
    }
}

/// What the clients share: the current server, the history, the stop flag.
pub struct Shared {
    api: RwLock<Arc<Api>>,
    pub history: Mutex<History>,
    pub stop: AtomicBool,
}

impl Shared {
    pub fn new(api: Api) -> Self {
        Self {
            api: RwLock::new(Arc::new(api)),
            history: Mutex::new(History::default()),
            stop: AtomicBool::new(false),
        }
    }

    pub fn api(&self) -> Arc<Api> {
        self.api.read().unwrap().clone()
    }

    pub fn set_api(&self, api: Api) {
        *self.api.write().unwrap() = Arc::new(api);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn history(&self) -> std::sync::MutexGuard<'_, History> {
        self.history.lock().unwrap()
    }

    /// After a request without an answer: waits until the next process is up (or a
    /// few seconds, for a hiccup of a live one).
    async fn ride_out(&self, epoch: u32, why: &str) {
        self.history().transport_errors += 1;
        let until = Instant::now() + Duration::from_secs(3);
        while self.api().epoch == epoch && !self.stopped() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if self.api().epoch == epoch && !self.stopped() {
            // No restart explains it: keep it for the report.
            self.history().errors.push(format!("epoch {epoch}: {why}"));
        }
    }
}

/// Sends messages with fresh tokens until stopped: single sends and batches of 2-10,
/// pausing `pause_ms` (a random range) between requests. A send without an answer is
/// "maybe sent"; the sender goes on with new tokens.
pub async fn sender(shared: Arc<Shared>, id: usize, seed: u64, pause_ms: (u64, u64)) {
    let mut rng = Rng::new(seed);
    let mut n = 0;
    while !shared.stopped() {
        tokio::time::sleep(Duration::from_millis(rng.between(pause_ms.0, pause_ms.1))).await;
        let api = shared.api();
        let count = if rng.percent(40) {
            1
        } else {
            rng.between(2, 10) as usize
        };
        let tokens: Vec<String> = (0..count)
            .map(|_| {
                n += 1;
                format!("s{id}-{n}")
            })
            .collect();
        let bodies: Vec<String> = tokens
            .iter()
            .map(|t| body(t, rng.between(0, 200) as usize))
            .collect();
        let start = Instant::now();
        let reply = if count == 1 {
            let input = json!({ "QueueUrl": api.queue_url, "MessageBody": bodies[0] });
            api.call("SendMessage", input).await
        } else {
            let entries: Vec<Value> = bodies
                .iter()
                .enumerate()
                .map(|(i, b)| json!({ "Id": format!("e{i}"), "MessageBody": b }))
                .collect();
            let input = json!({ "QueueUrl": api.queue_url, "Entries": entries });
            api.call("SendMessageBatch", input).await
        };
        let mut outcomes: Vec<(Outcome, Option<String>)> = vec![(Outcome::Unknown, None); count];
        let mut failure = None;
        match &reply {
            Reply::Ok(v) if count == 1 => {
                outcomes[0] = (Outcome::Acked, v["MessageId"].as_str().map(str::to_owned));
            }
            Reply::Ok(v) => {
                for ok in v["Successful"].as_array().into_iter().flatten() {
                    let i = entry_index(ok);
                    outcomes[i] = (Outcome::Acked, ok["MessageId"].as_str().map(str::to_owned));
                }
                for failed in v["Failed"].as_array().into_iter().flatten() {
                    outcomes[entry_index(failed)] = (Outcome::Refused(failed.to_string()), None);
                }
            }
            Reply::Refused(e) => {
                outcomes.fill((Outcome::Refused(e.clone()), None));
            }
            Reply::Unknown(e) => failure = Some(e.clone()),
        }
        {
            let mut history = shared.history();
            for (token, (outcome, message_id)) in tokens.into_iter().zip(outcomes) {
                if let Outcome::Refused(e) = &outcome {
                    history.errors.push(format!("send {token} refused: {e}"));
                }
                if outcome == Outcome::Acked && message_id.is_none() {
                    history.errors.push(format!("send {token}: no MessageId"));
                }
                history.sends.push(Send {
                    token,
                    message_id,
                    outcome,
                    start,
                    epoch: api.epoch,
                });
            }
        }
        if let Some(e) = failure {
            shared.ride_out(api.epoch, &e).await;
        }
    }
}

/// The index of a batch result entry from its Id `e<i>`.
fn entry_index(entry: &Value) -> usize {
    entry["Id"]
        .as_str()
        .and_then(|id| id.strip_prefix('e'))
        .and_then(|i| i.parse().ok())
        .expect("a batch entry Id we sent")
}

/// A received message: its token and receipt handle.
struct Received {
    token: String,
    handle: String,
}

/// One ReceiveMessage; logs every delivery. `None` when there was no answer.
async fn receive(
    shared: &Shared,
    api: &Api,
    max: u64,
    visibility_s: u64,
    wait_s: u64,
) -> Option<Vec<Received>> {
    let input = json!({
        "QueueUrl": api.queue_url,
        "MaxNumberOfMessages": max,
        "VisibilityTimeout": visibility_s,
        "WaitTimeSeconds": wait_s,
        "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
    });
    let start = Instant::now();
    let reply = api.call("ReceiveMessage", input).await;
    let end = Instant::now();
    let v = match reply {
        Reply::Ok(v) => v,
        Reply::Refused(e) => {
            shared
                .history()
                .errors
                .push(format!("receive refused: {e}"));
            return Some(Vec::new());
        }
        Reply::Unknown(e) => {
            shared.ride_out(api.epoch, &e).await;
            return None;
        }
    };
    let mut got = Vec::new();
    let mut history = shared.history();
    for m in v["Messages"].as_array().into_iter().flatten() {
        let token = token_of(m["Body"].as_str().unwrap_or_default()).to_owned();
        let receive_count = m["Attributes"]["ApproximateReceiveCount"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        history.deliveries.push(Delivery {
            token: token.clone(),
            message_id: m["MessageId"].as_str().unwrap_or_default().to_owned(),
            receive_count,
            visibility_ms: visibility_s * 1000,
            start,
            end,
            epoch: api.epoch,
        });
        got.push(Received {
            token,
            handle: m["ReceiptHandle"].as_str().unwrap_or_default().to_owned(),
        });
    }
    Some(got)
}

/// Deletes `batch` with one DeleteMessage (one entry) or DeleteMessageBatch; logs an
/// outcome per entry. Returns the entries whose outcome is unknown.
async fn delete(shared: &Shared, api: &Api, batch: Vec<Received>, single: bool) -> Vec<Received> {
    let reply = if single && batch.len() == 1 {
        let input = json!({ "QueueUrl": api.queue_url, "ReceiptHandle": batch[0].handle });
        api.call("DeleteMessage", input).await
    } else {
        let entries: Vec<Value> = batch
            .iter()
            .enumerate()
            .map(|(i, r)| json!({ "Id": format!("e{i}"), "ReceiptHandle": r.handle }))
            .collect();
        api.call(
            "DeleteMessageBatch",
            json!({ "QueueUrl": api.queue_url, "Entries": entries }),
        )
        .await
    };
    let end = Instant::now();
    let mut outcomes = vec![Outcome::Unknown; batch.len()];
    let mut failure = None;
    match reply {
        Reply::Ok(_) if single && batch.len() == 1 => outcomes[0] = Outcome::Acked,
        Reply::Ok(v) => {
            for ok in v["Successful"].as_array().into_iter().flatten() {
                outcomes[entry_index(ok)] = Outcome::Acked;
            }
            for failed in v["Failed"].as_array().into_iter().flatten() {
                outcomes[entry_index(failed)] = Outcome::Refused(failed.to_string());
            }
        }
        Reply::Refused(e) => outcomes.fill(Outcome::Refused(e)),
        Reply::Unknown(e) => failure = Some(e),
    }
    let mut unknown = Vec::new();
    {
        let mut history = shared.history();
        for (r, outcome) in batch.into_iter().zip(outcomes) {
            if let Outcome::Refused(e) = &outcome {
                history
                    .errors
                    .push(format!("delete {} refused: {e}", r.token));
            }
            history.deletes.push(Delete {
                token: r.token.clone(),
                outcome: outcome.clone(),
                end,
                epoch: api.epoch,
            });
            if outcome == Outcome::Unknown {
                unknown.push(r);
            }
        }
    }
    if let Some(e) = failure {
        shared.ride_out(api.epoch, &e).await;
    }
    unknown
}

/// Receives with random batch sizes and visibility timeouts (1-3 s) until stopped;
/// deletes most messages (singly or in batches), abandons some to their visibility
/// timeout, and sometimes stalls past it first. A delete without an answer is
/// retried on the next process with the same receipt handle.
pub async fn consumer(shared: Arc<Shared>, seed: u64) {
    let mut rng = Rng::new(seed);
    while !shared.stopped() {
        let api = shared.api();
        let visibility_s = rng.between(1, 3);
        let Some(got) = receive(
            &shared,
            &api,
            rng.between(1, 10),
            visibility_s,
            rng.between(0, 1),
        )
        .await
        else {
            continue;
        };
        let mut keep: Vec<Received> = got.into_iter().filter(|_| !rng.percent(7)).collect();
        if !keep.is_empty() && rng.percent(3) {
            tokio::time::sleep(Duration::from_millis(visibility_s * 1000 + 100)).await;
        }
        let single = rng.percent(50);
        for attempt in 0..3 {
            if keep.is_empty() || (attempt > 0 && shared.stopped()) {
                break;
            }
            let api = shared.api();
            keep = if single {
                let mut unknown = Vec::new();
                for r in keep {
                    unknown.extend(delete(&shared, &api, vec![r], true).await);
                }
                unknown
            } else {
                delete(&shared, &api, keep, false).await
            };
        }
    }
}

/// After the last restart, with the load stopped: receives (with a long visibility
/// timeout) and deletes until the queue is empty. Panics if it is not within `limit`.
pub async fn drain(shared: &Shared, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        assert!(
            Instant::now() < deadline,
            "the queue did not drain within {limit:?}"
        );
        let api = shared.api();
        let Some(got) = receive(shared, &api, 10, 120, 1).await else {
            continue;
        };
        if got.is_empty() {
            if queue_counts(&api).await == Some([0, 0, 0]) {
                return;
            }
            continue;
        }
        let unknown = delete(shared, &api, got, false).await;
        assert!(unknown.is_empty(), "a drain delete got no answer");
    }
}

/// ApproximateNumberOfMessages, ...NotVisible, ...Delayed.
pub async fn queue_counts(api: &Api) -> Option<[u64; 3]> {
    let names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ];
    let input = json!({ "QueueUrl": api.queue_url, "AttributeNames": names });
    let Reply::Ok(v) = api.call("GetQueueAttributes", input).await else {
        return None;
    };
    let n = |name: &str| v["Attributes"][name].as_str()?.parse().ok();
    Some([n(names[0])?, n(names[1])?, n(names[2])?])
}
