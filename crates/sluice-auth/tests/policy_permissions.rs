//! AddPermission / RemovePermission as pure edits of the Policy text: the exact JSON SQS
//! writes, and each refusal with its AWS code and message.

use serde_json::{json, Value};
use sluice_auth::policy::limits::POLICY_STATEMENTS_MAX;
use sluice_auth::policy::{
    add_permission, remove_permission, validate_queue_policy, PolicyEditError,
};

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:queue1";

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn first_permission_writes_the_sqs_default_document() {
    let text = add_permission(
        None,
        "AliceSendMessage",
        &ids(&["111122223333"]),
        &ids(&["SendMessage"]),
        QUEUE,
    )
    .unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"Version":"2008-10-17","Id":"arn:aws:sqs:us-east-1:123456789012:queue1/SQSDefaultPolicy","#,
            r#""Statement":[{"Sid":"AliceSendMessage","Effect":"Allow","#,
            r#""Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"SQS:SendMessage","#,
            r#""Resource":"arn:aws:sqs:us-east-1:123456789012:queue1"}]}"#
        )
    );
    // What AddPermission writes must itself be an acceptable queue policy.
    assert!(validate_queue_policy(&text).is_ok());
}

#[test]
fn several_principals_and_actions_become_lists_and_order_survives_edits() {
    let first = add_permission(
        None,
        "a",
        &ids(&["111122223333", "444455556666"]),
        &ids(&["SendMessage", "ReceiveMessage", "*"]),
        QUEUE,
    )
    .unwrap();
    let second = add_permission(
        Some(&first),
        "b",
        &ids(&["777788889999"]),
        &ids(&["GetQueueUrl"]),
        QUEUE,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(
        v["Statement"][0]["Principal"]["AWS"],
        json!([
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:root"
        ])
    );
    assert_eq!(
        v["Statement"][0]["Action"],
        json!(["SQS:SendMessage", "SQS:ReceiveMessage", "SQS:*"])
    );
    assert_eq!(v["Statement"][1]["Sid"], "b");
    // The first statement was rewritten with its key order intact.
    assert!(
        second.contains(r#"{"Sid":"a","Effect":"Allow","Principal""#),
        "{second}"
    );
}

#[test]
fn partition_comes_from_the_queue_arn() {
    let text = add_permission(
        None,
        "cn",
        &ids(&["111122223333"]),
        &ids(&["SendMessage"]),
        "arn:aws-cn:sqs:cn-north-1:123456789012:q",
    )
    .unwrap();
    assert!(text.contains("arn:aws-cn:iam::111122223333:root"), "{text}");
}

#[test]
fn user_written_policy_is_kept_and_extended() {
    let existing = json!({
        "Version": "2008-10-17", "Id": "custom",
        "Statement": {"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                      "Action": "sqs:SendMessage", "Resource": QUEUE,
                      "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"}}}
    })
    .to_string();
    let text = add_permission(
        Some(&existing),
        "more",
        &ids(&["111122223333"]),
        &ids(&["ReceiveMessage"]),
        QUEUE,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["Version"], "2008-10-17");
    assert_eq!(v["Id"], "custom");
    assert_eq!(v["Statement"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"],
        "arn:aws:sns:us-east-1:123456789012:t"
    );

    assert_eq!(
        add_permission(
            Some(&existing),
            "sns",
            &ids(&["111122223333"]),
            &ids(&["SendMessage"]),
            QUEUE
        ),
        Err(PolicyEditError::LabelExists {
            label: "sns".into()
        })
    );
}

#[test]
fn remove_permission_drops_the_statement_and_the_last_one_drops_the_policy() {
    let one = add_permission(
        None,
        "a",
        &ids(&["111122223333"]),
        &ids(&["SendMessage"]),
        QUEUE,
    )
    .unwrap();
    let two = add_permission(
        Some(&one),
        "b",
        &ids(&["111122223333"]),
        &ids(&["ReceiveMessage"]),
        QUEUE,
    )
    .unwrap();
    let back = remove_permission(Some(&two), "b").unwrap();
    assert_eq!(back.as_deref(), Some(one.as_str()));
    assert_eq!(remove_permission(Some(&one), "a").unwrap(), None);
}

#[test]
fn errors_carry_aws_codes_and_messages() {
    let one = add_permission(
        None,
        "a",
        &ids(&["111122223333"]),
        &ids(&["SendMessage"]),
        QUEUE,
    )
    .unwrap();
    let account = ids(&["111122223333"]);
    let send = ids(&["SendMessage"]);
    let cases: Vec<(Result<String, PolicyEditError>, &str, &str)> = vec![
        (
            add_permission(Some(&one), "a", &account, &send, QUEUE),
            "InvalidParameterValue",
            "Value a for parameter Label is invalid. Reason: Already exists.",
        ),
        (
            add_permission(None, "x", &[], &send, QUEUE),
            "InvalidParameterValue",
            "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.",
        ),
        (
            add_permission(None, "x", &ids(&["alice"]), &send, QUEUE),
            "InvalidParameterValue",
            "Value [alice] for parameter PrincipalId is invalid. Reason: Unable to verify.",
        ),
        (add_permission(None, "x", &account, &[], QUEUE), "MissingParameter", "The request must contain the parameter Actions."),
        (
            add_permission(None, "x", &account, &ids(&["SendMessage"; 8]), QUEUE),
            "OverLimit",
            "8 Actions were found, maximum allowed is 7.",
        ),
        (
            add_permission(None, "x", &account, &ids(&["SendMessage", "CreateQueue"]), QUEUE),
            "InvalidParameterValue",
            "Value SQS:CreateQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.",
        ),
        (
            add_permission(None, "x", &account, &ids(&["sendmessage"]), QUEUE),
            "InvalidParameterValue",
            "Value SQS:sendmessage for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.",
        ),
        (
            remove_permission(Some(&one), "nope").map(|_| String::new()),
            "InvalidParameterValue",
            "Value nope for parameter Label is invalid. Reason: can't find label.",
        ),
        (
            remove_permission(None, "a").map(|_| String::new()),
            "InvalidParameterValue",
            "Value a for parameter Label is invalid. Reason: can't find label.",
        ),
    ];
    for (result, code, message) in cases {
        let err = result.expect_err(message);
        assert_eq!((err.code(), err.to_string().as_str()), (code, message));
    }
}

#[test]
fn label_rules() {
    let account = ids(&["111122223333"]);
    let send = ids(&["SendMessage"]);
    for good in ["a", "Alice-Send_1", &"x".repeat(80)] {
        assert!(
            add_permission(None, good, &account, &send, QUEUE).is_ok(),
            "{good}"
        );
    }
    for bad in ["", "has space", "dot.ted", "ünï", &"x".repeat(81)] {
        let err = add_permission(None, bad, &account, &send, QUEUE).unwrap_err();
        assert_eq!(
            err,
            PolicyEditError::InvalidLabel {
                label: bad.to_owned()
            }
        );
        assert_eq!(err.code(), "InvalidParameterValue");
    }
}

#[test]
fn statement_limit_is_over_limit() {
    let account = ids(&["111122223333"]);
    let send = ids(&["SendMessage"]);
    let mut policy: Option<String> = None;
    for i in 0..POLICY_STATEMENTS_MAX {
        policy = Some(
            add_permission(policy.as_deref(), &format!("l{i}"), &account, &send, QUEUE).unwrap(),
        );
    }
    let err = add_permission(policy.as_deref(), "one-more", &account, &send, QUEUE).unwrap_err();
    assert_eq!(err, PolicyEditError::TooManyStatements { count: 21 });
    assert_eq!(err.code(), "OverLimit");
}

#[test]
fn principal_limit_counts_existing_statements() {
    let many: Vec<String> = (0..30)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    let first = add_permission(None, "a", &many, &ids(&["SendMessage"]), QUEUE).unwrap();
    let err = add_permission(
        Some(&first),
        "b",
        &many[..21],
        &ids(&["SendMessage"]),
        QUEUE,
    )
    .unwrap_err();
    assert_eq!(err, PolicyEditError::TooManyPrincipals { count: 51 });
    assert!(add_permission(
        Some(&first),
        "b",
        &many[..20],
        &ids(&["SendMessage"]),
        QUEUE
    )
    .is_ok());
}
