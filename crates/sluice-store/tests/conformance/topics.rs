//! The SNS half of the conformance suite: what every [`TopicStore`] must do with topics
//! and subscriptions, checked again after [`Backend::restart_stores`] (which, for the
//! reopened durable backend, recovers a new store from the journal).

use sluice_core::sns::protocol::Protocol;
use sluice_core::sns::store::*;
use sluice_core::sns::subscription_attributes::SubscriptionAttributes;
use sluice_core::sns::topic_attributes::{SetBy, TopicAttributes};
use sluice_core::sns::TopicKey;

use super::common::*;

fn topic_key(name: &str) -> TopicKey {
    TopicKey::new(REGION, ACCOUNT, name)
}

fn new_topic(name: &str) -> NewTopic {
    NewTopic {
        key: topic_key(name),
        attributes: TopicAttributes::defaults(name.ends_with(".fifo")),
        tags: tags(&[]),
    }
}

async fn create_topic(store: &dyn TopicStore, topic: NewTopic, now: u64) -> TopicMeta {
    match store.create_topic(topic, now).await {
        Ok(TopicCreated::Created(meta)) => meta,
        other => panic!("expected a new topic, got {other:?}"),
    }
}

fn subscription(
    topic: &str,
    protocol: Protocol,
    endpoint: &str,
    pending: bool,
) -> SubscriptionMeta {
    let key = topic_key(topic);
    SubscriptionMeta {
        arn: key.new_subscription_arn(),
        topic: key,
        protocol,
        endpoint: endpoint.to_owned(),
        owner: ACCOUNT.to_owned(),
        principal: format!("arn:aws:iam::{ACCOUNT}:root"),
        pending,
        token: pending.then(|| "token-1".to_owned()),
        confirmation_was_authenticated: !pending,
        attributes: SubscriptionAttributes::default(),
        created_at_ms: T0,
    }
}

fn names(topics: &[TopicMeta]) -> Vec<&str> {
    topics.iter().map(|t| t.key.name.as_str()).collect()
}

pub async fn topic_lifecycle(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let store = &*stores.topics;
    let mut attributes = TopicAttributes::defaults(false);
    attributes
        .set(SetBy::CreateTopic, "DisplayName", "Beta")
        .unwrap();
    let beta = create_topic(
        store,
        NewTopic {
            key: topic_key("beta"),
            attributes: attributes.clone(),
            tags: tags(&[("team", "core")]),
        },
        T0,
    )
    .await;
    assert_eq!(
        (
            beta.attributes.clone(),
            beta.created_at_ms,
            beta.subscriptions_deleted
        ),
        (attributes, T0, 0)
    );
    create_topic(store, new_topic("alpha"), T0 + 1).await;
    create_topic(store, new_topic("gamma.fifo"), T0 + 2).await;
    let mut elsewhere = new_topic("alpha");
    elsewhere.key.account_id = "111111111111".into();
    create_topic(store, elsewhere, T0 + 3).await;
    elsewhere = new_topic("alpha");
    elsewhere.key.region = "eu-west-1".into();
    create_topic(store, elsewhere, T0 + 4).await;

    // Creating an existing name returns it unchanged.
    match store.create_topic(new_topic("beta"), T0 + 5).await.unwrap() {
        TopicCreated::Exists(meta) => assert_eq!(meta, beta),
        other => panic!("expected the existing topic, got {other:?}"),
    }

    // Lists are one account and region, in name order, paged after a name.
    let all = store.list_topics(REGION, ACCOUNT, None, 100).await;
    assert_eq!(names(&all), ["alpha", "beta", "gamma.fifo"]);
    assert_eq!(
        names(&store.list_topics(REGION, ACCOUNT, None, 2).await),
        ["alpha", "beta"]
    );
    assert_eq!(
        names(&store.list_topics(REGION, ACCOUNT, Some("alpha"), 100).await),
        ["beta", "gamma.fifo"]
    );
    assert!(store
        .list_topics(REGION, ACCOUNT, Some("gamma.fifo"), 100)
        .await
        .is_empty());
    assert_eq!(store.topic_count(REGION, ACCOUNT).await, 3);
    assert_eq!(store.topic_count("eu-west-1", ACCOUNT).await, 1);
    let mut accounts = vec![
        ("eu-west-1".to_owned(), ACCOUNT.to_owned()),
        (REGION.to_owned(), "111111111111".to_owned()),
        (REGION.to_owned(), ACCOUNT.to_owned()),
    ];
    accounts.sort();
    assert_eq!(store.topic_accounts().await, accounts);

    // Changes are kept whole.
    let mut changed = beta.attributes.clone();
    changed
        .set(SetBy::SetTopicAttributes, "SignatureVersion", "2")
        .unwrap();
    changed
        .set(
            SetBy::SetTopicAttributes,
            "Policy",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        )
        .unwrap();
    store
        .change_topic(&topic_key("beta"), TopicChange::Attributes(changed.clone()))
        .await
        .unwrap();
    let new_tags = tags(&[("env", "test")]);
    let beta = store
        .change_topic(&topic_key("beta"), TopicChange::Tags(new_tags.clone()))
        .await
        .unwrap();
    assert_eq!((&beta.attributes, &beta.tags), (&changed, &new_tags));
    store.delete_topic(&topic_key("alpha")).await.unwrap();

    let stores = b.restart_stores(stores, T0 + 10).await;
    let store = &*stores.topics;
    assert_eq!(store.topic(&topic_key("beta")).await, Some(beta));
    assert_eq!(store.topic(&topic_key("alpha")).await, None);
    assert!(
        store
            .topic(&topic_key("gamma.fifo"))
            .await
            .unwrap()
            .attributes
            .fifo_topic
    );
    assert_eq!(
        names(&store.list_topics(REGION, ACCOUNT, None, 100).await),
        ["beta", "gamma.fifo"]
    );
    assert_eq!(store.topic_count("eu-west-1", ACCOUNT).await, 1);
    assert_eq!(store.topic_count(REGION, "111111111111").await, 1);

    // Operations on topics that do not exist say so and change nothing.
    let missing = topic_key("missing");
    assert_eq!(
        store.delete_topic(&missing).await,
        Err(TopicStoreError::NoSuchTopic)
    );
    assert_eq!(
        store
            .change_topic(&missing, TopicChange::Tags(tags(&[])))
            .await,
        Err(TopicStoreError::NoSuchTopic)
    );
    assert_eq!(
        store
            .add_subscription(subscription(
                "missing",
                Protocol::Sqs,
                "arn:aws:sqs:us-east-1:000000000000:q",
                false
            ))
            .await,
        Err(TopicStoreError::NoSuchTopic)
    );
}

/// The shared snapshot a publish fans out to matches the topic's subscriptions.
async fn assert_subscribers_current(store: &dyn TopicStore, topic: &str) {
    let key = topic_key(topic);
    assert_eq!(
        store.topic_subscribers(&key).await.to_vec(),
        store.subscriptions_of_topic(&key).await,
        "topic {topic}"
    );
}

pub async fn subscriptions_follow_their_topic(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let store = &*stores.topics;
    create_topic(store, new_topic("news"), T0).await;
    create_topic(store, new_topic("other"), T0).await;
    let queue = subscription(
        "news",
        Protocol::Sqs,
        "arn:aws:sqs:us-east-1:000000000000:q",
        false,
    );
    let hook = subscription("news", Protocol::Https, "https://example.com/hook", true);
    let mail = subscription("other", Protocol::Email, "dev@example.com", true);
    for s in [&queue, &hook, &mail] {
        store.add_subscription(s.clone()).await.unwrap();
    }
    let mut news = vec![queue.clone(), hook.clone()];
    news.sort_by(|a, b| a.arn.cmp(&b.arn));
    assert_eq!(store.subscriptions_of_topic(&topic_key("news")).await, news);
    assert_eq!(
        store.topic_subscribers(&topic_key("news")).await.to_vec(),
        news
    );
    assert_eq!(
        store
            .list_subscriptions(REGION, ACCOUNT, None, 100)
            .await
            .len(),
        3
    );
    let first = store.list_subscriptions(REGION, ACCOUNT, None, 1).await;
    let rest = store
        .list_subscriptions(REGION, ACCOUNT, Some(&first[0].arn), 100)
        .await;
    assert_eq!(rest.len(), 2);
    assert!(rest.iter().all(|s| s.arn > first[0].arn));
    assert!(store
        .list_subscriptions("eu-west-1", ACCOUNT, None, 100)
        .await
        .is_empty());

    // Confirming keeps the token; attribute changes are kept whole.
    let confirmed = store.confirm_subscription(&hook.arn, true).await.unwrap();
    assert!(
        !confirmed.pending
            && confirmed.token.as_deref() == Some("token-1")
            && confirmed.confirmation_was_authenticated
    );
    let attributes = SubscriptionAttributes {
        raw_message_delivery: true,
        filter_policy: Some(r#"{"kind":["a"]}"#.to_owned()),
        ..Default::default()
    };
    let changed = store
        .change_subscription(&queue.arn, attributes.clone())
        .await
        .unwrap();
    assert_eq!(changed.attributes, attributes);
    // Confirming and changing show in the snapshot publishes fan out to.
    assert_subscribers_current(store, "news").await;
    let removed = store.remove_subscription(&mail.arn).await.unwrap();
    assert_subscribers_current(store, "other").await;
    assert_eq!(removed.map(|s| s.arn), Some(mail.arn.clone()));
    assert_eq!(store.remove_subscription(&mail.arn).await, Ok(None));
    assert_eq!(
        store
            .topic(&topic_key("other"))
            .await
            .unwrap()
            .subscriptions_deleted,
        1
    );

    let stores = b.restart_stores(stores, T0 + 10).await;
    let store = &*stores.topics;
    assert_eq!(store.subscription(&hook.arn).await, Some(confirmed));
    assert_eq!(store.subscription(&queue.arn).await, Some(changed));
    assert_eq!(store.subscription(&mail.arn).await, None);
    assert_eq!(
        store
            .topic(&topic_key("other"))
            .await
            .unwrap()
            .subscriptions_deleted,
        1
    );
    assert_eq!(
        store.subscriptions_of_topic(&topic_key("news")).await.len(),
        2
    );
    assert_eq!(
        store.confirm_subscription(&mail.arn, false).await,
        Err(TopicStoreError::NoSuchSubscription)
    );
    assert_eq!(
        store
            .change_subscription(&mail.arn, SubscriptionAttributes::default())
            .await,
        Err(TopicStoreError::NoSuchSubscription)
    );

    assert_subscribers_current(store, "news").await;

    // Deleting a topic takes its subscriptions with it, for good.
    store.delete_topic(&topic_key("news")).await.unwrap();
    assert_eq!(store.subscription(&queue.arn).await, None);
    assert!(store.topic_subscribers(&topic_key("news")).await.is_empty());
    let stores = b.restart_stores(stores, T0 + 20).await;
    let store = &*stores.topics;
    assert_eq!(store.subscription(&queue.arn).await, None);
    assert!(store
        .subscriptions_of_topic(&topic_key("news"))
        .await
        .is_empty());
    assert!(store
        .list_subscriptions(REGION, ACCOUNT, None, 100)
        .await
        .is_empty());
    // A topic of the same name starts with no subscriptions.
    create_topic(store, new_topic("news"), T0 + 30).await;
    assert!(store
        .subscriptions_of_topic(&topic_key("news"))
        .await
        .is_empty());
    assert!(store.topic_subscribers(&topic_key("news")).await.is_empty());
}

pub async fn reset_wipes_topics_and_subscriptions(b: &dyn Backend) {
    let stores = b.open_stores().await;
    create_topic(&*stores.topics, new_topic("t"), T0).await;
    let s = subscription(
        "t",
        Protocol::Sqs,
        "arn:aws:sqs:us-east-1:000000000000:q",
        false,
    );
    stores.topics.add_subscription(s.clone()).await.unwrap();
    stores.queues.reset().await.unwrap();
    assert_eq!(stores.topics.topic(&topic_key("t")).await, None);
    let stores = b.restart_stores(stores, T0 + 1).await;
    assert_eq!(stores.topics.topic(&topic_key("t")).await, None);
    assert_eq!(stores.topics.subscription(&s.arn).await, None);
    assert_eq!(stores.topics.topic_count(REGION, ACCOUNT).await, 0);
}

/// FIFO topics' deduplication windows: admission answers the earlier publish within the
/// window and scope, sequence numbers only grow, a recorded publish is remembered across
/// a restart (one only admitted is not), and a deleted topic's window goes with it.
pub async fn fifo_windows_deduplicate_and_sequence(b: &dyn Backend) {
    use sluice_core::sns::fifo::DEDUPLICATION_WINDOW_MS;

    let stores = b.open_stores().await;
    let key = topic_key("f.fifo");
    create_topic(&*stores.topics, new_topic("f.fifo"), T0).await;
    let store = &*stores.topics;
    let first = store
        .admit_fifo_publish(&key, "", "d1", "m1", T0)
        .await
        .unwrap();
    let FifoAdmission::Fresh {
        sequence_number: s1,
    } = first
    else {
        panic!("a new id is fresh: {first:?}")
    };
    match store
        .admit_fifo_publish(&key, "", "d1", "m2", T0 + 1)
        .await
        .unwrap()
    {
        FifoAdmission::Duplicate(earlier) => {
            assert_eq!(earlier.message_id, "m1");
            assert_eq!(earlier.sequence_number, s1);
        }
        other => panic!("the same id within the window is a duplicate: {other:?}"),
    }
    let FifoAdmission::Fresh {
        sequence_number: s2,
    } = store
        .admit_fifo_publish(&key, "", "d2", "m3", T0 + 2)
        .await
        .unwrap()
    else {
        panic!("another id is fresh")
    };
    assert!(s2 > s1);
    assert!(matches!(
        store
            .admit_fifo_publish(&key, "g", "d1", "m4", T0 + 2)
            .await
            .unwrap(),
        FifoAdmission::Fresh { .. }
    ));
    // d1 is recorded (delivered); d2 was only admitted.
    store
        .record_fifo_publish(FifoPublish {
            topic: key.clone(),
            scope: String::new(),
            deduplication_id: "d1".into(),
            message_id: "m1".into(),
            sequence_number: s1,
            published_at_ms: T0,
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .admit_fifo_publish(&topic_key("missing.fifo"), "", "d", "m", T0)
            .await,
        Err(TopicStoreError::NoSuchTopic)
    );

    let stores = b.restart_stores(stores, T0 + 10).await;
    let store = &*stores.topics;
    match store
        .admit_fifo_publish(&key, "", "d1", "m5", T0 + 10)
        .await
        .unwrap()
    {
        FifoAdmission::Duplicate(earlier) => assert_eq!(earlier.message_id, "m1"),
        other => panic!("a recorded id outlives a restart: {other:?}"),
    }
    let after_window = T0 + DEDUPLICATION_WINDOW_MS;
    match store
        .admit_fifo_publish(&key, "", "d1", "m6", after_window)
        .await
        .unwrap()
    {
        FifoAdmission::Fresh { sequence_number } => assert!(sequence_number > s2),
        other => panic!("the window has passed: {other:?}"),
    }

    store.delete_topic(&key).await.unwrap();
    create_topic(store, new_topic("f.fifo"), after_window).await;
    assert!(matches!(
        store
            .admit_fifo_publish(&key, "", "d1", "m7", after_window)
            .await
            .unwrap(),
        FifoAdmission::Fresh { .. }
    ));
}
