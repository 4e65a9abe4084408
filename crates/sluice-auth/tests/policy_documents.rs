//! Parsing of policy documents and validation of a queue's Policy attribute against what
//! SQS accepts and the SQS policy quotas.

use serde_json::{json, Value};
use sluice_auth::policy::limits::{
    POLICY_ACTIONS_PER_STATEMENT_MAX, POLICY_CONDITIONS_MAX, POLICY_MAX_BYTES,
    POLICY_PRINCIPALS_MAX, POLICY_STATEMENTS_MAX,
};
use sluice_auth::policy::{
    validate_queue_policy, Effect, PolicyDocument, PolicyError, PolicyViolation,
    INVALID_POLICY_MESSAGE,
};

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:queue1";

fn statement() -> Value {
    json!({
        "Sid": "Queue1_SendMessage", "Effect": "Allow",
        "Principal": {"AWS": ["123456789012"]},
        "Action": "sqs:SendMessage", "Resource": QUEUE
    })
}

fn with_statements(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[test]
fn parses_every_element() {
    let doc = PolicyDocument::parse(
        &json!({
            "Version": "2012-10-17", "Id": "Queue1_Policy_UUID",
            "Statement": {
                "Sid": "S1", "Effect": "Deny",
                "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:user/admin", "123456789012"], "Service": "sns.amazonaws.com"},
                "NotAction": ["sqs:Send*", "SQS:ReceiveMessage"],
                "NotResource": QUEUE,
                "Condition": {"StringEquals": {"aws:SourceAccount": ["1", "2"]}, "Bool": {"aws:SecureTransport": false}}
            }
        })
        .to_string(),
    )
    .unwrap();
    assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
    assert_eq!(doc.id.as_deref(), Some("Queue1_Policy_UUID"));
    assert_eq!(doc.statements.len(), 1);
    let s = &doc.statements[0];
    assert_eq!(s.sid.as_deref(), Some("S1"));
    assert_eq!(s.effect, Effect::Deny);
    let principal = s.principal.as_ref().unwrap();
    assert!(principal.negated);
    assert_eq!(principal.items.ids.len(), 3);
    assert!(s.action.negated);
    assert_eq!(s.action.items, ["sqs:Send*", "SQS:ReceiveMessage"]);
    assert!(s.resource.as_ref().unwrap().negated);
    assert_eq!(s.condition.entries.len(), 2);
}

#[test]
fn statement_may_be_an_object_or_an_array_and_version_may_be_2008_or_absent() {
    for policy in [
        json!({"Version": "2008-10-17", "Statement": statement()}),
        json!({"Version": "2012-10-17", "Statement": [statement(), statement()]}),
        json!({"Statement": [statement()]}),
    ] {
        assert!(
            validate_queue_policy(&policy.to_string()).is_ok(),
            "{policy}"
        );
    }
}

/// A policy that must not parse, and a check on the error it gives.
type ParseCase = (Value, fn(&PolicyError) -> bool);

#[test]
fn parse_errors_name_the_problem() {
    let cases: Vec<ParseCase> = vec![
        (json!([]), |e| {
            matches!(
                e,
                PolicyError::WrongType {
                    element: "policy",
                    ..
                }
            )
        }),
        (json!("policy"), |e| {
            matches!(e, PolicyError::WrongType { .. })
        }),
        (json!({"Version": "2012-10-17"}), |e| {
            *e == PolicyError::MissingStatement
        }),
        (
            json!({"Version": "4532-10-17", "Statement": [statement()]}),
            |e| matches!(e, PolicyError::UnsupportedVersion(_)),
        ),
        (
            json!({"Dummyfield": 1, "Statement": [statement()]}),
            |e| matches!(e, PolicyError::UnknownElement(k) if k == "Dummyfield"),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "dummy": 1}]}),
            |e| matches!(e, PolicyError::UnknownElement(_)),
        ),
        (
            json!({"Statement": [{"Effect": "allow", "Principal": "*", "Action": "sqs:*"}]}),
            |e| matches!(e, PolicyError::InvalidEffect(_)),
        ),
        (
            json!({"Statement": [{"Principal": "*", "Action": "sqs:*"}]}),
            |e| matches!(e, PolicyError::InvalidEffect(_)),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*"}]}),
            |e| *e == PolicyError::MissingElement("Action"),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "NotAction": "sqs:X"}]}),
            |e| *e == PolicyError::ConflictingElements("Action"),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "sqs:*"}]}),
            |e| *e == PolicyError::ConflictingElements("Principal"),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*", "NotResource": "*"}]}),
            |e| *e == PolicyError::ConflictingElements("Resource"),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "SendMessage"}]}),
            |e| matches!(e, PolicyError::InvalidAction(_)),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": []}]}),
            |e| matches!(e, PolicyError::WrongType { .. }),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "sqs:*"}]}),
            |e| matches!(e, PolicyError::InvalidPrincipal(_)),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Condition": {"Foo": {"k": "v"}}}]}),
            |e| matches!(e, PolicyError::UnknownConditionOperator(_)),
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Condition": {"NumericLessThan": {"k": "x"}}}]}),
            |e| matches!(e, PolicyError::InvalidConditionValue { .. }),
        ),
        (json!({"Statement": "not a statement"}), |e| {
            matches!(
                e,
                PolicyError::WrongType {
                    element: "Statement",
                    ..
                }
            )
        }),
    ];
    for (policy, expected) in cases {
        let err = PolicyDocument::parse(&policy.to_string()).expect_err(&policy.to_string());
        assert!(expected(&err), "{policy}: got {err:?}");
    }
    assert!(matches!(
        PolicyDocument::parse("{not json"),
        Err(PolicyError::InvalidJson(_))
    ));
}

#[test]
fn queue_policy_refusals_use_the_sqs_message() {
    let no_principal = with_statements(vec![
        json!({"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUE}),
    ]);
    for bad in [
        "badjson",
        "[]",
        "\"string\"",
        "533",
        "null",
        &with_statements(vec![]),
        &no_principal,
    ] {
        let err = validate_queue_policy(bad).expect_err(bad);
        assert_eq!(err.to_string(), INVALID_POLICY_MESSAGE, "{bad}");
        assert_eq!(err.code(), "InvalidAttributeValue");
    }
    assert!(matches!(
        validate_queue_policy(&no_principal),
        Err(PolicyViolation::MissingPrincipal { statement: 0 })
    ));
}

#[test]
fn statement_quota() {
    let at_limit = with_statements(vec![statement(); POLICY_STATEMENTS_MAX]);
    assert!(validate_queue_policy(&at_limit).is_ok());
    let over = with_statements(vec![statement(); 22]);
    let err = validate_queue_policy(&over).unwrap_err();
    assert_eq!(err, PolicyViolation::TooManyStatements { count: 22 });
    assert_eq!(
        err.to_string(),
        "22 statements were found in the submitted policy, max allowed is 20"
    );
}

#[test]
fn action_quota_is_per_statement() {
    let actions = |n: usize| (0..n).map(|i| format!("sqs:Action{i}")).collect::<Vec<_>>();
    let with_actions = |n: usize| {
        let mut s = statement();
        s["Action"] = json!(actions(n));
        with_statements(vec![s.clone(), s])
    };
    assert!(validate_queue_policy(&with_actions(POLICY_ACTIONS_PER_STATEMENT_MAX)).is_ok());
    assert_eq!(
        validate_queue_policy(&with_actions(POLICY_ACTIONS_PER_STATEMENT_MAX + 1)),
        Err(PolicyViolation::TooManyActions { count: 8 })
    );
}

#[test]
fn principal_quota_is_per_policy() {
    let with_principals = |per_statement: usize, statements: usize| {
        let mut s = statement();
        s["Principal"] =
            json!({"AWS": (0..per_statement).map(|i| format!("{:012}", i)).collect::<Vec<_>>()});
        with_statements(vec![s; statements])
    };
    assert!(validate_queue_policy(&with_principals(25, 2)).is_ok());
    assert_eq!(
        validate_queue_policy(&with_principals(26, 2)),
        Err(PolicyViolation::TooManyPrincipals {
            count: POLICY_PRINCIPALS_MAX + 2
        })
    );
}

#[test]
fn condition_quota_is_per_policy() {
    let with_conditions = |n: usize| {
        let mut s = statement();
        let keys: serde_json::Map<String, Value> = (0..n)
            .map(|i| (format!("aws:Key{i}"), json!("v")))
            .collect();
        s["Condition"] = json!({"StringEquals": keys});
        with_statements(vec![s])
    };
    assert!(validate_queue_policy(&with_conditions(POLICY_CONDITIONS_MAX)).is_ok());
    assert_eq!(
        validate_queue_policy(&with_conditions(POLICY_CONDITIONS_MAX + 1)),
        Err(PolicyViolation::TooManyConditions { count: 11 })
    );
}

#[test]
fn size_quota_counts_bytes() {
    let padded = |len: usize| {
        let base = with_statements(vec![statement()]);
        let mut s = statement();
        s["Sid"] = json!("x".repeat(len - base.len() + "Queue1_SendMessage".len()));
        with_statements(vec![s])
    };
    let exact = padded(POLICY_MAX_BYTES);
    assert_eq!(exact.len(), POLICY_MAX_BYTES);
    assert!(validate_queue_policy(&exact).is_ok());
    let over = padded(POLICY_MAX_BYTES + 1);
    assert_eq!(
        validate_queue_policy(&over),
        Err(PolicyViolation::TooLarge {
            bytes: POLICY_MAX_BYTES + 1
        })
    );
}
