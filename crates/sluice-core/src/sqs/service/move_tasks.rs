//! Message move tasks: redrive a dead-letter queue's messages back to their source
//! queues, or to a named queue, at an optional rate, with status and cancellation.
//! Each running task is a tokio task that moves one batch per tick through the store.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use parking_lot::Mutex;

use super::{required, RequestContext, Sqs};
use crate::limits::*;
use crate::sqs::api::*;
use crate::sqs::error::{SqsError, SqsErrorKind, SqsResult};
use crate::sqs::names::QueueKey;
use crate::sqs::store::{MoveDestination, MoveTask, MoveTaskStatus, StoreError};

/// How often an unthrottled task moves a batch, and how large that batch is.
const UNTHROTTLED_TICK_MS: u64 = 10;
const UNTHROTTLED_BATCH_MESSAGES: usize = 100;
/// A throttled task moves its per-second allowance once a second.
const THROTTLED_TICK_MS: u64 = 1_000;

#[derive(Default)]
pub(crate) struct Runner {
    running: Mutex<HashSet<String>>,
}

fn encode_handle(task_id: &str, source_arn: &str) -> String {
    let doc = serde_json::json!({ "taskId": task_id, "sourceArn": source_arn });
    base64::engine::general_purpose::STANDARD.encode(doc.to_string())
}

fn decode_handle(handle: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(handle)
        .ok()?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((
        doc.get("taskId")?.as_str()?.to_owned(),
        doc.get("sourceArn")?.as_str()?.to_owned(),
    ))
}

const SOURCE_NOT_FOUND: &str =
    "The resource that you specified for the SourceArn parameter doesn't exist.";

fn not_found(message: &str) -> SqsError {
    SqsError::new(SqsErrorKind::ResourceNotFound, message)
}

impl Sqs {
    pub async fn start_message_move_task(
        self: &Arc<Self>,
        ctx: &RequestContext,
        input: StartMessageMoveTaskInput,
    ) -> SqsResult<StartMessageMoveTaskOutput> {
        let source_arn = required(&input.source_arn, "SourceArn")?;
        let source = QueueKey::from_arn(source_arn).ok_or_else(|| {
            SqsError::invalid_value("SourceArn", source_arn, "Invalid queue ARN.")
        })?;
        let source_meta = self.store.queue(&source).await;
        self.authorize(ctx, &source, source_meta.as_ref())?;
        let source_meta = source_meta.ok_or_else(|| not_found(SOURCE_NOT_FOUND))?;
        let dead_letter_sources = self.dead_letter_sources(source_arn).await;
        if dead_letter_sources.is_empty() {
            return Err(SqsError::invalid_parameter(
                "Source queue must be configured as a Dead Letter Queue.",
            ));
        }
        let destination = match input.destination_arn.as_deref().filter(|a| !a.is_empty()) {
            None => {
                // The task sends back to each source on the caller's behalf.
                for queue in &dead_letter_sources {
                    self.authorize_as(ctx, "SendMessage", &queue.key, Some(queue))?;
                }
                MoveDestination::OriginalSource
            }
            Some(arn) => {
                let key = QueueKey::from_arn(arn).ok_or_else(|| {
                    SqsError::invalid_value("DestinationArn", arn, "Invalid queue ARN.")
                })?;
                let dest = self.store.queue(&key).await;
                // The task sends to the destination on the caller's behalf.
                self.authorize_as(ctx, "SendMessage", &key, dest.as_ref())?;
                let dest = dest.ok_or_else(|| {
                    not_found("The resource that you specified for the DestinationArn parameter doesn't exist.")
                })?;
                if dest.attributes.fifo_queue != source_meta.attributes.fifo_queue || key == source
                {
                    return Err(SqsError::invalid_value(
                        "DestinationArn",
                        arn,
                        "The destination must be another queue of the same type as the source.",
                    ));
                }
                MoveDestination::Queue(key)
            }
        };
        let rate = match input.max_number_of_messages_per_second {
            None => None,
            Some(r) if (1..=i64::from(MOVE_TASK_RATE_MAX_PER_S)).contains(&r) => Some(r as u32),
            Some(r) => {
                return Err(SqsError::invalid_value(
                    "MaxNumberOfMessagesPerSecond",
                    r,
                    &format!("MaxNumberOfMessagesPerSecond must be between 1 and {MOVE_TASK_RATE_MAX_PER_S}."),
                ))
            }
        };
        let tasks = self.store.move_tasks().await;
        if tasks
            .iter()
            .any(|t| t.source == source && t.status == MoveTaskStatus::Running)
        {
            return Err(SqsError::invalid_parameter(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
            ));
        }
        let now = self.now();
        let counts = self.store.counts(&source, now).await?;
        let task = MoveTask {
            task_id: uuid::Uuid::new_v4().to_string(),
            source: source.clone(),
            destination,
            destination_arn: input.destination_arn.filter(|a| !a.is_empty()),
            max_per_second: rate,
            status: MoveTaskStatus::Running,
            moved: 0,
            to_move: counts.visible,
            failure_reason: None,
            started_at_ms: now,
        };
        self.store.save_move_task(task.clone()).await?;
        let handle = encode_handle(&task.task_id, source_arn);
        self.spawn_move_task(task);
        Ok(StartMessageMoveTaskOutput {
            task_handle: handle,
        })
    }

    pub async fn cancel_message_move_task(
        &self,
        ctx: &RequestContext,
        input: CancelMessageMoveTaskInput,
    ) -> SqsResult<CancelMessageMoveTaskOutput> {
        let handle = required(&input.task_handle, "TaskHandle")?;
        // A handle is the task's id and its source queue's ARN; the source named is
        // the resource the cancellation acts on.
        let (task_id, source) = decode_handle(handle)
            .and_then(|(id, arn)| Some((id, QueueKey::from_arn(&arn)?)))
            .ok_or_else(|| {
                SqsError::invalid_parameter("Value for parameter TaskHandle is invalid.")
            })?;
        let source_meta = self.store.queue(&source).await;
        self.authorize(ctx, &source, source_meta.as_ref())?;
        if source_meta.is_none() {
            return Err(not_found(SOURCE_NOT_FOUND));
        }
        let known = self
            .store
            .move_tasks()
            .await
            .iter()
            .any(|t| t.task_id == task_id && t.source == source);
        if !known {
            return Err(not_found("Task does not exist."));
        }
        let task = self
            .store
            .cancel_move_task(&task_id)
            .await?
            .ok_or_else(|| {
                not_found(
                    "Task does not exist or is not running; only running tasks can be cancelled.",
                )
            })?;
        Ok(CancelMessageMoveTaskOutput {
            approximate_number_of_messages_moved: task.moved as i64,
        })
    }

    pub async fn list_message_move_tasks(
        &self,
        ctx: &RequestContext,
        input: ListMessageMoveTasksInput,
    ) -> SqsResult<ListMessageMoveTasksOutput> {
        let source_arn = required(&input.source_arn, "SourceArn")?;
        let source = QueueKey::from_arn(source_arn).ok_or_else(|| {
            SqsError::invalid_value("SourceArn", source_arn, "Invalid queue ARN.")
        })?;
        let source_meta = self.store.queue(&source).await;
        self.authorize(ctx, &source, source_meta.as_ref())?;
        if source_meta.is_none() {
            return Err(not_found(SOURCE_NOT_FOUND));
        }
        let max = match input.max_results {
            None => LIST_MOVE_TASKS_DEFAULT_RESULTS,
            Some(m) if (1..=i64::from(LIST_MOVE_TASKS_MAX_RESULTS)).contains(&m) => m as u32,
            Some(m) => {
                return Err(SqsError::invalid_value(
                    "MaxResults",
                    m,
                    &format!("MaxResults must be between 1 and {LIST_MOVE_TASKS_MAX_RESULTS}."),
                ))
            }
        };
        let mut tasks: Vec<MoveTask> = self
            .store
            .move_tasks()
            .await
            .into_iter()
            .filter(|t| t.source == source)
            .collect();
        tasks.sort_by_key(|t| std::cmp::Reverse(t.started_at_ms));
        Ok(ListMessageMoveTasksOutput {
            results: tasks
                .iter()
                .take(max as usize)
                .map(|t| ListMessageMoveTasksResultEntry {
                    task_handle: (t.status == MoveTaskStatus::Running)
                        .then(|| encode_handle(&t.task_id, source_arn)),
                    status: t.status.as_aws().to_owned(),
                    source_arn: source_arn.to_owned(),
                    destination_arn: t.destination_arn.clone(),
                    max_number_of_messages_per_second: t.max_per_second.map(i64::from),
                    approximate_number_of_messages_moved: t.moved as i64,
                    approximate_number_of_messages_to_move: Some(t.to_move as i64),
                    failure_reason: t.failure_reason.clone(),
                    started_timestamp: t.started_at_ms as i64,
                })
                .collect(),
        })
    }

    /// Restarts the tasks that were running when the server stopped.
    pub(crate) async fn resume_move_tasks(self: &Arc<Self>) {
        for task in self.store.move_tasks().await {
            if task.status == MoveTaskStatus::Running {
                self.spawn_move_task(task);
            }
        }
    }

    fn spawn_move_task(self: &Arc<Self>, task: MoveTask) {
        if !self.move_tasks.running.lock().insert(task.task_id.clone()) {
            return;
        }
        let sqs = Arc::downgrade(self);
        tokio::spawn(async move {
            let task_id = task.task_id.clone();
            let (tick_ms, batch) = match task.max_per_second {
                Some(rate) => (THROTTLED_TICK_MS, rate as usize),
                None => (UNTHROTTLED_TICK_MS, UNTHROTTLED_BATCH_MESSAGES),
            };
            loop {
                let Some(sqs) = sqs.upgrade() else { break };
                if sqs.is_shutting_down() {
                    break;
                }
                let Some(mut current) = sqs
                    .store
                    .move_tasks()
                    .await
                    .into_iter()
                    .find(|t| t.task_id == task_id)
                else {
                    break;
                };
                if current.status != MoveTaskStatus::Running {
                    break;
                }
                let remaining = current.to_move.saturating_sub(current.moved) as usize;
                let want = batch.min(remaining);
                let result = if want == 0 {
                    Ok(0)
                } else {
                    sqs.store
                        .move_messages(&current.source, &current.destination, want, sqs.now())
                        .await
                };
                match result {
                    Ok(moved) => {
                        current.moved += moved;
                        if moved == 0 || current.moved >= current.to_move {
                            current.status = MoveTaskStatus::Completed;
                        }
                    }
                    Err(StoreError::NoSuchQueue) => {
                        current.status = MoveTaskStatus::Failed;
                        current.failure_reason =
                            Some("AWS.SimpleQueueService.NonExistentQueue".to_owned());
                    }
                    // Storage that is only unavailable for now (a full disk): try again
                    // on the next tick rather than failing the task.
                    Err(StoreError::Unavailable(_)) => {
                        drop(sqs);
                        tokio::time::sleep(Duration::from_millis(tick_ms)).await;
                        continue;
                    }
                    Err(e) => {
                        current.status = MoveTaskStatus::Failed;
                        current.failure_reason = Some(e.to_string());
                    }
                }
                // A cancel that landed while this batch moved wins (the store keeps it).
                match sqs.store.record_move_progress(current).await {
                    Ok(MoveTaskStatus::Running) => {}
                    _ => break,
                }
                drop(sqs);
                tokio::time::sleep(Duration::from_millis(tick_ms)).await;
            }
            if let Some(sqs) = sqs.upgrade() {
                sqs.move_tasks.running.lock().remove(&task_id);
            }
        });
    }
}
