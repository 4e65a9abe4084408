//! Table-driven authorization tests in the shape of AWS's documented SQS policy examples
//! ("Basic examples of Amazon SQS policies", cross-account access, SNS and S3 senders
//! restricted by aws:SourceArn, HTTPS-only deny, IP ranges, time windows) and of the
//! same-account / cross-account result tables in AWS's knowledge-center article on SQS
//! access permissions. The policies are written here for these tests.

use serde_json::{json, Value};
use sluice_auth::policy::{
    authorize, keys, Caller, ConditionContext, Decision, PolicyDocument, PolicySource, RequestFacts,
};

const OWNER: &str = "444455556666";
const OTHER: &str = "111122223333";
const STRANGER: &str = "777788889999";
const QUEUE: &str = "arn:aws:sqs:us-east-2:444455556666:queue1";
const TOPIC: &str = "arn:aws:sns:us-east-2:444455556666:orders";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::parse(&v.to_string()).expect("test policy parses")
}

fn resource(statement: Value) -> PolicyDocument {
    doc(json!({"Version": "2012-10-17", "Id": "Queue1_Policy_UUID", "Statement": [statement]}))
}

struct Case {
    name: &'static str,
    resource_policy: Option<PolicyDocument>,
    identity: Vec<PolicyDocument>,
    caller: Caller,
    action: &'static str,
    context: ConditionContext,
    expect: Decision,
}

fn case(
    name: &'static str,
    resource_policy: Option<PolicyDocument>,
    caller: Caller,
    action: &'static str,
    expect: Decision,
) -> Case {
    Case {
        name,
        resource_policy,
        identity: Vec::new(),
        caller,
        action,
        context: ConditionContext::new(),
        expect,
    }
}

impl Case {
    fn identity(mut self, policies: Vec<PolicyDocument>) -> Self {
        self.identity = policies;
        self
    }
    fn context(mut self, context: ConditionContext) -> Self {
        self.context = context;
        self
    }
}

fn run(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in &cases {
        let facts = RequestFacts {
            action: c.action,
            resource: QUEUE,
            resource_account: OWNER,
            caller: &c.caller,
            context: &c.context,
        };
        let got = authorize(&c.identity, c.resource_policy.as_ref(), &facts);
        if got.decision != c.expect {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                c.name, c.expect, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn allow_all_identity() -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}),
    )
}

fn alice() -> Caller {
    Caller::user(OTHER, "alice")
}

#[test]
fn grant_one_permission_to_one_account() {
    let p = || {
        Some(resource(json!({
            "Sid": "Queue1_SendMessage", "Effect": "Allow",
            "Principal": {"AWS": ["111122223333"]},
            "Action": "sqs:SendMessage", "Resource": QUEUE
        })))
    };
    use Decision::*;
    run(vec![
        case(
            "cross-account user with identity allow",
            p(),
            alice(),
            "sqs:SendMessage",
            Allow,
        )
        .identity(vec![allow_all_identity()]),
        case(
            "cross-account user without identity allow",
            p(),
            alice(),
            "sqs:SendMessage",
            ImplicitDeny,
        ),
        case(
            "granted account's root needs no identity policy",
            p(),
            Caller::root(OTHER),
            "sqs:SendMessage",
            Allow,
        ),
        case(
            "action not granted",
            p(),
            alice(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()]),
        case(
            "other account",
            p(),
            Caller::user(STRANGER, "eve"),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()]),
        case(
            "anonymous",
            p(),
            Caller::anonymous(),
            "sqs:SendMessage",
            ImplicitDeny,
        ),
        case(
            "action names match without case",
            p(),
            Caller::root(OTHER),
            "SQS:sendmessage",
            Allow,
        ),
    ]);
}

#[test]
fn grant_two_permissions_with_region_wildcard() {
    let p = || {
        Some(resource(json!({
            "Sid": "Queue1_Send_Receive", "Effect": "Allow",
            "Principal": {"AWS": ["111122223333"]},
            "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
            "Resource": "arn:aws:sqs:*:444455556666:queue1"
        })))
    };
    use Decision::*;
    run(vec![
        case(
            "receive granted",
            p(),
            Caller::root(OTHER),
            "sqs:ReceiveMessage",
            Allow,
        ),
        case(
            "send granted",
            p(),
            Caller::root(OTHER),
            "sqs:SendMessage",
            Allow,
        ),
        case(
            "delete not granted",
            p(),
            Caller::root(OTHER),
            "sqs:DeleteMessage",
            ImplicitDeny,
        ),
    ]);
}

#[test]
fn grant_all_actions_to_two_accounts() {
    let p = || {
        Some(resource(json!({
            "Sid": "Queue1_AllActions", "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
            "Action": "sqs:*", "Resource": QUEUE
        })))
    };
    use Decision::*;
    run(vec![
        case(
            "same-account user: resource policy alone suffices",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:DeleteMessage",
            Allow,
        ),
        case(
            "same-account role",
            p(),
            Caller::role(OWNER, "worker"),
            "sqs:PurgeQueue",
            Allow,
        ),
        case(
            "cross-account user still needs identity allow",
            p(),
            alice(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        ),
        case(
            "cross-account user with identity allow",
            p(),
            alice(),
            "sqs:ReceiveMessage",
            Allow,
        )
        .identity(vec![allow_all_identity()]),
        case(
            "third account",
            p(),
            Caller::root(STRANGER),
            "sqs:SendMessage",
            ImplicitDeny,
        ),
    ]);
}

#[test]
fn grant_to_everyone_and_to_a_named_user() {
    let everyone = || {
        Some(resource(json!({
            "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE
        })))
    };
    let named = || {
        Some(resource(json!({
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
            "Action": "sqs:Send*", "Resource": QUEUE
        })))
    };
    use Decision::*;
    run(vec![
        case(
            "anonymous admitted by Principal *",
            everyone(),
            Caller::anonymous(),
            "sqs:SendMessage",
            Allow,
        ),
        case(
            "service admitted by Principal *",
            everyone(),
            Caller::service("events.amazonaws.com"),
            "sqs:SendMessage",
            Allow,
        ),
        case(
            "only the granted action",
            everyone(),
            Caller::anonymous(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        ),
        case("named user", named(), alice(), "sqs:SendMessage", Allow)
            .identity(vec![allow_all_identity()]),
        case(
            "another user of the same account",
            named(),
            Caller::user(OTHER, "mallory"),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()]),
        case(
            "wildcard action does not reach Receive",
            named(),
            alice(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()]),
    ]);
}

#[test]
fn time_window() {
    let p = || {
        Some(resource(json!({
            "Sid": "Queue1_AnonymousAccess_AllActions_AllowlistIP", "Effect": "Allow",
            "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": QUEUE,
            "Condition": {
                "DateGreaterThan": {"aws:CurrentTime": "2009-01-31T12:00Z"},
                "DateLessThan": {"aws:CurrentTime": "2009-01-31T15:00Z"}
            }
        })))
    };
    let at = |iso: &str| ConditionContext::new().with(keys::CURRENT_TIME, iso);
    use Decision::*;
    run(vec![
        case("inside", p(), alice(), "sqs:SendMessage", Allow)
            .identity(vec![allow_all_identity()])
            .context(at("2009-01-31T13:30:00Z")),
        case("before", p(), alice(), "sqs:SendMessage", ImplicitDeny)
            .identity(vec![allow_all_identity()])
            .context(at("2009-01-31T11:59:59Z")),
        case("after", p(), alice(), "sqs:SendMessage", ImplicitDeny)
            .identity(vec![allow_all_identity()])
            .context(at("2009-01-31T15:00:01Z")),
        case(
            "edges are exclusive",
            p(),
            alice(),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(at("2009-01-31T12:00:00Z")),
        case(
            "clock passed as epoch ms",
            p(),
            Caller::anonymous(),
            "sqs:SendMessage",
            Allow,
        )
        .context(ConditionContext::new().with_time(1_233_410_400_000)),
        case(
            "no time in the request",
            p(),
            Caller::anonymous(),
            "sqs:SendMessage",
            ImplicitDeny,
        ),
    ]);
}

#[test]
fn ip_range_with_denied_subrange() {
    let p = || {
        Some(doc(json!({
            "Version": "2012-10-17", "Id": "Queue1_Policy_UUID",
            "Statement": [
                {"Sid": "Queue1_AnonymousAccess_ReceiveMessage_IPLimit", "Effect": "Allow", "Principal": "*",
                 "Action": "sqs:ReceiveMessage", "Resource": QUEUE,
                 "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
                {"Sid": "Queue1_AnonymousAccess_ReceiveMessage_IPDeny", "Effect": "Deny", "Principal": "*",
                 "Action": "sqs:ReceiveMessage", "Resource": QUEUE,
                 "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.128/26", "2001:db8:bad::/48"]}}}
            ]
        })))
    };
    let from = |ip: &str| ConditionContext::new().with(keys::SOURCE_IP, ip);
    use Decision::*;
    run(vec![
        case(
            "in the allowed range",
            p(),
            Caller::anonymous(),
            "sqs:ReceiveMessage",
            Allow,
        )
        .context(from("192.0.2.10")),
        case(
            "in the denied subrange",
            p(),
            Caller::anonymous(),
            "sqs:ReceiveMessage",
            ExplicitDeny,
        )
        .context(from("192.0.2.130")),
        case(
            "outside both",
            p(),
            Caller::anonymous(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        )
        .context(from("198.51.100.1")),
        case(
            "denied IPv6 block",
            p(),
            Caller::anonymous(),
            "sqs:ReceiveMessage",
            ExplicitDeny,
        )
        .context(from("2001:db8:bad::1")),
        case(
            "deny also stops the owner",
            p(),
            Caller::root(OWNER),
            "sqs:ReceiveMessage",
            ExplicitDeny,
        )
        .context(from("192.0.2.130")),
        case(
            "owner root outside ranges",
            p(),
            Caller::root(OWNER),
            "sqs:ReceiveMessage",
            Allow,
        )
        .context(from("198.51.100.1")),
    ]);
}

#[test]
fn sns_topic_may_send() {
    let p = || {
        Some(resource(json!({
            "Sid": "topic-subscription", "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": QUEUE,
            "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}
        })))
    };
    let sns = || Caller::service("sns.amazonaws.com");
    let source = |arn: &str| ConditionContext::new().with(keys::SOURCE_ARN, arn);
    use Decision::*;
    run(vec![
        case("the subscribed topic", p(), sns(), "sqs:SendMessage", Allow).context(source(TOPIC)),
        case("another topic", p(), sns(), "sqs:SendMessage", ImplicitDeny)
            .context(source("arn:aws:sns:us-east-2:444455556666:other")),
        case("no source ARN", p(), sns(), "sqs:SendMessage", ImplicitDeny),
        case(
            "another service",
            p(),
            Caller::service("s3.amazonaws.com"),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .context(source(TOPIC)),
        case(
            "identity policies do not help a service",
            p(),
            sns(),
            "sqs:ReceiveMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(source(TOPIC)),
        case(
            "no resource policy: services are shut out",
            None,
            sns(),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(source(TOPIC)),
    ]);
}

#[test]
fn s3_bucket_may_send_with_source_account() {
    let p = || {
        Some(resource(json!({
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": ["SQS:SendMessage"], "Resource": QUEUE,
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:amzn-s3-demo-bucket"},
                "StringEquals": {"aws:SourceAccount": "444455556666"}
            }
        })))
    };
    let s3 = || Caller::service("s3.amazonaws.com");
    let ctx = |arn: &str, account: &str| {
        ConditionContext::new()
            .with(keys::SOURCE_ARN, arn)
            .with(keys::SOURCE_ACCOUNT, account)
    };
    use Decision::*;
    run(vec![
        case("bucket of the owner", p(), s3(), "sqs:SendMessage", Allow)
            .context(ctx("arn:aws:s3:::amzn-s3-demo-bucket", OWNER)),
        case(
            "same bucket name, other owner",
            p(),
            s3(),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .context(ctx("arn:aws:s3:::amzn-s3-demo-bucket", STRANGER)),
        case("other bucket", p(), s3(), "sqs:SendMessage", ImplicitDeny)
            .context(ctx("arn:aws:s3:::other-bucket", OWNER)),
    ]);
}

#[test]
fn deny_unless_https() {
    let p = || {
        Some(doc(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AllowOwner", "Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "sqs:*", "Resource": QUEUE},
                {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": QUEUE,
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            ]
        })))
    };
    let tls = |on: &str| ConditionContext::new().with(keys::SECURE_TRANSPORT, on);
    use Decision::*;
    run(vec![
        case(
            "https",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            Allow,
        )
        .context(tls("true")),
        case(
            "plain http",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            ExplicitDeny,
        )
        .context(tls("false")),
        case(
            "plain http, identity allow too",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            ExplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(tls("false")),
    ]);
}

#[test]
fn source_ip_and_principal_account_keys() {
    let p = || {
        Some(resource(json!({
            "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE,
            "Condition": {"StringEquals": {"aws:PrincipalAccount": OTHER}, "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
        })))
    };
    let ctx = |account: &str, ip: &str| {
        ConditionContext::new()
            .with(keys::PRINCIPAL_ACCOUNT, account)
            .with(keys::SOURCE_IP, ip)
    };
    use Decision::*;
    run(vec![
        case(
            "account and address fit",
            p(),
            alice(),
            "sqs:SendMessage",
            Allow,
        )
        .identity(vec![allow_all_identity()])
        .context(ctx(OTHER, "192.0.2.1")),
        case(
            "internal address",
            p(),
            alice(),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(ctx(OTHER, "10.1.2.3")),
        case(
            "other account",
            p(),
            Caller::user(STRANGER, "eve"),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![allow_all_identity()])
        .context(ctx(STRANGER, "192.0.2.1")),
    ]);
}

#[test]
fn not_principal_not_action_not_resource() {
    let p = || {
        Some(doc(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "sqs:*", "Resource": QUEUE},
                {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/admin"]},
                 "Action": "sqs:PurgeQueue", "Resource": QUEUE}
            ]
        })))
    };
    let identity_not_action = doc(
        json!({"Statement": [{"Effect": "Allow", "NotAction": "sqs:Delete*", "Resource": "*"}]}),
    );
    let identity_not_resource = doc(
        json!({"Statement": [{"Effect": "Allow", "Action": "sqs:*", "NotResource": "arn:aws:sqs:*:*:queue1"}]}),
    );
    use Decision::*;
    run(vec![
        case(
            "admin may purge",
            p(),
            Caller::user(OWNER, "admin"),
            "sqs:PurgeQueue",
            Allow,
        ),
        case(
            "everyone else may not",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:PurgeQueue",
            ExplicitDeny,
        ),
        case(
            "others keep other actions",
            p(),
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            Allow,
        ),
        case(
            "NotAction allows the rest",
            None,
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            Allow,
        )
        .identity(vec![identity_not_action.clone()]),
        case(
            "NotAction leaves deletes out",
            None,
            Caller::user(OWNER, "bob"),
            "sqs:DeleteMessage",
            ImplicitDeny,
        )
        .identity(vec![identity_not_action]),
        case(
            "NotResource excludes the queue",
            None,
            Caller::user(OWNER, "bob"),
            "sqs:SendMessage",
            ImplicitDeny,
        )
        .identity(vec![identity_not_resource]),
    ]);
}

/// The two tables of AWS's knowledge-center article "What SQS access policy and IAM
/// policy permissions are required to access the queue?": every combination of identity
/// and queue policy effect, for a caller in the queue's account and in another account.
#[test]
fn same_and_cross_account_tables() {
    #[derive(Clone, Copy, Debug)]
    enum E {
        Allow,
        Neither,
        Deny,
    }
    let identity = |e: E| match e {
        E::Neither => vec![],
        E::Allow => vec![doc(
            json!({"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE}}),
        )],
        E::Deny => vec![doc(
            json!({"Statement": {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": QUEUE}}),
        )],
    };
    let queue = |e: E, account: &str| match e {
        E::Neither => None,
        E::Allow => Some(resource(
            json!({"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sqs:SendMessage", "Resource": QUEUE}),
        )),
        E::Deny => Some(resource(
            json!({"Effect": "Deny", "Principal": {"AWS": account}, "Action": "sqs:SendMessage", "Resource": QUEUE}),
        )),
    };
    use Decision::{Allow as A, ExplicitDeny as D, ImplicitDeny as I};
    let table = [
        // (identity, queue, same-account result, cross-account result)
        (E::Allow, E::Allow, A, A),
        (E::Allow, E::Neither, A, I),
        (E::Allow, E::Deny, D, D),
        (E::Neither, E::Allow, A, I),
        (E::Neither, E::Neither, I, I),
        (E::Neither, E::Deny, D, D),
        (E::Deny, E::Allow, D, D),
        (E::Deny, E::Neither, D, D),
        (E::Deny, E::Deny, D, D),
    ];
    let mut cases = Vec::new();
    for (i, q, same, cross) in table {
        cases.push(
            case(
                "same account",
                queue(q, OWNER),
                Caller::user(OWNER, "bob"),
                "sqs:SendMessage",
                same,
            )
            .identity(identity(i)),
        );
        cases.push(
            case(
                "cross account",
                queue(q, OTHER),
                alice(),
                "sqs:SendMessage",
                cross,
            )
            .identity(identity(i)),
        );
    }
    run(cases);
}

#[test]
fn decided_by_names_the_statement() {
    let policy = doc(json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Allow", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sqs:*", "Resource": QUEUE},
            {"Sid": "NoPurge", "Effect": "Deny", "Principal": "*", "Action": "sqs:PurgeQueue", "Resource": QUEUE}
        ]
    }));
    let identity = [allow_all_identity()];
    let caller = alice();
    let ctx = ConditionContext::new();
    let facts = |action| RequestFacts {
        action,
        resource: QUEUE,
        resource_account: OWNER,
        caller: &caller,
        context: &ctx,
    };

    let deny = authorize(&identity, Some(&policy), &facts("sqs:PurgeQueue"));
    assert_eq!(deny.decision, Decision::ExplicitDeny);
    assert_eq!(deny.decided_by.len(), 1);
    assert_eq!(deny.decided_by[0].source, PolicySource::Resource);
    assert_eq!(deny.decided_by[0].index, 1);
    assert_eq!(deny.decided_by[0].sid.as_deref(), Some("NoPurge"));

    let allow = authorize(&identity, Some(&policy), &facts("sqs:SendMessage"));
    assert!(allow.is_allowed());
    let sources: Vec<_> = allow.decided_by.iter().map(|s| s.source).collect();
    assert_eq!(sources, [PolicySource::Identity(0), PolicySource::Resource]);

    let none = authorize(
        &[] as &[PolicyDocument],
        Some(&policy),
        &facts("sqs:SendMessage"),
    );
    assert_eq!(none.decision, Decision::ImplicitDeny);
    assert!(none.decided_by.is_empty());
}
