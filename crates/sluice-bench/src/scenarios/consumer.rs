//! A consumer: long-polls `ReceiveMessage` and deletes what it gets with
//! `DeleteMessageBatch`, until the stop. With short waits it finishes the receive in
//! flight at the stop (and deletes its messages); with long ones it drops it.

use crate::stats::Recorder;
use crate::worker::{stopped, Worker};

pub async fn run(mut w: Worker) -> Recorder {
    let cancel_on_stop = w.run.plan.cancel_on_stop;
    let mut stop = w.stop_signal();
    loop {
        if w.stopping() || !w.run.take_request() {
            break;
        }
        let handles = if cancel_on_stop {
            tokio::select! {
                handles = w.receive() => handles,
                _ = stopped(&mut stop) => break,
            }
        } else {
            w.receive().await
        };
        // Deletes are not taken from the request budget: each follows a receive that
        // was, and leaving received messages undeleted would skew the next run.
        if !handles.is_empty() {
            w.delete(&handles).await;
        }
    }
    w.rec
}
