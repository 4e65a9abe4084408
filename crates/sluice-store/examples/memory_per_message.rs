//! How much memory the embedded store spends per stored message beyond its body.
//!
//! Stores N messages with 100-byte bodies, as a send builds them (no attributes, the
//! account id as sender), in one standard queue of an in-memory store, and reports the
//! heap growth per message under a counting global allocator: bytes requested, and
//! bytes in glibc chunks (`malloc_usable_size` + the 8-byte chunk header), which is what
//! the process really holds. With `--reopen`, the messages go to a durable store in a
//! temporary directory instead, and what is measured is the state rebuilt by replaying
//! the journal (a restart).
//!
//! ```sh
//! cargo run --release -p sluice-store --example memory_per_message -- [N] [--reopen]
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use sluice_core::clock::ManualClock;
use sluice_core::sqs::api::TagMap;
use sluice_core::sqs::attributes::QueueAttributes;
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::{MessageContent, MessageFields, MessageState};
use sluice_core::sqs::store::{NewMessage, NewQueue, QueueStore};
use sluice_store::{EmbeddedStore, StoreOptions};

const BODY_BYTES: usize = 100;
const NOW_MS: u64 = 1_700_000_000_000;
const ACCOUNT: &str = "000000000000";

/// Counts live heap bytes, both as requested and as glibc chunks.
struct Counting;

static REQUESTED: AtomicIsize = AtomicIsize::new(0);
static CHUNKS: AtomicIsize = AtomicIsize::new(0);

extern "C" {
    fn malloc_usable_size(ptr: *mut u8) -> usize;
}

/// The glibc chunk holding `ptr`: its usable size plus the size field before it.
fn chunk_bytes(ptr: *mut u8) -> isize {
    // SAFETY: `ptr` came from the system allocator and is still live.
    (unsafe { malloc_usable_size(ptr) } + 8) as isize
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            REQUESTED.fetch_add(layout.size() as isize, Ordering::Relaxed);
            CHUNKS.fetch_add(chunk_bytes(ptr), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        REQUESTED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        CHUNKS.fetch_sub(chunk_bytes(ptr), Ordering::Relaxed);
        System.dealloc(ptr, layout);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = chunk_bytes(ptr);
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            REQUESTED.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
            CHUNKS.fetch_add(chunk_bytes(new) - before, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> (isize, isize) {
    (
        REQUESTED.load(Ordering::Relaxed),
        CHUNKS.load(Ordering::Relaxed),
    )
}

fn content(n: u64) -> MessageContent {
    let mut body = format!("{n:020}");
    body.extend(std::iter::repeat_n('x', BODY_BYTES - body.len()));
    MessageContent::from(MessageFields {
        message_id: u128::from(n) << 64 | 0x4000_8000_0000_0000_0000,
        body,
        attributes: Default::default(),
        system_attributes: Default::default(),
        sender_id: ACCOUNT.to_owned(),
        sent_at_ms: NOW_MS,
        group_id: None,
        deduplication_id: None,
        sequence_number: None,
        dead_letter_source_arn: None,
    })
}

async fn fill(store: &EmbeddedStore, key: &QueueKey, n: u64) {
    let queue = NewQueue {
        key: key.clone(),
        attributes: QueueAttributes::defaults(false),
        tags: TagMap::new(),
    };
    store.create_queue(queue, NOW_MS).await.expect("queue");
    let mut sent = 0;
    while sent < n {
        let batch: Vec<NewMessage> = (sent..n.min(sent + 10))
            .map(|i| NewMessage {
                content: content(i),
                delay_ms: 0,
            })
            .collect();
        sent += batch.len() as u64;
        store.append(key, batch, NOW_MS).await.expect("append");
    }
}

fn main() {
    let mut n: u64 = 1_000_000;
    let mut reopen = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--reopen" => reopen = true,
            other => n = other.replace('_', "").parse().expect("N: a message count"),
        }
    }
    println!("size_of MessageContent: {}", size_of::<MessageContent>());
    println!("size_of MessageState:   {}", size_of::<MessageState>());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let clock = ManualClock::new(NOW_MS);
    let key = QueueKey::new("us-east-1", ACCOUNT, "memory");
    let dir = tempfile::tempdir().expect("temp dir");
    let (before, store) = if reopen {
        let options = StoreOptions {
            sync: false,
            ..StoreOptions::durable(dir.path())
        };
        let (store, _) = EmbeddedStore::open(options.clone(), &clock).expect("open");
        runtime.block_on(async {
            fill(&store, &key, n).await;
            store.close().await.expect("close");
        });
        drop(store);
        let before = live();
        let (store, summary) = EmbeddedStore::open(options, &clock).expect("reopen");
        assert_eq!(summary.messages as u64, n);
        (before, store)
    } else {
        let (store, _) = EmbeddedStore::open(StoreOptions::in_memory(), &clock).expect("open");
        let before = live();
        runtime.block_on(fill(&store, &key, n));
        (before, store)
    };
    let after = live();
    let per = |i: usize| [after.0 - before.0, after.1 - before.1][i] as f64 / n as f64;
    println!(
        "{n} messages of {BODY_BYTES} bytes{}: {:.1} B requested, {:.1} B in malloc chunks per message",
        if reopen { ", after a reopen" } else { "" },
        per(0),
        per(1)
    );
    println!(
        "overhead beyond the body: {:.1} B requested, {:.1} B in malloc chunks",
        per(0) - BODY_BYTES as f64,
        per(1) - BODY_BYTES as f64
    );
    drop(store);
}
