//! Measures what sealing costs the store's hot path: seal and open of message-sized
//! payloads under SQS-managed SSE. `cargo run --release -p sluice-kms --example seal_cost`

use std::time::Instant;

use sluice_core::sqs::attributes::QueueAttributes;
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::sealing::MessageSealer;
use sluice_core::sqs::store::QueueMeta;
use sluice_kms::Keyring;

const ROUNDS: u64 = 200_000;

fn main() {
    let ring = Keyring::open(None, &[]).expect("in-memory key ring");
    let queue = QueueMeta {
        key: QueueKey::new("us-east-1", "000000000000", "bench"),
        id: 1,
        attributes: QueueAttributes::defaults(false),
        tags: Default::default(),
        created_at_ms: 0,
        last_modified_ms: 0,
        last_purge_ms: None,
    };
    for size in [100usize, 1_024, 65_536] {
        let plain = vec![b'x'; size];
        let rounds = ROUNDS / (size as u64 / 100).max(1);
        let start = Instant::now();
        let mut sealed = Vec::new();
        for i in 0..rounds {
            // The clock only moves forward; one data key serves the whole run.
            sealed = ring.seal(&queue, &plain, i).expect("seal");
        }
        let seal_ns = start.elapsed().as_nanos() as u64 / rounds;
        let start = Instant::now();
        for _ in 0..rounds {
            assert_eq!(ring.open(&sealed).expect("open").len(), size);
        }
        let open_ns = start.elapsed().as_nanos() as u64 / rounds;
        println!(
            "{size:>6} B: seal {seal_ns} ns, open {open_ns} ns, envelope +{} B",
            sealed.len() - size
        );
    }
}
