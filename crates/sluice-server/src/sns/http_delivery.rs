//! The SNS delivery worker: a background task that takes due deliveries from the HTTP/S
//! outbox (`sluice_core::sns::outbox`) and POSTs them to their endpoints with AWS's
//! headers, then settles each attempt: delivered, retried when the policy says, or
//! dead-lettered once the retries run out. Each attempt's outcome is recorded in its
//! topic's activity (`Sns::record_http_attempt`: counters and recent deliveries).
//!
//! AWS's rule for the outcome: an answer of 200 to 499 is a delivery (a 4xx is the
//! endpoint's own verdict, not retried); any other status, a connection failure or no
//! answer within the timeout (15 s) is a server-side error, retried by the delivery
//! policy.
//!
//! Time comes from the service's clock, so a test clock drives retries: the worker
//! sleeps until the earliest entry is due by that clock (at most `IDLE_POLL_MS` of real
//! time, so a clock that jumps is noticed), and wakes at once when a delivery is
//! enqueued, an attempt ends or the test clock is moved (`wake`). Concurrency is bounded
//! by a semaphore (`HTTP_DELIVERIES_IN_FLIGHT_MAX`); a subscription's
//! `maxReceivesPerSecond` spaces its deliveries. On shutdown the worker stops taking
//! entries and drops the attempts in flight: they stay in the outbox and are made again
//! after the restart (at least once, as on AWS).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use base64::Engine as _;
use http_body_util::Full;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use parking_lot::Mutex;
use sluice_core::clock::{Clock, EpochMs};
use sluice_core::sns::delivery_log::Outcome;
use sluice_core::sns::limits::{HTTP_DELIVERIES_IN_FLIGHT_MAX, HTTP_USER_AGENT};
use sluice_core::sns::outbox::{DeliveryKind, DeliveryOutbox, DeliveryOutcome, PendingDelivery};
use sluice_core::sns::{AttemptEnd, Sns};
use sluice_core::sqs::Sqs;
use tokio::sync::{watch, Notify, Semaphore};

/// The longest the worker sleeps (real time) before looking at the outbox again.
const IDLE_POLL_MS: u64 = 1_000;
/// The status a failure without an answer is recorded with (a dead letter's ErrorCode):
/// a gateway's, as if a proxy had answered for the endpoint.
const UNREACHABLE_STATUS: u16 = 502;
/// Throttled subscriptions remembered before the ones whose slots have passed are
/// forgotten (the map's bound).
const THROTTLED_SUBSCRIPTIONS_MAX: usize = 10_000;
const TIMEOUT_STATUS: u16 = 504;

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// What the worker needs, shared by its attempts.
struct Worker {
    sns: Arc<Sns>,
    sqs: Arc<Sqs>,
    outbox: Arc<dyn DeliveryOutbox>,
    clock: Arc<dyn Clock>,
    client: HttpClient,
    timeout: Duration,
    permits: Arc<Semaphore>,
    wake: Arc<Notify>,
    /// Per subscription, the earliest time its next delivery may start.
    next_slot_ms: Mutex<HashMap<String, EpochMs>>,
    /// Whether dead-letter queues must admit the service principal by policy.
    enforce_access: bool,
}

/// The running worker; [`DeliveryWorker::stop`] ends it.
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl DeliveryWorker {
    /// Starts the worker over `sns`'s outbox, or `None` if it has none.
    pub fn start(
        sns: Arc<Sns>,
        sqs: Arc<Sqs>,
        clock: Arc<dyn Clock>,
        timeout_ms: u64,
        enforce_access: bool,
    ) -> Option<Self> {
        let outbox = sns.outbox()?.clone();
        let wake = sns.delivery_wake();
        let worker = Arc::new(Worker {
            sns,
            sqs,
            outbox,
            clock,
            client: client(),
            timeout: Duration::from_millis(timeout_ms),
            permits: Arc::new(Semaphore::new(HTTP_DELIVERIES_IN_FLIGHT_MAX)),
            wake,
            next_slot_ms: Mutex::new(HashMap::new()),
            enforce_access,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(worker.run(stopped));
        Some(Self { stop, task })
    }

    /// Stops taking deliveries and drops the attempts in flight (they stay pending).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// hyper's client over HTTP and HTTPS (rustls, the system's trusted roots).
fn client() -> HttpClient {
    let provider = rustls::crypto::ring::default_provider();
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let connector = match builder.with_provider_and_native_roots(provider) {
        Ok(builder) => builder.https_or_http().enable_http1().build(),
        Err(e) => {
            tracing::warn!(error = %e, "no trusted root certificates found: SNS deliveries to https endpoints will fail");
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(config)
                .https_or_http()
                .enable_http1()
                .build()
        }
    };
    Client::builder(TokioExecutor::new()).build(connector)
}

/// How one attempt ended.
enum Attempt {
    /// The endpoint's answer (200 to 499).
    Delivered(u16),
    /// A server-side error: retried by the policy. The HTTP status (for a dead letter's
    /// ErrorCode; 502 when the endpoint could not be reached, 504 when it did not answer
    /// in time), whether the endpoint answered it, and what happened.
    Failed(u16, bool, String),
}

impl Worker {
    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut attempts = tokio::task::JoinSet::new();
        loop {
            if *stopped.borrow() {
                break;
            }
            let now = self.clock.now_ms();
            let free = self.permits.available_permits();
            if free > 0 {
                for pending in self.outbox.take_due_deliveries(now, free).await {
                    if let Some(later) = self.throttled_until(&pending, now) {
                        let outcome = DeliveryOutcome::Retry {
                            attempts: pending.attempts,
                            due_ms: later,
                        };
                        self.settle(pending.id, outcome).await;
                        continue;
                    }
                    let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                        // Cannot happen (at most `free` were taken); the lease ends at restart.
                        break;
                    };
                    let worker = self.clone();
                    attempts.spawn(async move {
                        worker.attempt(pending).await;
                        drop(permit);
                        worker.wake.notify_one();
                    });
                }
            }
            while attempts.try_join_next().is_some() {}
            let wait_ms = match self.outbox.next_delivery_due_ms().await {
                Some(due) if self.permits.available_permits() > 0 => {
                    due.saturating_sub(self.clock.now_ms()).min(IDLE_POLL_MS)
                }
                _ => IDLE_POLL_MS,
            };
            if wait_ms == 0 {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => {}
                _ = stopped.changed() => {}
            }
        }
        attempts.abort_all();
        while attempts.join_next().await.is_some() {}
    }

    /// When a throttled subscription may take its next delivery, if not now; otherwise
    /// books this delivery's slot.
    fn throttled_until(&self, pending: &PendingDelivery, now: EpochMs) -> Option<EpochMs> {
        // Confirmations are not notifications: the throttle does not hold them up.
        if pending.delivery.kind != DeliveryKind::Notification {
            return None;
        }
        let rate = pending.delivery.max_receives_per_second?;
        let interval_ms = 1_000 / u64::from(rate.max(1));
        let mut slots = self.next_slot_ms.lock();
        if slots.len() >= THROTTLED_SUBSCRIPTIONS_MAX {
            // Slots in the past hold nothing back: forget them.
            slots.retain(|_, slot| *slot > now);
        }
        let slot = slots
            .entry(pending.delivery.subscription_arn.clone())
            .or_insert(0);
        if *slot > now {
            return Some(*slot);
        }
        *slot = now + interval_ms;
        None
    }

    async fn settle(&self, id: u64, outcome: DeliveryOutcome) {
        if let Err(e) = self.outbox.settle_delivery(id, outcome).await {
            tracing::warn!(delivery = id, error = %e, "SNS delivery outcome not journaled; a restart before the journal recovers repeats it");
        }
    }

    /// One attempt at one delivery, and its outcome recorded.
    async fn attempt(&self, pending: PendingDelivery) {
        if !self.sns.delivery_still_wanted(&pending).await {
            self.settle(pending.id, DeliveryOutcome::Finished).await;
            return;
        }
        let attempts = pending.attempts + 1;
        // Retries are timed from when the attempt started, so the schedule is the
        // policy's whatever the attempt took (up to the timeout).
        let started_ms = self.clock.now_ms();
        match self.post(&pending).await {
            Attempt::Delivered(status) => {
                tracing::debug!(delivery = pending.id, attempts, endpoint = %pending.delivery.endpoint, "SNS delivery made");
                let end = AttemptEnd {
                    outcome: Outcome::Delivered,
                    http_status: Some(status),
                    dead_letter_queue: None,
                    detail: None,
                };
                self.sns.record_http_attempt(&pending, attempts, end);
                self.settle(pending.id, DeliveryOutcome::Finished).await;
            }
            Attempt::Failed(code, answered, message) => {
                let mut end = AttemptEnd {
                    outcome: Outcome::Retrying,
                    http_status: answered.then_some(code),
                    dead_letter_queue: None,
                    detail: Some(&message),
                };
                match pending.delivery.retry.delay_before_retry_s(attempts) {
                    Some(delay_s) => {
                        tracing::debug!(delivery = pending.id, attempts, %code, delay_s, "SNS delivery failed; retrying");
                        self.sns.record_http_attempt(&pending, attempts, end);
                        let due_ms = started_ms + u64::from(delay_s) * 1_000;
                        self.settle(pending.id, DeliveryOutcome::Retry { attempts, due_ms })
                            .await;
                    }
                    None => {
                        end.dead_letter_queue = self
                            .sns
                            .dead_letter_delivery(
                                &self.sqs,
                                &pending,
                                self.enforce_access,
                                code,
                                &message,
                            )
                            .await;
                        end.outcome = match end.dead_letter_queue {
                            Some(_) => Outcome::DeadLettered,
                            None => Outcome::Dropped,
                        };
                        self.sns.record_http_attempt(&pending, attempts, end);
                        self.settle(pending.id, DeliveryOutcome::Finished).await;
                    }
                }
            }
        }
    }

    async fn post(&self, pending: &PendingDelivery) -> Attempt {
        let request = match request(pending) {
            Ok(request) => request,
            // An endpoint that cannot be requested never will be: fail every attempt.
            Err(e) => return Attempt::Failed(UNREACHABLE_STATUS, false, e),
        };
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => {
                let status = response.status().as_u16();
                if (200..500).contains(&status) {
                    if status >= 400 {
                        tracing::warn!(endpoint = %pending.delivery.endpoint, status, "SNS endpoint refused a delivery (not retried, as on AWS)");
                    }
                    Attempt::Delivered(status)
                } else {
                    Attempt::Failed(status, true, format!("The endpoint answered HTTP {status}"))
                }
            }
            Ok(Err(e)) => Attempt::Failed(
                UNREACHABLE_STATUS,
                false,
                format!("The endpoint could not be reached: {e}"),
            ),
            Err(_) => Attempt::Failed(
                TIMEOUT_STATUS,
                false,
                format!(
                    "The endpoint did not answer within {} ms",
                    self.timeout.as_millis()
                ),
            ),
        }
    }
}

/// The POST of one delivery, with AWS's headers. User information in the endpoint's URL
/// (`https://user:password@host/`) becomes Basic authentication, as on AWS.
fn request(pending: &PendingDelivery) -> Result<Request<Full<Bytes>>, String> {
    let d = &pending.delivery;
    let (uri, credentials) = split_user_info(&d.endpoint)?;
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(CONTENT_TYPE, header_value(&d.content_type)?)
        .header(USER_AGENT, HTTP_USER_AGENT)
        .header("x-amz-sns-message-type", d.kind.as_str())
        .header("x-amz-sns-message-id", header_value(&d.message_id)?)
        .header("x-amz-sns-topic-arn", header_value(&d.topic_arn)?);
    // AWS names the subscription on notifications and unsubscribe confirmations (not
    // on a SubscriptionConfirmation), and marks raw deliveries.
    if d.kind != DeliveryKind::SubscriptionConfirmation {
        builder = builder.header(
            "x-amz-sns-subscription-arn",
            header_value(&d.subscription_arn)?,
        );
    }
    if d.raw {
        builder = builder.header("x-amz-sns-rawdelivery", "true");
    }
    if let Some(credentials) = credentials {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        builder = builder.header(AUTHORIZATION, header_value(&format!("Basic {encoded}"))?);
    }
    builder
        .body(Full::new(Bytes::from(d.body.clone())))
        .map_err(|e| e.to_string())
}

fn header_value(text: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|e| format!("bad header value {text:?}: {e}"))
}

/// The endpoint without its user information, and that information (decoded).
fn split_user_info(endpoint: &str) -> Result<(Uri, Option<String>), String> {
    let bad = |e: &dyn std::fmt::Display| format!("bad endpoint URL {endpoint}: {e}");
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return Err(bad(&"no scheme"));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((user_info, host)) => (Some(percent_decode(user_info)), host),
        None => (None, authority),
    };
    let tail = if tail.is_empty() { "/" } else { tail };
    let uri: Uri = format!("{}://{host}{tail}", scheme.to_ascii_lowercase())
        .parse()
        .map_err(|e| bad(&e))?;
    Ok((uri, credentials))
}

fn percent_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_information_becomes_basic_credentials() {
        let (uri, credentials) =
            split_user_info("https://al%40ice:p+w@example.com:8443/hook?x=1").unwrap();
        assert_eq!(uri.to_string(), "https://example.com:8443/hook?x=1");
        assert_eq!(credentials.as_deref(), Some("al@ice:p+w"));
        let (uri, credentials) = split_user_info("HTTP://example.com").unwrap();
        assert_eq!(uri.to_string(), "http://example.com/");
        assert_eq!(credentials, None);
        assert!(split_user_info("example.com").is_err());
    }
}
