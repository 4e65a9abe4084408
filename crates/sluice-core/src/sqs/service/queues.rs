//! Queue actions: create, look up, list, delete, attributes, purge, tags and
//! dead-letter source lookups.

use base64::Engine;

use super::{required, RequestContext, Sqs};
use crate::limits::*;
use crate::sqs::api::*;
use crate::sqs::attributes::{self, QueueAttributes, QueueFacts};
use crate::sqs::error::{SqsError, SqsErrorKind, SqsResult};
use crate::sqs::names::{validate_queue_name, QueueKey};
use crate::sqs::redrive::TargetRefusal;
use crate::sqs::store::{CreateOutcome, NewQueue, QueueChange, QueueMeta};

impl Sqs {
    pub async fn create_queue(
        &self,
        ctx: &RequestContext,
        input: CreateQueueInput,
    ) -> SqsResult<QueueUrlOutput> {
        let name = input.queue_name.as_deref().ok_or_else(no_queue_name)?;
        let requested = input.attributes.unwrap_or_default();
        // FifoQueue makes a FIFO queue; a standard queue knows no such attribute, so
        // even "false" is refused (before the name is checked against either kind).
        let fifo = match requested.get("FifoQueue").map(|v| v.to_ascii_lowercase()) {
            None => false,
            Some(v) if v == "true" => true,
            Some(v) if v == "false" => return Err(SqsError::invalid_attribute_name("FifoQueue")),
            Some(_) => return Err(SqsError::invalid_attribute_value("FifoQueue")),
        };
        validate_queue_name(name, fifo)?;
        let key = QueueKey::new(&ctx.region, &ctx.account_id, name);
        let mut attrs = QueueAttributes::defaults(fifo);
        attributes::apply(&mut attrs, &requested)?;
        let tags = input.tags.unwrap_or_default();
        validate_tags(&tags)?;
        self.check_dead_letter_target(&key, &attrs, &requested)
            .await?;

        let now = self.now();
        let existing = self.store.queue(&key).await;
        self.authorize(ctx, &key, existing.as_ref())?;
        if let Some(existing) = existing {
            return self.existing_queue(ctx, &existing, &attrs, &requested);
        }
        if let Some(deleted) = self.store.deleted_at(&key).await {
            if now < deleted + QUEUE_DELETED_RECENTLY_WINDOW_MS {
                return Err(SqsError::new(
                    SqsErrorKind::QueueDeletedRecently,
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
                ));
            }
        }
        let outcome = self
            .store
            .create_queue(
                NewQueue {
                    key: key.clone(),
                    attributes: attrs.clone(),
                    tags,
                },
                now,
            )
            .await?;
        match outcome {
            CreateOutcome::Created(meta) => Ok(QueueUrlOutput {
                queue_url: ctx.queue_url(&meta.key),
            }),
            CreateOutcome::Exists(existing) => {
                self.existing_queue(ctx, &existing, &attrs, &requested)
            }
        }
    }

    /// CreateQueue of an existing name succeeds only if every attribute the request names
    /// has the value the queue already has.
    fn existing_queue(
        &self,
        ctx: &RequestContext,
        existing: &QueueMeta,
        wanted: &QueueAttributes,
        requested: &AttributeMap,
    ) -> SqsResult<QueueUrlOutput> {
        let names: Vec<String> = requested.keys().cloned().collect();
        let facts = |attrs| QueueFacts {
            key: &existing.key,
            attributes: attrs,
            counts: Default::default(),
            created_at_ms: 0,
            last_modified_ms: 0,
        };
        let have = attributes::render(&facts(&existing.attributes), &names);
        let want = attributes::render(&facts(wanted), &names);
        for name in &names {
            if have.get(name) != want.get(name) {
                return Err(SqsError::new(
                    SqsErrorKind::QueueNameExists,
                    format!("A queue already exists with the same name and a different value for attribute {name}"),
                ));
            }
        }
        Ok(QueueUrlOutput {
            queue_url: ctx.queue_url(&existing.key),
        })
    }

    /// A RedrivePolicy the request sets must name an existing queue of the same kind,
    /// in the same account and region, whose redrive allow policy admits this source.
    /// Refusals quote the policy as the request gave it.
    pub(crate) async fn check_dead_letter_target(
        &self,
        source: &QueueKey,
        attrs: &QueueAttributes,
        requested: &AttributeMap,
    ) -> SqsResult<()> {
        let (Some(policy), Some(given)) = (&attrs.redrive_policy, requested.get("RedrivePolicy"))
        else {
            return Ok(());
        };
        // `parse_redrive_policy` only admits queue ARNs.
        let target = QueueKey::from_arn(&policy.dead_letter_target_arn)
            .ok_or_else(|| TargetRefusal::Missing.error(given))?;
        if target.region != source.region {
            return Err(TargetRefusal::OtherRegion.error(given));
        }
        if target.account_id != source.account_id {
            return Err(TargetRefusal::OtherAccount.error(given));
        }
        let dlq = self
            .store
            .queue(&target)
            .await
            .ok_or_else(|| TargetRefusal::Missing.error(given))?;
        if dlq.attributes.fifo_queue != attrs.fifo_queue {
            return Err(TargetRefusal::OtherKind.error(given));
        }
        if let Some(allow) = &dlq.attributes.redrive_allow_policy {
            if !allow.allows(&source.arn()) {
                return Err(SqsError::invalid_value(
                    "RedrivePolicy",
                    given,
                    &format!(
                        "Queue {} does not allow {} to use it as a dead-letter queue.",
                        target.arn(),
                        source.arn()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The queues whose RedrivePolicy names `dlq_arn` as their dead-letter queue.
    pub(crate) async fn dead_letter_sources(&self, dlq_arn: &str) -> Vec<QueueMeta> {
        let mut queues = self.store.all_queues().await;
        queues.retain(|q| {
            q.attributes
                .redrive_policy
                .as_ref()
                .is_some_and(|p| p.dead_letter_target_arn == dlq_arn)
        });
        queues
    }

    pub async fn get_queue_url(
        &self,
        ctx: &RequestContext,
        input: GetQueueUrlInput,
    ) -> SqsResult<QueueUrlOutput> {
        let name = input
            .queue_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(no_queue_name)?;
        let account = input
            .queue_owner_aws_account_id
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or(&ctx.account_id);
        let key = QueueKey::new(&ctx.region, account, name);
        let meta = self.store.queue(&key).await;
        self.authorize(ctx, &key, meta.as_ref())?;
        let meta = meta.ok_or_else(SqsError::queue_does_not_exist)?;
        Ok(QueueUrlOutput {
            queue_url: ctx.queue_url(&meta.key),
        })
    }

    pub async fn list_queues(
        &self,
        ctx: &RequestContext,
        input: ListQueuesInput,
    ) -> SqsResult<ListQueuesOutput> {
        let limit = max_results(input.max_results, LIST_QUEUES_MAX_RESULTS)?;
        let prefix = input.queue_name_prefix.unwrap_or_default();
        let after = decode_token(input.next_token.as_deref())?;
        // Listing names no one queue: the resource is every queue of the account.
        self.authorize(ctx, &QueueKey::new(&ctx.region, &ctx.account_id, "*"), None)?;
        let queues = self.store.list_queues(&ctx.region, &ctx.account_id).await;
        let names: Vec<&QueueMeta> = queues
            .iter()
            .filter(|q| q.key.name.starts_with(&prefix))
            .filter(|q| after.as_ref().is_none_or(|a| q.key.name > *a))
            .collect();
        let page = limit.unwrap_or(LIST_QUEUES_MAX_RESULTS) as usize;
        let next_token = (limit.is_some() && names.len() > page)
            .then(|| encode_token(&names[page - 1].key.name));
        Ok(ListQueuesOutput {
            queue_urls: names
                .iter()
                .take(page)
                .map(|q| ctx.queue_url(&q.key))
                .collect(),
            next_token,
        })
    }

    pub async fn delete_queue(
        &self,
        ctx: &RequestContext,
        input: QueueUrlInput,
    ) -> SqsResult<Empty> {
        let meta = self.resolve(ctx, input.queue_url.as_deref()).await?;
        self.store.delete_queue(&meta.key, self.now()).await?;
        self.activity.forget(&meta.key);
        Ok(Empty {})
    }

    pub async fn get_queue_attributes(
        &self,
        ctx: &RequestContext,
        input: GetQueueAttributesInput,
    ) -> SqsResult<GetQueueAttributesOutput> {
        let meta = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let names = input.attribute_names.unwrap_or_default();
        attributes::validate_requested_names(&names, meta.attributes.fifo_queue)?;
        let counts = self.store.counts(&meta.key, self.now()).await?;
        let facts = QueueFacts {
            key: &meta.key,
            attributes: &meta.attributes,
            counts,
            created_at_ms: meta.created_at_ms,
            last_modified_ms: meta.last_modified_ms,
        };
        Ok(GetQueueAttributesOutput {
            attributes: attributes::render(&facts, &names),
        })
    }

    /// Starts a read-change-write of a queue's configuration: holds the edit lock
    /// (so concurrent edits cannot undo each other) and reads the queue.
    async fn begin_edit(
        &self,
        ctx: &RequestContext,
        url: Option<&str>,
    ) -> SqsResult<(tokio::sync::MutexGuard<'_, ()>, QueueMeta)> {
        let editing = self.queue_edits.lock().await;
        let meta = self.resolve(ctx, url).await?;
        Ok((editing, meta))
    }

    /// Writes the change a [`Self::begin_edit`] led to.
    async fn finish_edit(&self, meta: &QueueMeta, change: QueueChange) -> SqsResult<Empty> {
        self.store
            .change_queue(&meta.key, change, self.now())
            .await?;
        Ok(Empty {})
    }

    pub async fn set_queue_attributes(
        &self,
        ctx: &RequestContext,
        input: SetQueueAttributesInput,
    ) -> SqsResult<Empty> {
        let (_editing, meta) = self.begin_edit(ctx, input.queue_url.as_deref()).await?;
        let requested = input.attributes.unwrap_or_default();
        if requested.is_empty() {
            // AWS names the Query form's first member.
            return Err(SqsError::missing_parameter("Attribute.Name"));
        }
        let mut attrs = meta.attributes.clone();
        attributes::apply(&mut attrs, &requested)?;
        self.check_dead_letter_target(&meta.key, &attrs, &requested)
            .await?;
        self.finish_edit(&meta, QueueChange::Attributes(attrs))
            .await
    }

    pub async fn purge_queue(
        &self,
        ctx: &RequestContext,
        input: QueueUrlInput,
    ) -> SqsResult<Empty> {
        let meta = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let now = self.now();
        if let Some(last) = meta.last_purge_ms {
            if now < last + PURGE_INTERVAL_MS {
                return Err(SqsError::new(
                    SqsErrorKind::PurgeQueueInProgress,
                    format!(
                        "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                        meta.key.name
                    ),
                ));
            }
        }
        self.store.purge(&meta.key, now).await?;
        Ok(Empty {})
    }

    pub async fn tag_queue(&self, ctx: &RequestContext, input: TagQueueInput) -> SqsResult<Empty> {
        let (_editing, meta) = self.begin_edit(ctx, input.queue_url.as_deref()).await?;
        let new_tags = input
            .tags
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SqsError::missing_parameter("Tags"))?;
        let mut tags = meta.tags.clone();
        tags.extend(new_tags);
        validate_tags(&tags)?;
        self.finish_edit(&meta, QueueChange::Tags(tags)).await
    }

    pub async fn untag_queue(
        &self,
        ctx: &RequestContext,
        input: UntagQueueInput,
    ) -> SqsResult<Empty> {
        let (_editing, meta) = self.begin_edit(ctx, input.queue_url.as_deref()).await?;
        let keys = input
            .tag_keys
            .filter(|k| !k.is_empty())
            .ok_or_else(|| SqsError::missing_parameter("TagKeys"))?;
        let mut tags = meta.tags.clone();
        for key in &keys {
            tags.remove(key);
        }
        self.finish_edit(&meta, QueueChange::Tags(tags)).await
    }

    /// Adds the statement SQS's AddPermission writes to the queue's Policy; the edit
    /// itself is `sluice_auth::policy::add_permission`.
    pub async fn add_permission(
        &self,
        ctx: &RequestContext,
        input: AddPermissionInput,
    ) -> SqsResult<Empty> {
        let (_editing, meta) = self.begin_edit(ctx, input.queue_url.as_deref()).await?;
        let label = required(&input.label, "Label")?;
        let policy = sluice_auth::policy::add_permission(
            meta.attributes.policy.as_deref(),
            label,
            input.aws_account_ids.as_deref().unwrap_or_default(),
            input.actions.as_deref().unwrap_or_default(),
            &meta.key.arn(),
        )
        .map_err(policy_edit_error)?;
        let mut attrs = meta.attributes.clone();
        attrs.policy = Some(policy);
        self.finish_edit(&meta, QueueChange::Attributes(attrs))
            .await
    }

    /// Drops the statement labelled `Label` from the queue's Policy; the Policy goes
    /// away with its last statement.
    pub async fn remove_permission(
        &self,
        ctx: &RequestContext,
        input: RemovePermissionInput,
    ) -> SqsResult<Empty> {
        let (_editing, meta) = self.begin_edit(ctx, input.queue_url.as_deref()).await?;
        let label = required(&input.label, "Label")?;
        let policy =
            sluice_auth::policy::remove_permission(meta.attributes.policy.as_deref(), label)
                .map_err(policy_edit_error)?;
        let mut attrs = meta.attributes.clone();
        attrs.policy = policy;
        self.finish_edit(&meta, QueueChange::Attributes(attrs))
            .await
    }

    pub async fn list_queue_tags(
        &self,
        ctx: &RequestContext,
        input: QueueUrlInput,
    ) -> SqsResult<ListQueueTagsOutput> {
        let meta = self.resolve(ctx, input.queue_url.as_deref()).await?;
        Ok(ListQueueTagsOutput { tags: meta.tags })
    }

    pub async fn list_dead_letter_source_queues(
        &self,
        ctx: &RequestContext,
        input: ListDeadLetterSourceQueuesInput,
    ) -> SqsResult<ListDeadLetterSourceQueuesOutput> {
        let meta = self.resolve(ctx, input.queue_url.as_deref()).await?;
        let limit = max_results(
            input.max_results,
            LIST_DEAD_LETTER_SOURCE_QUEUES_MAX_RESULTS,
        )?;
        let after = decode_token(input.next_token.as_deref())?;
        let arn = meta.key.arn();
        let sources: Vec<QueueMeta> = self
            .dead_letter_sources(&arn)
            .await
            .into_iter()
            .filter(|q| after.as_ref().is_none_or(|a| q.key.name > *a))
            .collect();
        let page = limit.unwrap_or(LIST_DEAD_LETTER_SOURCE_QUEUES_MAX_RESULTS) as usize;
        let next_token = (limit.is_some() && sources.len() > page)
            .then(|| encode_token(&sources[page - 1].key.name));
        Ok(ListDeadLetterSourceQueuesOutput {
            queue_urls: sources
                .iter()
                .take(page)
                .map(|q| ctx.queue_url(&q.key))
                .collect(),
            next_token,
        })
    }
}

fn max_results(value: Option<i64>, max: u32) -> SqsResult<Option<u32>> {
    match value {
        None => Ok(None),
        Some(v) if (1..=i64::from(max)).contains(&v) => Ok(Some(v as u32)),
        Some(v) => Err(SqsError::invalid_value(
            "MaxResults",
            v,
            &format!("MaxResults must be an integer between 1 and {max}."),
        )),
    }
}

/// AWS's answer to a CreateQueue or GetQueueUrl that names no queue.
fn no_queue_name() -> SqsError {
    SqsError::invalid_parameter(
        "Value for parameter QueueName is invalid. Reason: Must specify a queue name.",
    )
}

fn encode_token(last_name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last_name)
}

fn decode_token(token: Option<&str>) -> SqsResult<Option<String>> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| SqsError::invalid_value("NextToken", token, "Invalid NextToken value."))
}

pub(crate) fn validate_tags(tags: &TagMap) -> SqsResult<()> {
    if tags.len() > TAGS_PER_QUEUE_MAX {
        return Err(SqsError::invalid_parameter(format!(
            "Too many tags added for queue. A queue can have at most {TAGS_PER_QUEUE_MAX} tags."
        )));
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > TAG_KEY_MAX_LEN {
            return Err(SqsError::invalid_parameter(format!(
                "Tag keys must be between 1 and {TAG_KEY_MAX_LEN} characters in length."
            )));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(SqsError::invalid_parameter(
                "Tag keys can't start with the reserved prefix aws:.",
            ));
        }
        if value.chars().count() > TAG_VALUE_MAX_LEN {
            return Err(SqsError::invalid_parameter(format!(
                "Tag values must be between 0 and {TAG_VALUE_MAX_LEN} characters in length."
            )));
        }
    }
    Ok(())
}

/// Maps a refused AddPermission/RemovePermission edit to the SQS error AWS returns.
fn policy_edit_error(e: sluice_auth::policy::PolicyEditError) -> SqsError {
    let kind = match e.code() {
        "MissingParameter" => SqsErrorKind::MissingParameter,
        "OverLimit" => SqsErrorKind::OverLimit,
        "InternalError" => SqsErrorKind::InternalError,
        _ => SqsErrorKind::InvalidParameterValue,
    };
    SqsError::new(kind, e.to_string())
}
