//! The SQS service: one method per AWS action, taking the typed input and returning the
//! typed output. It validates as AWS does, then asks the store to make the change.
//! Wire codecs call these methods; nothing here knows about HTTP.

mod admin;
mod batch;
mod from_service;
mod messages;
mod move_tasks;
mod queues;

pub use from_service::ServiceMessage;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

use super::access::{check_action, Access, PolicyCache};
use super::error::{SqsError, SqsErrorKind, SqsResult};
use super::names::QueueKey;
use super::sealing::MessageSealer;
use super::store::{QueueMeta, QueueStore, StoreError};
use crate::clock::{Clock, EpochMs};

/// Who is asking, and how they reached us: enough to resolve queue URLs and to build
/// the URLs we hand back.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub region: String,
    pub account_id: String,
    /// Scheme and authority queue URLs are built on, e.g. `http://127.0.0.1:9324`.
    pub base_url: String,
    /// The SenderId recorded on sent messages: the caller's account id (root, or an
    /// unauthenticated caller) or its principal's unique id.
    pub sender_id: String,
    /// The request's `X-Amzn-Trace-Id`, which becomes its messages' `AWSTraceHeader`.
    pub trace_header: Option<String>,
    /// The authenticated caller and the action, checked against policies whenever a
    /// queue is addressed; `None` on a server with no identities configured (open).
    pub access: Option<Access>,
}

impl RequestContext {
    pub fn queue_url(&self, key: &QueueKey) -> String {
        key.url(&self.base_url)
    }
}

/// The SQS service over a store and a clock.
pub struct Sqs {
    store: Arc<dyn QueueStore>,
    clock: Arc<dyn Clock>,
    shutting_down: AtomicBool,
    shutdown: Notify,
    move_tasks: move_tasks::Runner,
    /// Held while a queue's configuration is read, changed and written back
    /// (SetQueueAttributes, tags, permissions), so concurrent edits cannot undo each
    /// other. Such edits are rare; one lock for all queues is enough.
    queue_edits: tokio::sync::Mutex<()>,
    /// Queue policies, parsed once for access checks.
    policies: PolicyCache,
    /// The key service checked before sends and receives on encrypted queues (`None`:
    /// no key checks, as in most tests).
    sealer: std::sync::OnceLock<Arc<dyn MessageSealer>>,
    /// Each queue's sends, receives and deletes, for the metrics endpoint.
    activity: super::activity::Activity,
}

impl Sqs {
    pub fn new(store: Arc<dyn QueueStore>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            shutting_down: AtomicBool::new(false),
            shutdown: Notify::new(),
            move_tasks: move_tasks::Runner::default(),
            queue_edits: tokio::sync::Mutex::new(()),
            policies: PolicyCache::default(),
            activity: super::activity::Activity::default(),
            sealer: std::sync::OnceLock::new(),
        })
    }

    /// Like [`Sqs::new`], checking encrypted queues' keys with `sealer` (the same key
    /// service the store seals with).
    pub fn with_sealer(
        store: Arc<dyn QueueStore>,
        clock: Arc<dyn Clock>,
        sealer: Arc<dyn MessageSealer>,
    ) -> Arc<Self> {
        let sqs = Self::new(store, clock);
        let _ = sqs.sealer.set(sealer);
        sqs
    }

    /// Refuses a send or receive on a queue whose KMS key is missing or disabled, with
    /// SQS's KMS error (AWS accepts any key id at CreateQueue and SetQueueAttributes
    /// and reports the key's problems here).
    pub(crate) fn check_key(&self, queue: &QueueMeta) -> SqsResult<()> {
        match self.sealer.get() {
            Some(sealer) => sealer.check(queue, self.now()).map_err(SqsError::from),
            None => Ok(()),
        }
    }

    /// Each queue's counters since the server started.
    pub fn activity(&self) -> &super::activity::Activity {
        &self.activity
    }

    pub fn store(&self) -> &Arc<dyn QueueStore> {
        &self.store
    }

    pub fn now(&self) -> EpochMs {
        self.clock.now_ms()
    }

    /// Starts background work: retention sweeps and any move tasks that were running
    /// when the server last stopped.
    pub async fn start_background(self: &Arc<Self>) {
        self.resume_move_tasks().await;
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(
                RETENTION_SWEEP_INTERVAL_MS,
            ));
            loop {
                tick.tick().await;
                let Some(sqs) = this.upgrade() else { break };
                if sqs.shutting_down.load(Ordering::SeqCst) {
                    break;
                }
                let now = sqs.now();
                sqs.store.expire(now).await;
            }
        });
    }

    /// Answers waiting long polls at once and stops background work; the store is
    /// closed by its owner afterwards.
    pub async fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.shutdown.notify_waiters();
        self.store.wake_all().await;
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Wakes every long poll so it re-reads the clock (used when a test clock jumps).
    pub async fn clock_moved(&self) {
        self.store.wake_all().await;
    }

    /// Resolves a QueueUrl parameter (a URL, a path or a bare name) to an existing
    /// queue. A URL naming no queue, or a queue of another region than the one the
    /// request was made in, is answered as a queue that does not exist, as AWS does.
    pub(crate) async fn resolve(
        &self,
        ctx: &RequestContext,
        url: Option<&str>,
    ) -> SqsResult<QueueMeta> {
        let url = url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| SqsError::missing_parameter("QueueUrl"))?;
        let key = QueueKey::from_url(url, &ctx.region, &ctx.account_id)
            .filter(|key| key.region == ctx.region)
            .ok_or_else(SqsError::queue_does_not_exist)?;
        // Names the queue in the request's log span (when one is being recorded).
        tracing::Span::current().record("queue", key.name.as_str());
        let meta = self.store.queue(&key).await;
        self.authorize(ctx, &key, meta.as_ref())?;
        meta.ok_or_else(SqsError::queue_does_not_exist)
    }

    /// Refuses the request with AccessDenied unless its caller may perform its action
    /// on the queue `key` (`meta`: the queue, if it exists). Checked before existence,
    /// so callers without access to an account cannot learn which queues it has.
    pub(crate) fn authorize(
        &self,
        ctx: &RequestContext,
        key: &QueueKey,
        meta: Option<&QueueMeta>,
    ) -> SqsResult<()> {
        match &ctx.access {
            None => Ok(()),
            Some(access) => self.authorize_as(ctx, &access.action, key, meta),
        }
    }

    /// As [`Self::authorize`], for `action` rather than the request's own action.
    pub(crate) fn authorize_as(
        &self,
        ctx: &RequestContext,
        action: &str,
        key: &QueueKey,
        meta: Option<&QueueMeta>,
    ) -> SqsResult<()> {
        match &ctx.access {
            None => Ok(()),
            Some(access) => {
                let policy = meta
                    .and_then(|m| m.attributes.policy.as_deref())
                    .and_then(|text| self.policies.get(text));
                check_action(access, action, key, policy.as_deref(), self.now())
            }
        }
    }
}

/// How often expired messages are swept out of queues nobody is receiving from.
pub const RETENTION_SWEEP_INTERVAL_MS: u64 = 1_000;

impl From<StoreError> for SqsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchQueue => SqsError::queue_does_not_exist(),
            StoreError::ForeignReceipt => SqsError::new(
                SqsErrorKind::ReceiptHandleIsInvalid,
                "The receipt handle is not valid for this queue.",
            ),
            StoreError::OverLimit => SqsError::new(
                SqsErrorKind::OverLimit,
                "Too many messages in flight: the queue has reached its in-flight limit.",
            ),
            StoreError::Visibility(_) => SqsError::invalid_parameter(
                "Message does not exist or is not available for visibility timeout change.",
            ),
            StoreError::Unavailable(reason) => SqsError::new(
                SqsErrorKind::ServiceUnavailable,
                format!("The service is unavailable: {reason}"),
            ),
            StoreError::Sealing(e) => e.into(),
        }
    }
}

/// Reads a required string parameter.
pub(crate) fn required<'a>(value: &'a Option<String>, name: &str) -> SqsResult<&'a str> {
    value
        .as_deref()
        .ok_or_else(|| SqsError::missing_parameter(name))
}
