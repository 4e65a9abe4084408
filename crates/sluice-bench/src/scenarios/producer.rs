//! A producer: sends messages (one per `SendMessage`, or batches) until the stop,
//! as fast as it can or paced to its share of the requested rate, holding back while
//! the backlog of undeleted messages is at the plan's cap.

use std::time::Duration;

use tokio::time::MissedTickBehavior;

use crate::stats::Recorder;
use crate::worker::{stopped, wait_for_space, Worker};

pub async fn run(mut w: Worker) -> Recorder {
    let plan = w.run.plan.clone();
    let mut stop = w.stop_signal();
    let mut ticker = plan.rate.map(|rate| {
        let per_producer = rate / plan.producers as f64;
        let mut t =
            tokio::time::interval(Duration::from_secs_f64(plan.batch as f64 / per_producer));
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        t
    });
    loop {
        if let Some(t) = ticker.as_mut() {
            tokio::select! {
                _ = t.tick() => {}
                _ = stopped(&mut stop) => break,
            }
        }
        if !wait_for_space(&w.run, &mut stop).await {
            break;
        }
        if w.stopping() || !w.run.take_request() {
            break;
        }
        w.send(plan.batch).await;
    }
    w.rec
}
