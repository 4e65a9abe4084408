//! Subscription actions: Subscribe (endpoint checks, immediate confirmation for
//! same-account queues and functions, a token for the rest), ConfirmSubscription,
//! Unsubscribe, ListSubscriptions, ListSubscriptionsByTopic, and the subscription
//! attribute actions.

use std::collections::BTreeMap;

use super::topics::{decode_token, encode_token};
use super::{missing, page, Fanout, Sns, SnsContext};
use crate::sns::api::*;
use crate::sns::delivery::HttpDeliveryPolicy;
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::filter::PolicyCall;
use crate::sns::limits::*;
use crate::sns::names::parse_subscription_arn;
use crate::sns::notification::ConfirmationKind;
use crate::sns::protocol::{endpoint_account, Protocol};
use crate::sns::store::{SubscriptionMeta, TopicMeta};
use crate::sns::subscription_attributes::{SubscriptionAttributes, SubscriptionFacts};

impl Sns {
    /// Subscribes an endpoint; answers the subscription's ARN, or "pending
    /// confirmation" for one that awaits its endpoint (unless `return_subscription_arn`).
    pub async fn subscribe(&self, ctx: &SnsContext, input: SubscribeInput) -> SnsResult<String> {
        self.subscribe_with(ctx, input, None).await
    }

    /// Subscribe, sending an HTTP/S endpoint its SubscriptionConfirmation (signed with
    /// `delivery`'s key, its SubscribeURL on `delivery`'s base URL) through the outbox.
    pub async fn subscribe_with(
        &self,
        ctx: &SnsContext,
        input: SubscribeInput,
        delivery: Option<&Fanout>,
    ) -> SnsResult<String> {
        let protocol_text = input
            .protocol
            .as_deref()
            .ok_or_else(|| missing("Protocol"))?;
        let _edit = self.edits.lock().await;
        let topic = self
            .resolve_topic(ctx, "Subscribe", input.topic_arn.as_deref(), "TopicArn")
            .await?;
        let protocol = Protocol::parse(protocol_text)?;
        if topic.attributes.fifo_topic && protocol != Protocol::Sqs {
            // FIFO topics deliver to queues only (the text as AWS answers it).
            return Err(SnsError::invalid_parameter(format!(
                "Invalid protocol type: {}",
                protocol.as_str()
            )));
        }
        let endpoint = protocol.check_endpoint(input.endpoint.as_deref().unwrap_or_default())?;
        if protocol == Protocol::Sqs && endpoint.ends_with(".fifo") && !topic.attributes.fifo_topic
        {
            return Err(SnsError::invalid_parameter(
                "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
            ));
        }
        let facts = SubscriptionFacts {
            fifo_topic: topic.attributes.fifo_topic,
            fifo_endpoint: protocol == Protocol::Sqs && endpoint.ends_with(".fifo"),
        };
        let mut attributes = SubscriptionAttributes::default();
        for (name, value) in &input.attributes {
            attributes.set(PolicyCall::Subscribe, facts, name, value)?;
        }
        let existing = self.store.subscriptions_of_topic(&topic.key).await;
        if let Some(same) = existing
            .iter()
            .find(|s| s.protocol == protocol && s.endpoint == endpoint)
        {
            // Subscribing the same endpoint again is the same subscription, unless an
            // attribute it names has another value (defaults count as set).
            let mut wanted = same.attributes.clone();
            for (name, value) in &input.attributes {
                wanted.set(PolicyCall::Subscribe, facts, name, value)?;
            }
            if !same_settings(&wanted, &same.attributes) {
                return Err(SnsError::invalid_attributes(
                    "Subscription already exists with different attributes",
                ));
            }
            if same.pending {
                // Subscribing a pending endpoint again sends its confirmation again.
                self.enqueue_confirmation(delivery, &topic, same, ConfirmationKind::Subscribe)
                    .await;
            }
            return Ok(answer_arn(same, input.return_subscription_arn));
        }
        let max = if topic.attributes.fifo_topic {
            SUBSCRIPTIONS_PER_FIFO_TOPIC_MAX
        } else {
            SUBSCRIPTIONS_PER_TOPIC_MAX
        };
        if existing.len() >= max {
            return Err(SnsError::new(
                SnsErrorKind::SubscriptionLimitExceeded,
                "Subscription limit exceeded",
            ));
        }
        let same_account = endpoint_account(&endpoint).is_none_or(|a| a == topic.key.account_id);
        let pending = protocol.needs_confirmation(same_account);
        let subscription = SubscriptionMeta {
            arn: topic.key.new_subscription_arn(),
            topic: topic.key.clone(),
            protocol,
            endpoint,
            owner: ctx.account_id.clone(),
            principal: ctx.principal_arn.clone(),
            pending,
            token: pending.then(new_token),
            confirmation_was_authenticated: !pending,
            attributes,
            created_at_ms: self.now(),
        };
        self.store.add_subscription(subscription.clone()).await?;
        super::undelivered::note_confirmation(&subscription);
        if pending {
            self.enqueue_confirmation(delivery, &topic, &subscription, ConfirmationKind::Subscribe)
                .await;
        }
        Ok(answer_arn(&subscription, input.return_subscription_arn))
    }

    /// Confirms the subscription a token was issued for; answers its ARN.
    pub async fn confirm_subscription(
        &self,
        ctx: &SnsContext,
        topic_arn: Option<&str>,
        token: Option<&str>,
        authenticate_on_unsubscribe: Option<&str>,
    ) -> SnsResult<String> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| missing("Token"))?;
        // Tokens are hexadecimal; anything else is not one at all (AWS's recorded words).
        if !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SnsError::new(
                SnsErrorKind::InvalidParameter,
                "Invalid token",
            ));
        }
        // Another region's topic is answered as AWS's recorded "Invalid parameter: Topic".
        if super::topic_key(topic_arn, "TopicArn")?.region != ctx.region {
            return Err(SnsError::invalid_parameter("Topic"));
        }
        let _edit = self.edits.lock().await;
        let topic = match self
            .resolve_topic(ctx, "ConfirmSubscription", topic_arn, "TopicArn")
            .await
        {
            Ok(topic) => topic,
            // AWS answers a token for a topic that does not exist as a bad token.
            Err(e) if e.kind == SnsErrorKind::NotFound => {
                return Err(SnsError::invalid_parameter("Token"))
            }
            Err(e) => return Err(e),
        };
        let subscriptions = self.store.subscriptions_of_topic(&topic.key).await;
        let subscription = subscriptions
            .iter()
            .find(|s| s.token.as_deref() == Some(token))
            .ok_or_else(|| SnsError::invalid_parameter("Token"))?;
        if !subscription.pending {
            return Ok(subscription.arn.clone());
        }
        let authenticated =
            authenticate_on_unsubscribe.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        let confirmed = self
            .store
            .confirm_subscription(&subscription.arn, authenticated)
            .await?;
        Ok(confirmed.arn)
    }

    /// Removes a subscription. One that does not exist is already gone: success.
    pub async fn unsubscribe(&self, ctx: &SnsContext, arn: Option<&str>) -> SnsResult<()> {
        self.unsubscribe_with(ctx, arn, None, false).await
    }

    /// Unsubscribe, sending a confirmed HTTP/S endpoint its UnsubscribeConfirmation
    /// through the outbox. `anonymous`: an unsigned request (the UnsubscribeURL of a
    /// notification), allowed only for a subscription whose confirmation did not ask for
    /// authenticated unsubscribes (AuthenticateOnUnsubscribe), as on AWS.
    pub async fn unsubscribe_with(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        delivery: Option<&Fanout>,
        anonymous: bool,
    ) -> SnsResult<()> {
        let _edit = self.edits.lock().await;
        let (topic, subscription) = self.resolve_subscription(ctx, "Unsubscribe", arn).await?;
        if let Some(subscription) = subscription {
            if anonymous && subscription.confirmation_was_authenticated {
                return Err(SnsError::new(
                    SnsErrorKind::AuthorizationError,
                    "Unsubscribe of this subscription requires authentication",
                ));
            }
            self.store.remove_subscription(&subscription.arn).await?;
            if let (Some(topic), false) = (topic, subscription.pending) {
                self.enqueue_confirmation(
                    delivery,
                    &topic,
                    &subscription,
                    ConfirmationKind::Unsubscribe,
                )
                .await;
            }
        }
        Ok(())
    }

    pub async fn list_subscriptions(
        &self,
        ctx: &SnsContext,
        next_token: Option<&str>,
    ) -> SnsResult<ListSubscriptionsOutput> {
        let all = format!("arn:aws:sns:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "ListSubscriptions", &all, &ctx.account_id, None)?;
        let after = decode_token(next_token)?;
        let subscriptions = self
            .store
            .list_subscriptions(
                &ctx.region,
                &ctx.account_id,
                after.as_deref(),
                LIST_SUBSCRIPTIONS_PAGE_SIZE + 1,
            )
            .await;
        Ok(summaries(subscriptions))
    }

    pub async fn list_subscriptions_by_topic(
        &self,
        ctx: &SnsContext,
        topic_arn: Option<&str>,
        next_token: Option<&str>,
    ) -> SnsResult<ListSubscriptionsOutput> {
        let topic = self
            .resolve_topic(ctx, "ListSubscriptionsByTopic", topic_arn, "TopicArn")
            .await?;
        let after = decode_token(next_token)?;
        let subscriptions: Vec<SubscriptionMeta> = self
            .store
            .subscriptions_of_topic(&topic.key)
            .await
            .into_iter()
            .filter(|s| after.as_deref().is_none_or(|a| s.arn.as_str() > a))
            .take(LIST_SUBSCRIPTIONS_PAGE_SIZE + 1)
            .collect();
        Ok(summaries(subscriptions))
    }

    pub async fn get_subscription_attributes(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let (topic, subscription) = self
            .resolve_subscription(ctx, "GetSubscriptionAttributes", arn)
            .await?;
        let s = subscription.ok_or_else(SnsError::subscription_not_found)?;
        let mut out = BTreeMap::new();
        out.insert(
            "ConfirmationWasAuthenticated".into(),
            s.confirmation_was_authenticated.to_string(),
        );
        out.insert("Endpoint".into(), s.endpoint.clone());
        out.insert("Owner".into(), s.owner.clone());
        out.insert("PendingConfirmation".into(), s.pending.to_string());
        out.insert("Protocol".into(), s.protocol.as_str().into());
        out.insert("SubscriptionArn".into(), s.arn.clone());
        out.insert("SubscriptionPrincipal".into(), s.principal.clone());
        out.insert("TopicArn".into(), s.topic.arn());
        s.attributes.describe(&mut out);
        if s.protocol.is_http() {
            // AWS reports an HTTP/S subscription's policy with every part named, and the
            // policy it is delivered with.
            let own = s.attributes.delivery_policy.as_deref();
            if let Some(own) = own {
                out.insert(
                    "DeliveryPolicy".into(),
                    HttpDeliveryPolicy::subscription_policy_json(own),
                );
            }
            let topic_policy = topic.and_then(|t| t.attributes.delivery_policy);
            out.insert(
                "EffectiveDeliveryPolicy".into(),
                HttpDeliveryPolicy::subscription_effective_json(topic_policy.as_deref(), own),
            );
        }
        Ok(out)
    }

    pub async fn set_subscription_attributes(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        name: Option<&str>,
        value: Option<&str>,
    ) -> SnsResult<()> {
        let name = name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| missing("AttributeName"))?;
        let _edit = self.edits.lock().await;
        let (topic, subscription) = self
            .resolve_subscription(ctx, "SetSubscriptionAttributes", arn)
            .await?;
        let s = subscription.ok_or_else(SnsError::subscription_not_found)?;
        let facts = SubscriptionFacts {
            fifo_topic: topic.is_some_and(|t| t.attributes.fifo_topic),
            fifo_endpoint: s.protocol == Protocol::Sqs && s.endpoint.ends_with(".fifo"),
        };
        let mut attributes = s.attributes.clone();
        attributes.set(
            PolicyCall::SetSubscriptionAttributes,
            facts,
            name,
            value.unwrap_or_default(),
        )?;
        self.store.change_subscription(&s.arn, attributes).await?;
        Ok(())
    }

    /// The subscription an ARN parameter names (and its topic), once the caller may
    /// perform `action` on the topic.
    async fn resolve_subscription(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: Option<&str>,
    ) -> SnsResult<(Option<TopicMeta>, Option<SubscriptionMeta>)> {
        let arn = arn.ok_or_else(|| {
            SnsError::invalid_parameter("SubscriptionArn Reason: no value for required parameter")
        })?;
        let key = parse_subscription_arn(arn, "SubscriptionArn")?;
        let topic = self.store.topic(&key).await;
        self.authorize(ctx, action, &key.arn(), &key.account_id, topic.as_ref())?;
        Ok((topic, self.store.subscription(arn).await))
    }
}

/// Whether two subscriptions' attributes say the same, an unset FilterPolicyScope
/// counting as its default (`MessageAttributes`).
fn same_settings(a: &SubscriptionAttributes, b: &SubscriptionAttributes) -> bool {
    let scope = |s: &SubscriptionAttributes| {
        s.filter_policy_scope
            .unwrap_or(crate::sns::filter::FilterScope::MessageAttributes)
    };
    let mut a = a.clone();
    let mut b = b.clone();
    a.filter_policy_scope = Some(scope(&a));
    b.filter_policy_scope = Some(scope(&b));
    a == b
}

/// What Subscribe answers: the ARN, or "pending confirmation" while it is pending.
fn answer_arn(s: &SubscriptionMeta, return_arn: bool) -> String {
    if s.pending && !return_arn {
        PENDING_CONFIRMATION_ARN.to_owned()
    } else {
        s.arn.clone()
    }
}

/// A confirmation token: 64 random hex digits (AWS's are long hex strings too).
pub(super) fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A page of subscriptions (fetched one past the page size) as the list actions show
/// them; a pending one is listed as "PendingConfirmation".
fn summaries(subscriptions: Vec<SubscriptionMeta>) -> ListSubscriptionsOutput {
    let (subscriptions, next) = page(subscriptions, LIST_SUBSCRIPTIONS_PAGE_SIZE, |s| {
        encode_token(&s.arn)
    });
    ListSubscriptionsOutput {
        subscriptions: subscriptions
            .into_iter()
            .map(|s| SubscriptionSummary {
                subscription_arn: if s.pending {
                    PENDING_CONFIRMATION_LISTED.to_owned()
                } else {
                    s.arn.clone()
                },
                owner: s.owner,
                protocol: s.protocol.as_str().to_owned(),
                endpoint: s.endpoint,
                topic_arn: s.topic.arn(),
            })
            .collect(),
        next_token: next,
    }
}
