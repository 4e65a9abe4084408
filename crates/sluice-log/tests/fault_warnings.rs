//! What a full disk and a failing disk put in the operator's log: one warning
//! per disk-full episode however many commits fail, one line when it ends,
//! and one error naming the file for a fail-stop. A process-wide subscriber
//! (the writer logs from its own thread), so this file holds a single test.

mod common;

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use parking_lot::Mutex;
use sluice_log::{Fault, LogError};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Collects (level, message and fields) of every event.
#[derive(Default)]
struct Collector {
    events: Mutex<Vec<(Level, String)>>,
}

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

/// The installed subscriber: a handle on the collector the test reads.
struct Handle(Arc<Collector>);

impl Subscriber for Handle {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = Text(String::new());
        event.record(&mut text);
        self.0
            .events
            .lock()
            .push((*event.metadata().level(), text.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Collector {
    fn count(&self, level: Level, needle: &str) -> usize {
        self.events
            .lock()
            .iter()
            .filter(|(l, text)| *l == level && text.contains(needle))
            .count()
    }
}

const FULL_WARNING: &str = "the disk holding the log is full";
const BACK: &str = "has space again";

#[tokio::test]
async fn storage_faults_are_logged_once() {
    let collector = Arc::new(Collector::default());
    tracing::subscriber::set_global_default(Handle(Arc::clone(&collector))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();

    for episode in 1..=2 {
        log.inject_fault_for_tests(Some(Fault::DiskFull { free_bytes: 0 }));
        // Several failed commits: the first attempt and retries with backoff.
        let mut failures = 0;
        let until = Instant::now() + Duration::from_millis(800);
        while Instant::now() < until {
            let lsn = log.append(b"while full").unwrap();
            match log.wait_durable(lsn).await {
                Err(LogError::NoSpace) => failures += 1,
                other => panic!("expected NoSpace, got {other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(failures >= 3, "only {failures} failed commits");
        assert_eq!(
            collector.count(Level::WARN, FULL_WARNING),
            episode,
            "one warning per episode"
        );
        log.inject_fault_for_tests(None);
        flush_eventually(&log);
        assert_eq!(collector.count(Level::INFO, BACK), episode);
    }
    let warning = collector
        .events
        .lock()
        .iter()
        .find(|(_, text)| text.contains(FULL_WARNING))
        .cloned()
        .unwrap()
        .1;
    assert!(warning.contains(".seg"), "file not named: {warning}");
    assert!(
        warning.contains("No space left"),
        "error not named: {warning}"
    );

    log.inject_fault_for_tests(Some(Fault::SyncError));
    let lsn = log.append(b"doomed").unwrap();
    assert!(matches!(log.wait_durable(lsn).await, Err(LogError::Failed)));
    assert!(matches!(log.close(), Err(LogError::Failed)));
    let errors: Vec<String> = collector
        .events
        .lock()
        .iter()
        .filter(|(level, _)| *level == Level::ERROR)
        .map(|(_, text)| text.clone())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("syncing segment"), "{}", errors[0]);
    assert!(errors[0].contains(".seg"), "{}", errors[0]);
    assert!(errors[0].contains("fail-stopped"), "{}", errors[0]);
}
