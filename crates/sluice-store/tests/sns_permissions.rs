//! AddPermission and RemovePermission over the embedded store: the statements they write
//! into a topic's policy, the errors AWS answers, and that a granted account is then let
//! in by the access engine while the default owner statement keeps working.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use sluice_core::access::{Access, Caller};
use sluice_core::clock::ManualClock;
use sluice_core::sns::api::CreateTopicInput;
use sluice_core::sns::{AddPermissionInput, Sns, SnsContext, SnsErrorKind};

const OTHER: &str = "999999999999";
const ALL_SNS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}"#;

fn sns() -> Arc<Sns> {
    Sns::new(in_memory_store(), Arc::new(ManualClock::new(T0)))
}

fn ctx() -> SnsContext {
    SnsContext::open(REGION, ACCOUNT)
}

/// A caller of another account whose identity policy allows every SNS action, so only
/// the topic policy decides.
fn outsider(action: &str) -> SnsContext {
    let caller = Caller::new(
        OTHER,
        Some("arn:aws:iam::999999999999:user/eve"),
        &[ALL_SNS.to_owned()],
    )
    .unwrap();
    SnsContext {
        access: Some(Access {
            action: action.to_owned(),
            ..Access::new(Arc::new(caller))
        }),
        ..SnsContext::open(REGION, OTHER)
    }
}

async fn topic(sns: &Sns) -> String {
    let input = CreateTopicInput {
        name: Some("t".to_owned()),
        ..Default::default()
    };
    sns.create_topic(&ctx(), input).await.unwrap()
}

fn grant(topic: &str, label: &str, accounts: &[&str], actions: &[&str]) -> AddPermissionInput {
    AddPermissionInput {
        topic_arn: Some(topic.to_owned()),
        label: Some(label.to_owned()),
        aws_account_ids: accounts.iter().map(|a| a.to_string()).collect(),
        action_names: actions.iter().map(|a| a.to_string()).collect(),
    }
}

async fn policy(sns: &Sns, topic: &str) -> Value {
    let attrs = sns.get_topic_attributes(&ctx(), Some(topic)).await.unwrap();
    serde_json::from_str(&attrs["Policy"]).unwrap()
}

#[tokio::test]
async fn add_permission_appends_to_the_default_policy_and_remove_takes_it_away() {
    let sns = sns();
    let topic = topic(&sns).await;
    sns.add_permission(&ctx(), grant(&topic, "one", &[OTHER], &["Publish"]))
        .await
        .unwrap();
    sns.add_permission(
        &ctx(),
        grant(
            &topic,
            "two",
            &[OTHER, "111111111111"],
            &["Publish", "Subscribe"],
        ),
    )
    .await
    .unwrap();
    let p = policy(&sns, &topic).await;
    let statements = p["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3);
    assert_eq!(statements[0]["Sid"], "__default_statement_ID");
    assert_eq!(
        statements[1],
        json!({"Sid": "one", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
               "Action": "SNS:Publish", "Resource": topic})
    );
    assert_eq!(
        statements[2]["Principal"]["AWS"],
        json!([
            "arn:aws:iam::999999999999:root",
            "arn:aws:iam::111111111111:root"
        ])
    );
    assert_eq!(
        statements[2]["Action"],
        json!(["SNS:Publish", "SNS:Subscribe"])
    );

    sns.remove_permission(&ctx(), Some(&topic), Some("one"))
        .await
        .unwrap();
    let p = policy(&sns, &topic).await;
    let sids: Vec<&str> = p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids, ["__default_statement_ID", "two"]);
}

#[tokio::test]
async fn bad_permissions_get_aws_errors() {
    let sns = sns();
    let topic = topic(&sns).await;
    let message = |e: sluice_core::sns::SnsError| (e.kind, e.message);
    sns.add_permission(&ctx(), grant(&topic, "x", &[OTHER], &["Publish"]))
        .await
        .unwrap();
    let cases = [
        (
            grant(&topic, "x", &[OTHER], &["Publish"]),
            "Invalid parameter: Statement already exists",
        ),
        (
            grant(&topic, "y", &[OTHER], &["CreateTopic"]),
            "Invalid parameter: Policy statement action out of service scope!",
        ),
        (
            grant(&topic, "y", &["12"], &["Publish"]),
            "Invalid parameter: AWSAccountId Reason: 12 is not a valid account ID",
        ),
        (
            grant(&topic, "y", &[], &["Publish"]),
            "Invalid parameter: AWSAccountId Reason: cannot be empty",
        ),
        (
            grant(&topic, "y", &[OTHER], &[]),
            "Invalid parameter: ActionName Reason: cannot be empty",
        ),
    ];
    for (input, text) in cases {
        let e = sns.add_permission(&ctx(), input).await.unwrap_err();
        assert_eq!(
            message(e),
            (SnsErrorKind::InvalidParameter, text.to_owned())
        );
    }
    let missing = format!("{topic}-gone");
    let e = sns
        .add_permission(&ctx(), grant(&missing, "z", &[OTHER], &["Publish"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::NotFound);
    let e = sns
        .remove_permission(&ctx(), Some(&topic), Some("never"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::InvalidParameter);
    let e = sns
        .remove_permission(&ctx(), Some(&missing), Some("x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::NotFound);
}

#[tokio::test]
async fn a_granted_account_may_act_and_is_refused_again_once_removed() {
    let sns = sns();
    let topic = topic(&sns).await;
    let read = || outsider("GetTopicAttributes");
    let e = sns
        .get_topic_attributes(&read(), Some(&topic))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    sns.add_permission(
        &ctx(),
        grant(&topic, "reader", &[OTHER], &["GetTopicAttributes"]),
    )
    .await
    .unwrap();
    sns.get_topic_attributes(&read(), Some(&topic))
        .await
        .unwrap();
    // The grant names one action only, and AddPermission itself is not among them.
    let e = sns
        .add_permission(
            &outsider("AddPermission"),
            grant(&topic, "more", &[OTHER], &["Publish"]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    sns.remove_permission(&ctx(), Some(&topic), Some("reader"))
        .await
        .unwrap();
    let e = sns
        .get_topic_attributes(&read(), Some(&topic))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
}

#[tokio::test]
async fn the_features_sluice_lacks_are_authorised_like_the_rest() {
    let sns = sns();
    // A caller whose identity policy allows nothing of SNS.
    let caller = Arc::new(
        Caller::new(
            ACCOUNT,
            Some("arn:aws:iam::000000000000:user/nobody"),
            &[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#.to_owned()],
        )
        .unwrap(),
    );
    let denied = |action: &str| SnsContext {
        access: Some(Access {
            action: action.to_owned(),
            ..Access::new(caller.clone())
        }),
        ..SnsContext::open(REGION, ACCOUNT)
    };
    let e = sns
        .get_sms_attributes(&denied("GetSMSAttributes"))
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    let e = sns
        .list_platform_applications(&denied("ListPlatformApplications"))
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    let app = "arn:aws:sns:us-east-1:000000000000:app/GCM/a";
    let e = sns
        .get_platform_application_attributes(&denied("GetPlatformApplicationAttributes"), Some(app))
        .unwrap_err();
    assert_eq!(e.kind, SnsErrorKind::AuthorizationError);
    // The account's own open caller gets the answers.
    assert!(sns.get_sms_attributes(&ctx()).unwrap().is_empty());
    assert!(sns.get_sms_sandbox_account_status(&ctx()).unwrap());
    assert_eq!(
        sns.get_platform_application_attributes(&ctx(), Some(app))
            .unwrap_err()
            .kind,
        SnsErrorKind::NotFound
    );
}
