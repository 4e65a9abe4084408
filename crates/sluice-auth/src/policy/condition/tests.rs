//! One test per operator family, plus the AWS rules for IfExists, set qualifiers, Null
//! and negated operators when the key is missing.

use serde_json::json;

use super::Conditions;
use crate::policy::context::ConditionContext;
use crate::policy::error::PolicyError;

fn cond(v: serde_json::Value) -> Conditions {
    Conditions::parse(&v).unwrap()
}

fn ctx(key: &str, value: &str) -> ConditionContext {
    ConditionContext::new().with(key, value)
}

fn none() -> ConditionContext {
    ConditionContext::new()
}

#[test]
fn string_equals_is_case_sensitive_and_ors_values() {
    let c = cond(json!({"StringEquals": {"aws:SourceAccount": ["111122223333", "444455556666"]}}));
    assert!(c.holds(&ctx("aws:SourceAccount", "444455556666")));
    assert!(!c.holds(&ctx("aws:SourceAccount", "999999999999")));
    let c = cond(json!({"StringEquals": {"k": "Abc"}}));
    assert!(!c.holds(&ctx("k", "abc")));
}

#[test]
fn condition_keys_are_case_insensitive() {
    let c = cond(json!({"StringEquals": {"AWS:SOURCEACCOUNT": "111122223333"}}));
    assert!(c.holds(&ctx("aws:SourceAccount", "111122223333")));
}

#[test]
fn string_not_equals() {
    let c = cond(json!({"StringNotEquals": {"k": ["a", "b"]}}));
    assert!(c.holds(&ctx("k", "c")));
    assert!(!c.holds(&ctx("k", "b")));
    // AWS: a negated operator is true when the key is missing.
    assert!(c.holds(&none()));
}

#[test]
fn ignore_case_variants() {
    let c = cond(json!({"StringEqualsIgnoreCase": {"k": "HeLLo"}}));
    assert!(c.holds(&ctx("k", "hello")));
    assert!(!c.holds(&ctx("k", "hell")));
    let c = cond(json!({"StringNotEqualsIgnoreCase": {"k": "HeLLo"}}));
    assert!(!c.holds(&ctx("k", "HELLO")));
    assert!(c.holds(&ctx("k", "bye")));
}

#[test]
fn string_like_and_not_like() {
    let c = cond(json!({"StringLike": {"k": "team-*-prod?"}}));
    assert!(c.holds(&ctx("k", "team-blue-prod1")));
    assert!(!c.holds(&ctx("k", "team-blue-prod")));
    assert!(!c.holds(&ctx("k", "TEAM-blue-prod1")));
    let c = cond(json!({"StringNotLike": {"k": "team-*"}}));
    assert!(c.holds(&ctx("k", "other")));
    assert!(!c.holds(&ctx("k", "team-x")));
    assert!(c.holds(&none()));
}

#[test]
fn numeric_operators() {
    let cases = [
        ("NumericEquals", "10", true, "11", false),
        ("NumericNotEquals", "11", true, "10", false),
        ("NumericLessThan", "9", true, "10", false),
        ("NumericLessThanEquals", "10", true, "11", false),
        ("NumericGreaterThan", "11", true, "10", false),
        ("NumericGreaterThanEquals", "10", true, "9.5", false),
    ];
    for (op, yes, y, no, n) in cases {
        let c = cond(json!({op: {"k": 10}}));
        assert_eq!(c.holds(&ctx("k", yes)), y, "{op} {yes}");
        assert_eq!(c.holds(&ctx("k", no)), n, "{op} {no}");
        assert!(
            !c.holds(&ctx("k", "ten")) || op == "NumericNotEquals",
            "{op} non-number"
        );
    }
    assert!(cond(json!({"NumericEquals": {"k": "1.5"}})).holds(&ctx("k", "1.50")));
}

#[test]
fn date_operators_accept_iso_and_epoch() {
    let at = "2009-01-31T12:00:00Z";
    let cases = [
        ("DateEquals", "1233403200", "2009-01-31T12:00:01Z"),
        ("DateNotEquals", "2009-01-31T12:00:01Z", "2009-01-31T12:00Z"),
        ("DateLessThan", "2009-01-31T11:59:59Z", at),
        ("DateLessThanEquals", at, "2009-02-01"),
        ("DateGreaterThan", "2009-02-01", at),
        ("DateGreaterThanEquals", "1233403200", "2009-01-30"),
    ];
    for (op, yes, no) in cases {
        let c = cond(json!({op: {"aws:CurrentTime": at}}));
        assert!(c.holds(&ctx("aws:CurrentTime", yes)), "{op} {yes}");
        assert!(!c.holds(&ctx("aws:CurrentTime", no)), "{op} {no}");
    }
}

#[test]
fn bool_operator() {
    let c = cond(json!({"Bool": {"aws:SecureTransport": "false"}}));
    assert!(c.holds(&ctx("aws:SecureTransport", "false")));
    assert!(c.holds(&ctx("aws:SecureTransport", "FALSE")));
    assert!(!c.holds(&ctx("aws:SecureTransport", "true")));
    assert!(!c.holds(&none()));
    let c = cond(json!({"Bool": {"aws:SecureTransport": true}}));
    assert!(c.holds(&ctx("aws:SecureTransport", "true")));
}

#[test]
fn ip_address_v4_and_v6() {
    let c = cond(
        json!({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32", "203.0.113.7"]}}),
    );
    assert!(c.holds(&ctx("aws:SourceIp", "192.0.2.200")));
    assert!(c.holds(&ctx("aws:SourceIp", "2001:db8:1::5")));
    assert!(c.holds(&ctx("aws:SourceIp", "203.0.113.7")));
    assert!(!c.holds(&ctx("aws:SourceIp", "203.0.113.8")));
    assert!(!c.holds(&ctx("aws:SourceIp", "192.0.3.1")));
    assert!(!c.holds(&ctx("aws:SourceIp", "not-an-ip")));
    assert!(!c.holds(&none()));
    let c = cond(json!({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}));
    assert!(c.holds(&ctx("aws:SourceIp", "198.51.100.1")));
    assert!(!c.holds(&ctx("aws:SourceIp", "192.0.2.1")));
    assert!(c.holds(&none()));
}

#[test]
fn arn_operators() {
    let topic = "arn:aws:sns:us-east-2:111122223333:orders";
    for op in ["ArnEquals", "ArnLike"] {
        let c = cond(json!({op: {"aws:SourceArn": "arn:aws:sns:*:111122223333:ord*"}}));
        assert!(c.holds(&ctx("aws:SourceArn", topic)), "{op}");
        assert!(
            !c.holds(&ctx(
                "aws:SourceArn",
                "arn:aws:sns:us-east-2:444455556666:orders"
            )),
            "{op}"
        );
        assert!(!c.holds(&none()), "{op}");
    }
    for op in ["ArnNotEquals", "ArnNotLike"] {
        let c = cond(json!({op: {"aws:SourceArn": topic}}));
        assert!(!c.holds(&ctx("aws:SourceArn", topic)), "{op}");
        assert!(
            c.holds(&ctx(
                "aws:SourceArn",
                "arn:aws:sns:us-east-2:111122223333:other"
            )),
            "{op}"
        );
        assert!(c.holds(&none()), "{op}");
    }
}

#[test]
fn null_checks_presence() {
    let absent = cond(json!({"Null": {"aws:SourceArn": "true"}}));
    assert!(absent.holds(&none()));
    assert!(!absent.holds(&ctx("aws:SourceArn", "x")));
    let present = cond(json!({"Null": {"aws:SourceArn": false}}));
    assert!(present.holds(&ctx("aws:SourceArn", "x")));
    assert!(!present.holds(&none()));
}

#[test]
fn if_exists_passes_when_missing_and_tests_when_present() {
    let c = cond(json!({"StringEqualsIfExists": {"k": "a"}}));
    assert!(c.holds(&none()));
    assert!(c.holds(&ctx("k", "a")));
    assert!(!c.holds(&ctx("k", "b")));
    let c = cond(json!({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}));
    assert!(c.holds(&none()));
    assert!(!c.holds(&ctx("aws:SourceIp", "192.0.2.1")));
}

#[test]
fn for_any_value() {
    let c = cond(json!({"ForAnyValue:StringEquals": {"tags": ["a", "b"]}}));
    let many = |vals: &[&str]| ConditionContext::new().with_values("tags", vals.iter().copied());
    assert!(c.holds(&many(&["x", "b"])));
    assert!(!c.holds(&many(&["x", "y"])));
    assert!(!c.holds(&none()));
    // Negated: at least one request value matches none of the policy values.
    let c = cond(json!({"ForAnyValue:StringNotEquals": {"tags": ["a", "b"]}}));
    assert!(c.holds(&many(&["a", "z"])));
    assert!(!c.holds(&many(&["a", "b"])));
    assert!(!c.holds(&none()));
}

#[test]
fn for_all_values() {
    let c = cond(json!({"ForAllValues:StringLike": {"tags": ["env-*", "team"]}}));
    let many = |vals: &[&str]| ConditionContext::new().with_values("tags", vals.iter().copied());
    assert!(c.holds(&many(&["env-prod", "team"])));
    assert!(!c.holds(&many(&["env-prod", "owner"])));
    // Vacuously true for a missing key, as AWS warns.
    assert!(c.holds(&none()));
    let c = cond(json!({"ForAllValues:StringNotEquals": {"tags": ["secret"]}}));
    assert!(c.holds(&many(&["a", "b"])));
    assert!(!c.holds(&many(&["a", "secret"])));
}

#[test]
fn entries_are_anded() {
    let c = cond(json!({
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket-*"}
    }));
    let both = ConditionContext::new()
        .with("aws:SourceAccount", "111122223333")
        .with("aws:SourceArn", "arn:aws:s3:::bucket-a");
    assert!(c.holds(&both));
    assert!(!c.holds(&ctx("aws:SourceAccount", "111122223333")));
}

#[test]
fn parse_errors() {
    let cases = [
        json!({"StringEqualz": {"k": "v"}}),
        json!({"NullIfExists": {"k": "true"}}),
        json!({"ForAnyValue:Null": {"k": "true"}}),
        json!({"NumericEquals": {"k": "ten"}}),
        json!({"DateLessThan": {"k": "yesterday"}}),
        json!({"Bool": {"k": "yes"}}),
        json!({"IpAddress": {"k": "10.0.0.0/33"}}),
        json!({"StringEquals": {"k": {"nested": 1}}}),
        json!({"StringEquals": "k"}),
        json!(["StringEquals"]),
    ];
    for bad in cases {
        assert!(Conditions::parse(&bad).is_err(), "{bad}");
    }
    assert!(matches!(
        Conditions::parse(&json!({"Nope": {}})),
        Err(PolicyError::UnknownConditionOperator(op)) if op == "Nope"
    ));
}
