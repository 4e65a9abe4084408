//! Helpers shared by the store's integration tests: fixed times, queue and message
//! builders, the backends the conformance suite runs against, and a store wrapper that
//! counts calls.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use sluice_core::clock::{EpochMs, ManualClock};
use sluice_core::kinesis::store::{ShardLog, StreamCatalog};
use sluice_core::sns::outbox::DeliveryOutbox;
use sluice_core::sns::store::TopicStore;
use sluice_core::sqs::api::{MessageAttributeMap, TagMap};
use sluice_core::sqs::attributes::{QueueAttributes, QueueCounts};
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::{AckOutcome, MessageContent, MessageFields};
use sluice_core::sqs::receipt::Receipt;
use sluice_core::sqs::store::*;
use sluice_core::sqs::RequestContext;
use sluice_store::{EmbeddedStore, StoreOptions};

pub mod sns_world;

/// A fixed instant (2023-11-14T22:13:20Z) every test starts from.
pub const T0: EpochMs = 1_700_000_000_000;
pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "000000000000";
pub const BASE_URL: &str = "http://localhost:9324";

/// A ceiling no test reaches, for claims that should never hit the in-flight limit.
pub const NO_IN_FLIGHT_LIMIT: usize = 1_000_000;

pub fn key(name: &str) -> QueueKey {
    QueueKey::new(REGION, ACCOUNT, name)
}

pub fn new_queue(name: &str) -> NewQueue {
    NewQueue {
        key: key(name),
        attributes: QueueAttributes::defaults(false),
        tags: TagMap::new(),
    }
}

pub fn new_queue_with(name: &str, configure: impl FnOnce(&mut QueueAttributes)) -> NewQueue {
    let mut queue = new_queue(name);
    configure(&mut queue.attributes);
    queue
}

pub fn tags(pairs: &[(&str, &str)]) -> TagMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Creates a queue that must not exist yet and returns what the store made of it.
pub async fn create(store: &dyn QueueStore, queue: NewQueue, now: EpochMs) -> QueueMeta {
    match store.create_queue(queue, now).await {
        Ok(CreateOutcome::Created(meta)) => meta,
        other => panic!("expected a new queue, got {other:?}"),
    }
}

static NEXT_MESSAGE_ID: AtomicU64 = AtomicU64::new(1);

/// Message content as a send would build it; every call gets a distinct message id.
pub fn content(body: &str, sent_at_ms: EpochMs) -> MessageContent {
    fields(body, sent_at_ms).into()
}

/// [`content`] as flat fields, for tests that set more of them.
pub fn fields(body: &str, sent_at_ms: EpochMs) -> MessageFields {
    MessageFields {
        message_id: u128::from(NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed)) << 64 | 0xabc,
        body: body.to_owned(),
        attributes: MessageAttributeMap::new(),
        system_attributes: MessageAttributeMap::new(),
        sender_id: "AIDATESTSENDER".to_owned(),
        sent_at_ms,
        group_id: None,
        deduplication_id: None,
        sequence_number: None,
        dead_letter_source_arn: None,
    }
}

pub fn message(body: &str, now: EpochMs) -> NewMessage {
    delayed(body, now, 0)
}

pub fn delayed(body: &str, now: EpochMs, delay_ms: u64) -> NewMessage {
    NewMessage {
        content: content(body, now),
        delay_ms,
    }
}

pub fn messages(bodies: &[&str], now: EpochMs) -> Vec<NewMessage> {
    bodies.iter().map(|b| message(b, now)).collect()
}

/// A plain receive: no dead-letter queue, no in-flight ceiling.
pub fn claim(max_messages: usize, visibility_timeout_ms: u64) -> ClaimRequest {
    ClaimRequest {
        max_messages,
        visibility_timeout_ms,
        dead_letter: None,
        in_flight_max: NO_IN_FLIGHT_LIMIT,
        attempt_id: None,
    }
}

pub fn bodies(claimed: &Claimed) -> Vec<&str> {
    claimed
        .deliveries
        .iter()
        .map(|d| d.content.body())
        .collect()
}

pub fn receipts(claimed: &Claimed) -> Vec<Receipt> {
    claimed
        .deliveries
        .iter()
        .map(|d| d.receipt(claimed.queue_id))
        .collect()
}

pub fn counts(visible: u64, in_flight: u64, delayed: u64) -> QueueCounts {
    QueueCounts {
        visible,
        in_flight,
        delayed,
    }
}

pub fn request_context() -> RequestContext {
    RequestContext {
        region: REGION.to_owned(),
        account_id: ACCOUNT.to_owned(),
        base_url: BASE_URL.to_owned(),
        sender_id: "AIDATESTSENDER".to_owned(),
        trace_header: None,
        access: None,
    }
}

/// Opens the embedded store in memory.
pub fn in_memory_store() -> Arc<EmbeddedStore> {
    EmbeddedStore::open(StoreOptions::in_memory(), &ManualClock::new(T0))
        .expect("in-memory store opens")
        .0
}

/// Opens (or reopens) the durable embedded store in `dir` as if started at `now`.
pub fn open_durable(options: StoreOptions, now: EpochMs) -> Arc<EmbeddedStore> {
    EmbeddedStore::open(options, &ManualClock::new(now))
        .unwrap_or_else(|e| panic!("durable store opens: {e}"))
        .0
}

/// Closes a store and lets it go, so its data directory can be opened again.
pub async fn shut(store: Arc<dyn QueueStore>) {
    store.close().await.expect("store closes cleanly");
    assert_eq!(
        Arc::strong_count(&store),
        1,
        "nothing else may hold the store when it is reopened"
    );
    drop(store);
}

/// Total bytes of the files directly in `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// File names directly in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------
// Backends of the conformance suite.
// ---------------------------------------------------------------------------------------

/// One way of providing a [`QueueStore`]. The conformance suite is written once against
/// this trait; a new backend (PostgreSQL, say) joins it by implementing these two
/// methods and adding one line to `conformance.rs`.
#[async_trait]
pub trait Backend: Send + Sync {
    /// A new, empty store.
    async fn open(&self) -> Arc<dyn QueueStore>;

    /// The store as it is after a restart at `now`. A backend that keeps its state
    /// elsewhere (a journal, a database) closes `store` and opens a new one on the same
    /// data, so every check after this call runs against recovered state. A backend
    /// without persistence returns `store` itself.
    async fn restart(&self, store: Arc<dyn QueueStore>, now: EpochMs) -> Arc<dyn QueueStore>;

    /// A new, empty store seen both as a queue store and as a topic store (SNS).
    async fn open_stores(&self) -> Stores;

    /// [`Backend::restart`] for both views of one store.
    async fn restart_stores(&self, stores: Stores, now: EpochMs) -> Stores;

    /// Whether a restart recovers a new store (so what lives only in memory is gone).
    fn reopens(&self) -> bool {
        false
    }
}

/// One store seen as a [`QueueStore`], a [`TopicStore`] and a [`DeliveryOutbox`].
pub struct Stores {
    pub queues: Arc<dyn QueueStore>,
    pub topics: Arc<dyn TopicStore>,
    pub outbox: Arc<dyn DeliveryOutbox>,
    pub catalog: Arc<dyn StreamCatalog>,
    pub log: Arc<dyn ShardLog>,
    /// The store itself, for its test hooks.
    pub embedded: Arc<EmbeddedStore>,
}

impl Stores {
    pub fn of(store: Arc<EmbeddedStore>) -> Self {
        Self {
            queues: store.clone(),
            topics: store.clone(),
            outbox: store.clone(),
            catalog: store.clone(),
            log: store.clone(),
            embedded: store,
        }
    }
}

/// The embedded store without a data directory.
pub struct InMemory;

#[async_trait]
impl Backend for InMemory {
    async fn open(&self) -> Arc<dyn QueueStore> {
        in_memory_store()
    }

    async fn restart(&self, store: Arc<dyn QueueStore>, _now: EpochMs) -> Arc<dyn QueueStore> {
        store
    }

    async fn open_stores(&self) -> Stores {
        Stores::of(in_memory_store())
    }

    async fn restart_stores(&self, stores: Stores, _now: EpochMs) -> Stores {
        stores
    }
}

/// The embedded store journalling to a temporary directory; with `reopen`, each restart
/// closes it and recovers a new store from the journal.
pub struct Durable {
    dir: tempfile::TempDir,
    reopen: bool,
}

impl Durable {
    /// Durable, but never restarted: the live path of the durable store.
    pub fn live() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
            reopen: false,
        }
    }

    /// Durable and restarted (closed and recovered) wherever a scenario restarts.
    pub fn reopened() -> Self {
        Self {
            reopen: true,
            ..Self::live()
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

#[async_trait]
impl Backend for Durable {
    async fn open(&self) -> Arc<dyn QueueStore> {
        open_durable(StoreOptions::durable(self.data_dir()), T0)
    }

    async fn restart(&self, store: Arc<dyn QueueStore>, now: EpochMs) -> Arc<dyn QueueStore> {
        if !self.reopen {
            return store;
        }
        shut(store).await;
        open_durable(StoreOptions::durable(self.data_dir()), now)
    }

    async fn open_stores(&self) -> Stores {
        Stores::of(open_durable(StoreOptions::durable(self.data_dir()), T0))
    }

    fn reopens(&self) -> bool {
        self.reopen
    }

    async fn restart_stores(&self, stores: Stores, now: EpochMs) -> Stores {
        if !self.reopen {
            return stores;
        }
        drop(stores.topics);
        drop(stores.outbox);
        drop(stores.catalog);
        drop(stores.log);
        drop(stores.embedded);
        shut(stores.queues).await;
        Stores::of(open_durable(StoreOptions::durable(self.data_dir()), now))
    }
}

// ---------------------------------------------------------------------------------------
// A store wrapper that counts calls.
// ---------------------------------------------------------------------------------------

/// Passes every call through to `inner`, counting receives (claims) so tests can tell a
/// long poll that waits from one that spins.
pub struct CountingStore {
    inner: Arc<dyn QueueStore>,
    claims: AtomicUsize,
    claim_times: Mutex<Vec<EpochMs>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn QueueStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            claims: AtomicUsize::new(0),
            claim_times: Mutex::new(Vec::new()),
        })
    }

    pub fn claims(&self) -> usize {
        self.claims.load(Ordering::SeqCst)
    }

    /// The `now` of every claim so far, in order.
    pub fn claim_times(&self) -> Vec<EpochMs> {
        self.claim_times.lock().clone()
    }
}

#[async_trait]
impl QueueStore for CountingStore {
    async fn create_queue(&self, queue: NewQueue, now: EpochMs) -> StoreResult<CreateOutcome> {
        self.inner.create_queue(queue, now).await
    }
    async fn queue(&self, key: &QueueKey) -> Option<QueueMeta> {
        self.inner.queue(key).await
    }
    async fn list_queues(&self, region: &str, account_id: &str) -> Vec<QueueMeta> {
        self.inner.list_queues(region, account_id).await
    }
    async fn all_queues(&self) -> Vec<QueueMeta> {
        self.inner.all_queues().await
    }
    async fn deleted_at(&self, key: &QueueKey) -> Option<EpochMs> {
        self.inner.deleted_at(key).await
    }
    async fn change_queue(
        &self,
        key: &QueueKey,
        change: QueueChange,
        now: EpochMs,
    ) -> StoreResult<QueueMeta> {
        self.inner.change_queue(key, change, now).await
    }
    async fn delete_queue(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()> {
        self.inner.delete_queue(key, now).await
    }
    async fn reset(&self) -> StoreResult<()> {
        self.inner.reset().await
    }
    async fn purge(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()> {
        self.inner.purge(key, now).await
    }
    async fn counts(&self, key: &QueueKey, now: EpochMs) -> StoreResult<QueueCounts> {
        self.inner.counts(key, now).await
    }
    async fn peek(&self, key: &QueueKey, max: usize, now: EpochMs) -> StoreResult<Vec<Peeked>> {
        self.inner.peek(key, max, now).await
    }
    async fn append(
        &self,
        key: &QueueKey,
        messages: Vec<NewMessage>,
        now: EpochMs,
    ) -> StoreResult<Vec<Appended>> {
        self.inner.append(key, messages, now).await
    }
    async fn claim_visible(
        &self,
        key: &QueueKey,
        request: ClaimRequest,
        now: EpochMs,
    ) -> StoreResult<Claimed> {
        self.claims.fetch_add(1, Ordering::SeqCst);
        self.claim_times.lock().push(now);
        self.inner.claim_visible(key, request, now).await
    }
    async fn ack(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        latest_only: bool,
        now: EpochMs,
    ) -> StoreResult<AckOutcome> {
        self.inner.ack(key, receipt, latest_only, now).await
    }
    async fn change_visibility(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        timeout_ms: u64,
        now: EpochMs,
    ) -> StoreResult<()> {
        self.inner
            .change_visibility(key, receipt, timeout_ms, now)
            .await
    }
    async fn expire(&self, now: EpochMs) -> u64 {
        self.inner.expire(now).await
    }
    async fn watch(&self, key: &QueueKey) -> Option<Arc<Waiters>> {
        self.inner.watch(key).await
    }
    async fn wake_all(&self) {
        self.inner.wake_all().await
    }
    async fn save_move_task(&self, task: MoveTask) -> StoreResult<()> {
        self.inner.save_move_task(task).await
    }
    async fn record_move_progress(&self, task: MoveTask) -> StoreResult<MoveTaskStatus> {
        self.inner.record_move_progress(task).await
    }
    async fn cancel_move_task(&self, task_id: &str) -> StoreResult<Option<MoveTask>> {
        self.inner.cancel_move_task(task_id).await
    }
    async fn move_tasks(&self) -> Vec<MoveTask> {
        self.inner.move_tasks().await
    }
    async fn move_messages(
        &self,
        source: &QueueKey,
        destination: &MoveDestination,
        max: usize,
        now: EpochMs,
    ) -> StoreResult<u64> {
        self.inner
            .move_messages(source, destination, max, now)
            .await
    }
    async fn close(&self) -> StoreResult<()> {
        self.inner.close().await
    }
}
