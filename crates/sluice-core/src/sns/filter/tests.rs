//! Table tests drawn from AWS's documented examples (SNS developer guide, "Filter policies")
//! and from AWS answers recorded in LocalStack's snapshots, then property tests: parsing and
//! matching never panic, and `anything-but [x]` is the negation of `[x]` for present keys.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

const ATTRS: FilterScope = FilterScope::MessageAttributes;
const BODY: FilterScope = FilterScope::MessageBody;

fn policy(text: &str, scope: FilterScope) -> FilterPolicy {
    FilterPolicy::parse(text, scope).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn attrs(pairs: &[(&str, AttributeValue)]) -> BTreeMap<String, AttributeValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// (policy, attribute name, attribute, expected) for `MessageAttributes` scope.
fn check_attr_table(table: &[(&str, &str, AttributeValue, bool)]) {
    for (text, name, value, expected) in table {
        let p = policy(text, ATTRS);
        let got = p.matches_attributes(&attrs(&[(name, value.clone())]));
        assert_eq!(got, *expected, "policy {text} on {name}={value:?}");
    }
}

/// (policy, body, expected) for `MessageBody` scope.
fn check_body_table(table: &[(&str, &str, bool)]) {
    for (text, body, expected) in table {
        let p = policy(text, BODY);
        assert_eq!(
            p.matches_body(body),
            *expected,
            "policy {text} on body {body}"
        );
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::string(v)
}
fn n(v: &str) -> AttributeValue {
    AttributeValue::number(v)
}
fn arr(v: &str) -> AttributeValue {
    AttributeValue::string_array(v)
}

#[test]
fn exact_string_matching_from_the_docs() {
    let p = r#"{"customer_interests": ["rugby", "tennis"]}"#;
    check_attr_table(&[
        (p, "customer_interests", s("rugby"), true),
        (p, "customer_interests", s("tennis"), true),
        (p, "customer_interests", arr(r#"["rugby", "tennis"]"#), true),
        (p, "customer_interests", s("baseball"), false),
        (p, "customer_interests", arr(r#"["baseball"]"#), false),
        (p, "customer_interests", s("Rugby"), false),
        (p, "customer_interests", AttributeValue::binary(), false),
        (p, "other", s("rugby"), false),
    ]);
    check_body_table(&[
        (p, r#"{"customer_interests": "rugby"}"#, true),
        (p, r#"{"customer_interests": "tennis"}"#, true),
        (p, r#"{"customer_interests": ["soccer", "tennis"]}"#, true),
        (p, r#"{"customer_interests": "baseball"}"#, false),
    ]);
}

#[test]
fn exact_numbers_compare_numerically_and_never_as_strings() {
    check_attr_table(&[
        (r#"{"price": [100]}"#, "price", n("100"), true),
        (r#"{"price": [100]}"#, "price", n("100.0"), true),
        (r#"{"price": [100]}"#, "price", n("1e2"), true),
        (r#"{"price": [100]}"#, "price", s("100"), false),
        (r#"{"price": ["100"]}"#, "price", n("100"), false),
        (r#"{"price": [100]}"#, "price", arr("[100, 5]"), true),
        (r#"{"price": [0.3]}"#, "price", n("0.300001"), true),
        (r#"{"price": [0.3]}"#, "price", n("0.30001"), false),
    ]);
    check_body_table(&[
        (r#"{"price": [1]}"#, r#"{"price": 1.0}"#, true),
        (r#"{"price": [1]}"#, r#"{"price": "1.0"}"#, false),
        (r#"{"price": [1]}"#, r#"{"price": "1"}"#, false),
        (r#"{"ok": [true]}"#, r#"{"ok": true}"#, true),
        (r#"{"ok": [true]}"#, r#"{"ok": "true"}"#, false),
        (r#"{"v": [null]}"#, r#"{"v": null}"#, true),
        (r#"{"v": [null]}"#, r#"{}"#, false),
    ]);
}

#[test]
fn null_in_a_policy_does_not_match_a_missing_attribute() {
    // Recorded by LocalStack against AWS: [null, {"anything-but": "whatever"}] drops a message
    // without the attribute.
    let p = policy(r#"{"attr1": [null, {"anything-but": "whatever"}]}"#, ATTRS);
    assert!(!p.matches_attributes(&BTreeMap::new()));
    assert!(p.matches_attributes(&attrs(&[("attr1", s("other"))])));
    assert!(!p.matches_attributes(&attrs(&[("attr1", s("whatever"))])));
}

#[test]
fn anything_but_from_the_docs() {
    let list = r#"{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}"#;
    let single = r#"{"customer_interests": [{"anything-but": "rugby"}]}"#;
    let numbers = r#"{"price": [{"anything-but": [100, 500]}]}"#;
    let prefix = r#"{"event": [{"anything-but": {"prefix": "order-"}}]}"#;
    check_attr_table(&[
        (list, "customer_interests", s("baseball"), true),
        (
            list,
            "customer_interests",
            arr(r#"["rugby", "baseball"]"#),
            true,
        ),
        (list, "customer_interests", s("rugby"), false),
        (
            list,
            "customer_interests",
            arr(r#"["rugby", "tennis"]"#),
            false,
        ),
        (single, "customer_interests", s("tennis"), true),
        (single, "customer_interests", s("rugby"), false),
        (numbers, "price", n("101"), true),
        (numbers, "price", n("100.1"), true),
        (numbers, "price", n("100"), false),
        (numbers, "price", arr("[100, 50]"), true),
        (prefix, "event", s("data-entry"), true),
        (prefix, "event", s("order-cancelled"), false),
        (list, "other", s("rugby"), false),
        (list, "customer_interests", AttributeValue::binary(), false),
    ]);
    check_body_table(&[
        (numbers, r#"{"price": 101}"#, true),
        (numbers, r#"{"price": [100, 50]}"#, true),
        (numbers, r#"{"price": 100}"#, false),
        (prefix, r#"{"event": "order-placed"}"#, false),
        (prefix, r#"{"event": 5}"#, false),
        (list, r#"{}"#, false),
    ]);
}

#[test]
fn prefix_suffix_and_equals_ignore_case_from_the_docs() {
    check_attr_table(&[
        (
            r#"{"customer_interests": [{"prefix": "bas"}]}"#,
            "customer_interests",
            s("baseball"),
            true,
        ),
        (
            r#"{"customer_interests": [{"prefix": "bas"}]}"#,
            "customer_interests",
            s("rugby"),
            false,
        ),
        (
            r#"{"customer_interests": [{"suffix": "ball"}]}"#,
            "customer_interests",
            s("baseball"),
            true,
        ),
        (
            r#"{"customer_interests": [{"suffix": "ball"}]}"#,
            "customer_interests",
            s("rugby"),
            false,
        ),
        (
            r#"{"customer_interests": [{"equals-ignore-case": "tEnnis"}]}"#,
            "customer_interests",
            s("TENNIS"),
            true,
        ),
        (
            r#"{"customer_interests": [{"equals-ignore-case": "tEnnis"}]}"#,
            "customer_interests",
            s("Tennis"),
            true,
        ),
        (
            r#"{"customer_interests": [{"equals-ignore-case": "tEnnis"}]}"#,
            "customer_interests",
            s("baseball"),
            false,
        ),
        (r#"{"code": [{"prefix": "1"}]}"#, "code", n("100"), false),
    ]);
    check_body_table(&[
        (
            r#"{"customer_interests": [{"prefix": "bas"}]}"#,
            r#"{"customer_interests": "baseball"}"#,
            true,
        ),
        (
            r#"{"customer_interests": [{"suffix": "ball"}]}"#,
            r#"{"customer_interests": ["rugby", "baseball"]}"#,
            true,
        ),
    ]);
}

#[test]
fn numeric_matching_from_the_docs() {
    let eq = r#"{"price_usd": [{"numeric": ["=", 301.5]}]}"#;
    let neg = r#"{"price_usd": [{"numeric": ["<", 0]}]}"#;
    let range = r#"{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}"#;
    check_attr_table(&[
        (eq, "price_usd", n("301.5"), true),
        (eq, "price_usd", n("3.015e2"), true),
        (eq, "price_usd", n("301.6"), false),
        (eq, "price_usd", s("301.5"), false),
        (neg, "price_usd", n("-0.5"), true),
        (neg, "price_usd", n("0"), false),
        (range, "price_usd", n("150"), true),
        (range, "price_usd", n("0.00001"), true),
        (range, "price_usd", n("0"), false),
        (range, "price_usd", n("150.00001"), false),
        (range, "price_usd", n("not a number"), false),
        (r#"{"p": [{"numeric": [">=", 10]}]}"#, "p", n("10"), true),
        (
            r#"{"p": [{"numeric": ["<=", 10]}]}"#,
            "p",
            n("10.000001"),
            true,
        ),
        (
            r#"{"p": [{"numeric": [">=", 1, "<", 2]}]}"#,
            "p",
            n("2"),
            false,
        ),
    ]);
    check_body_table(&[
        (eq, r#"{"price_usd": 301.5}"#, true),
        (eq, r#"{"price_usd": 3.015e2}"#, true),
        (range, r#"{"price_usd": [200, 50]}"#, true),
        (range, r#"{"price_usd": "50"}"#, false),
    ]);
}

#[test]
fn exists_from_the_docs_and_recorded_answers() {
    let yes = r#"{"store": [{"exists": true}]}"#;
    let no = r#"{"store": [{"exists": false}]}"#;
    check_attr_table(&[
        (yes, "store", n("99"), true),
        (yes, "def", n("99"), false),
        (yes, "store", AttributeValue::binary(), true),
        (no, "def", n("99"), true),
        (no, "store", n("99"), false),
        (no, "store", AttributeValue::binary(), false),
    ]);
    check_body_table(&[
        (yes, r#"{"store": "example_corp"}"#, true),
        (yes, r#"{"other": 1}"#, false),
        (yes, r#"{"store": []}"#, false),
        (no, r#"{"other": 1}"#, true),
        (no, r#"{"store": null}"#, false),
        (
            r#"{"a": {"b": [{"exists": false}]}}"#,
            r#"{"a": {"c": 1}}"#,
            true,
        ),
    ]);
}

#[test]
fn cidr_matches_ipv4_and_ipv6() {
    let v4 = r#"{"source_ip": [{"cidr": "10.0.0.0/24"}]}"#;
    let v6 = r#"{"source_ip": [{"cidr": "2001:db8::/32"}]}"#;
    check_attr_table(&[
        (v4, "source_ip", s("10.0.0.255"), true),
        (v4, "source_ip", s("10.0.1.0"), false),
        (v4, "source_ip", s("not an ip"), false),
        (v4, "source_ip", s("::ffff:10.0.0.1"), false),
        (v6, "source_ip", s("2001:db8:1::1"), true),
        (v6, "source_ip", s("2001:db9::1"), false),
        (
            r#"{"ip": [{"cidr": "0.0.0.0/0"}]}"#,
            "ip",
            s("192.168.1.1"),
            true,
        ),
        (
            r#"{"ip": [{"cidr": "10.1.2.3/8"}]}"#,
            "ip",
            s("10.200.0.1"),
            true,
        ),
    ]);
    check_body_table(&[(v4, r#"{"source_ip": "10.0.0.7"}"#, true)]);
}

#[test]
fn and_or_logic_and_the_or_operator_from_the_docs() {
    // AND across keys, OR across values.
    let and = r#"{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}"#;
    let p = policy(and, ATTRS);
    assert!(p.matches_attributes(&attrs(&[
        ("customer_interests", s("rugby")),
        ("price_usd", n("101"))
    ])));
    assert!(!p.matches_attributes(&attrs(&[
        ("customer_interests", s("rugby")),
        ("price_usd", n("100"))
    ])));
    assert!(!p.matches_attributes(&attrs(&[("customer_interests", s("rugby"))])));

    let or = r#"{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}"#;
    check_body_table(&[
        (
            or,
            r#"{"source": "aws.cloudwatch", "metricName": "CPUUtilization"}"#,
            true,
        ),
        (
            or,
            r#"{"source": "aws.cloudwatch", "namespace": "AWS/EC2"}"#,
            true,
        ),
        (
            or,
            r#"{"source": "aws.cloudwatch", "namespace": "AWS/ES"}"#,
            false,
        ),
        (
            or,
            r#"{"source": "aws.other", "namespace": "AWS/EC2"}"#,
            false,
        ),
    ]);
    let p = policy(or, ATTRS);
    assert!(p.matches_attributes(&attrs(&[
        ("source", s("aws.cloudwatch")),
        ("namespace", s("AWS/EC2"))
    ])));
}

#[test]
fn nested_or_recorded_against_aws() {
    // LocalStack's test_filter_policy_on_message_body_or_attribute: 7 of these 12 pass on AWS.
    let p = r#"{"$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
        "detail": {"scope": ["Service"], "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["CloudWatch Alarm State Change"]}]}}"#;
    check_body_table(&[
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "aws.cloudwatch", "type": "CloudWatch Alarm State Change"}}"#,
            false,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CPUUtilization"}}"#,
            false,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"type": "CloudWatch Alarm State Change"}}"#,
            false,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service"}}"#,
            false,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "scope": "Service"}"#,
            false,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            true,
        ),
        (
            p,
            r#"{"metricName": "ReadLatency", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            true,
        ),
        (
            p,
            r#"{"namespace": "AWS/EC2", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            true,
        ),
        (
            p,
            r#"{"namespace": "AWS/ES", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            true,
        ),
        (
            p,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            true,
        ),
        (
            p,
            r#"{"metricName": "AWS/EC2", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            false,
        ),
        (
            p,
            r#"{"namespace": "CPUUtilization", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            false,
        ),
    ]);
}

#[test]
fn nested_keys_arrays_and_dotted_keys_in_the_body() {
    // The AWS payload-filtering blog example and LocalStack's recorded dotted-key answers.
    let nested = r#"{"object": {"key": [{"prefix": "auto-"}]}}"#;
    let deep = r#"{"object": {"nested": {"test": ["string.value"]}}}"#;
    let records = r#"{"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}}, "eventName": [{"prefix": "ObjectCreated:"}]}}"#;
    check_body_table(&[
        (nested, r#"{"object": {"key": "auto-test"}}"#, true),
        (nested, r#"{"object": {"key": "home-test"}}"#, false),
        (nested, r#"{"object": "auto-test"}"#, false),
        (nested, r#"{"object.key": "auto-test"}"#, true),
        (
            deep,
            r#"{"object": {"nested": {"test": "string.value"}}}"#,
            true,
        ),
        (deep, r#"{"object.nested.test": "string.value"}"#, true),
        (deep, r#"{"object.nested": {"test": "string.value"}}"#, true),
        (deep, r#"{"object": {"nested.test": "string.value"}}"#, true),
        (
            r#"{"headers": {"route-to": ["queue1"]}}"#,
            r#"{"headers": {"route-to": ["queue1", "queue2"]}}"#,
            true,
        ),
        (
            r#"{"headers": {"route-to": ["queue1"]}}"#,
            r#"{"headers": {"route-to": ["queue2"]}}"#,
            false,
        ),
        (
            records,
            r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": [[{"key": "auto-insurance-2314.xml"}]]}}]}"#,
            true,
        ),
        (
            records,
            r#"{"Records": [{"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "auto-insurance-2314.xml"}}}]}"#,
            false,
        ),
        (
            records,
            r#"{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "home-insurance-2314.xml"}}}]}"#,
            false,
        ),
    ]);
}

#[test]
fn a_body_that_is_not_a_json_object_matches_nothing() {
    let p = policy(r#"{"store": [{"exists": false}]}"#, BODY);
    for body in [
        "not json",
        "",
        "[1, 2]",
        "\"text\"",
        "42",
        "null",
        "{\"unterminated\": ",
    ] {
        assert!(!p.matches_body(body), "{body:?}");
    }
    assert!(p.matches_body("{}"));
}

#[test]
fn an_empty_policy_matches_everything() {
    let p = policy("{}", BODY);
    assert!(p.matches_body("not json"));
    assert!(policy("{}", ATTRS).matches_attributes(&BTreeMap::new()));
}

#[test]
fn matches_dispatches_on_scope() {
    let a = policy(r#"{"k": ["v"]}"#, ATTRS);
    let b = policy(r#"{"k": ["v"]}"#, BODY);
    let at = attrs(&[("k", s("v"))]);
    assert!(a.matches(&at, "{}"));
    assert!(!b.matches(&at, "{}"));
    assert!(b.matches(&BTreeMap::new(), r#"{"k": "v"}"#));
}

#[test]
fn custom_data_type_labels_keep_their_base_type() {
    check_attr_table(&[
        (
            r#"{"k": ["v"]}"#,
            "k",
            AttributeValue::new("String.custom", "v"),
            true,
        ),
        (
            r#"{"k": [5]}"#,
            "k",
            AttributeValue::new("Number.float", "5.0"),
            true,
        ),
        (
            r#"{"k": [{"exists": true}]}"#,
            "k",
            AttributeValue::new("Binary.gif", "x"),
            true,
        ),
        (
            r#"{"k": ["x"]}"#,
            "k",
            AttributeValue::new("Binary.gif", "x"),
            false,
        ),
        (r#"{"k": ["v"]}"#, "k", arr("not json"), false),
    ]);
}

/// (policy, scope, AWS's message after "Invalid parameter: "). Texts recorded from AWS unless
/// the module marks them unconfirmed.
const REJECTIONS: &[(&str, FilterScope, &str)] = &[
    (
        "{invalidjson}",
        ATTRS,
        "FilterPolicy: failed to parse JSON.",
    ),
    (
        r#"{"key":[["value"]]}"#,
        ATTRS,
        "FilterPolicy: Match value must be String, number, true, false, or null",
    ),
    (
        r#"{"key":[{"wrong-operator":true}]}"#,
        ATTRS,
        "FilterPolicy: Unrecognized match type wrong-operator",
    ),
    (
        r#"{"key":[{"suffix":"value","prefix":"value2"}]}"#,
        ATTRS,
        "FilterPolicy: Only one key allowed in match expression",
    ),
    (
        r#"{"key":[{"suffix":100}]}"#,
        ATTRS,
        "FilterPolicy: suffix match pattern must be a string",
    ),
    (
        r#"{"key":[{"suffix":null}]}"#,
        ATTRS,
        "FilterPolicy: suffix match pattern must be a string",
    ),
    (
        r#"{"key":[{"suffix":[]}]}"#,
        ATTRS,
        "FilterPolicy: suffix match pattern must be a string",
    ),
    (
        r#"{"key":[{"suffix":["test","test2"]}]}"#,
        ATTRS,
        "FilterPolicy: suffix match pattern must be a string",
    ),
    (
        r#"{"key":[{"prefix":1}]}"#,
        ATTRS,
        "FilterPolicy: prefix match pattern must be a string",
    ),
    (
        r#"{"key":[{"equals-ignore-case":true}]}"#,
        ATTRS,
        "FilterPolicy: equals-ignore-case match pattern must be a string",
    ),
    (
        r#"{"key":{"suffix":"value"}}"#,
        ATTRS,
        "FilterPolicy: \"suffix\" must be an object or an array",
    ),
    (
        r#"{"key":{"suffix":"value","prefix":"value"}}"#,
        ATTRS,
        "FilterPolicy: \"suffix\" must be an object or an array",
    ),
    (
        r#"{"key":{"not-an-operator":"value"}}"#,
        ATTRS,
        "FilterPolicy: \"not-an-operator\" must be an object or an array",
    ),
    (
        r#"{"key_a":"value_one"}"#,
        BODY,
        "FilterPolicy: \"key_a\" must be an object or an array",
    ),
    (
        r#"{"key":[{"numeric":[]}]}"#,
        ATTRS,
        "FilterPolicy: Invalid member in numeric match: ]",
    ),
    (
        r#"{"key":[{"numeric":["operator"]}]}"#,
        ATTRS,
        "FilterPolicy: Unrecognized numeric range operator: operator",
    ),
    (
        r#"{"key":[{"numeric":[1,"<="]}]}"#,
        ATTRS,
        "FilterPolicy: Invalid member in numeric match: 1",
    ),
    (
        r#"{"key":[{"numeric":["=","000"]}]}"#,
        ATTRS,
        "FilterPolicy: Value of equals must be numeric",
    ),
    (
        r#"{"key":[{"numeric":[">="]}]}"#,
        ATTRS,
        "FilterPolicy: Value of >= must be numeric",
    ),
    (
        r#"{"key":[{"numeric":["<",100,">",10]}]}"#,
        ATTRS,
        "FilterPolicy: Too many elements in numeric expression",
    ),
    (
        r#"{"key":[{"numeric":[">=",1,">",2]}]}"#,
        ATTRS,
        "FilterPolicy: Bad numeric range operator: >",
    ),
    (
        r#"{"key":[{"numeric":[">",3,"<",1]}]}"#,
        ATTRS,
        "FilterPolicy: Bottom must be less than top",
    ),
    (
        r#"{"key":[{"numeric":[">",20,"<="]}]}"#,
        ATTRS,
        "FilterPolicy: Value of <= must be numeric",
    ),
    (
        r#"{"key":[{"numeric":[">",20,30]}]}"#,
        ATTRS,
        "FilterPolicy: Bad value in numeric range: 30",
    ),
    (
        r#"{"key":[{"numeric":[">",20,"test"]}]}"#,
        ATTRS,
        "FilterPolicy: Bad numeric range operator: test",
    ),
    (
        r#"{"key":[{"numeric":[">","20","<","30"]}]}"#,
        ATTRS,
        "FilterPolicy: Value of > must be numeric",
    ),
    (
        r#"{"key":[{"numeric":[">",20,"<","30"]}]}"#,
        ATTRS,
        "FilterPolicy: Value of < must be numeric",
    ),
    (
        r#"{"key":[{"numeric":[">",20,"<",30,"<",50]}]}"#,
        ATTRS,
        "FilterPolicy: Too many terms in numeric range expression",
    ),
    (
        r#"{"key":[{"exists":null}]}"#,
        ATTRS,
        "FilterPolicy: exists match pattern must be either true or false.",
    ),
    (
        r#"{"key":[{"exists":"no"}]}"#,
        ATTRS,
        "FilterPolicy: exists match pattern must be either true or false.",
    ),
    (
        r#"{"key":[{"anything-but":{"wrong-operator":null}}]}"#,
        ATTRS,
        "FilterPolicy: Unsupported anything-but pattern: wrong-operator",
    ),
    (
        r#"{"key":[{"anything-but":{"suffix":"test"}}]}"#,
        ATTRS,
        "FilterPolicy: Unsupported anything-but pattern: suffix",
    ),
    (
        r#"{"key":[{"anything-but":{"exists":false}}]}"#,
        ATTRS,
        "FilterPolicy: Unsupported anything-but pattern: exists",
    ),
    (
        r#"{"key":[{"anything-but":{"prefix":false}}]}"#,
        ATTRS,
        "FilterPolicy: prefix match pattern must be a string",
    ),
    (
        r#"{"object":{"key":[{"prefix":"auto-"}]}}"#,
        ATTRS,
        "Filter policy scope MessageAttributes does not support nested filter policy",
    ),
    (
        r#"{"key_a":["value_one"],"key_b":["value_two"],"key_c":["value_three"],"key_d":["value_four"],"key_e":["value_five"],"key_f":["value_six"]}"#,
        BODY,
        "FilterPolicy: Filter policy can not have more than 5 keys",
    ),
    (
        r#"{"key_a":["value_one"],"key_b":["value_two"],"key_c":["value_three"],"key_d":["value_four"],"key_e":["value_five"],"key_f":["value_six"]}"#,
        ATTRS,
        "FilterPolicy: Filter policy can not have more than 5 keys",
    ),
    (
        r#"{"key_a":{"key_b":{"key_c":["value_one","value_two","value_three","value_four"]}},"key_d":{"key_e":["value_one","value_two","value_three"]},"key_f":["value_one","value_two","value_three"]}"#,
        BODY,
        "FilterPolicy: Filter policy is too complex",
    ),
    // Unconfirmed wordings (see parse.rs).
    (
        r#"{"key":[]}"#,
        ATTRS,
        "FilterPolicy: Empty arrays are not allowed",
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0"}]}"#,
        ATTRS,
        "FilterPolicy: Malformed CIDR, one '/' required",
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/x"}]}"#,
        ATTRS,
        "FilterPolicy: Malformed CIDR, mask bits must be an integer",
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/33"}]}"#,
        ATTRS,
        "FilterPolicy: Malformed CIDR, mask bits must be an integer",
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.300/8"}]}"#,
        ATTRS,
        "FilterPolicy: Nonstandard IP address: 10.0.0.300",
    ),
    (
        r#"{"ip":[{"cidr":7}]}"#,
        ATTRS,
        "FilterPolicy: prefix match pattern must be a string",
    ),
    (
        "[1]",
        ATTRS,
        "FilterPolicy: Filter policy must be a JSON object",
    ),
];

#[test]
fn every_validation_error_has_aws_wording() {
    for (text, scope, expected) in REJECTIONS {
        let err = FilterPolicy::parse(text, *scope).expect_err(text);
        assert_eq!(err.detail(), *expected, "policy {text}");
        assert_eq!(err.code(), "InvalidParameter");
    }
}

#[test]
fn messages_carry_the_prefix_of_the_call() {
    let err = FilterPolicy::parse(r#"{"key":[{"exists":"no"}]}"#, ATTRS).unwrap_err();
    assert_eq!(
        err.message(PolicyCall::Subscribe),
        "Invalid parameter: Attributes Reason: FilterPolicy: exists match pattern must be either true or false."
    );
    assert_eq!(
        err.message(PolicyCall::SetSubscriptionAttributes),
        "Invalid parameter: FilterPolicy: exists match pattern must be either true or false."
    );
    let scope = FilterScope::parse("RandomValue").unwrap_err();
    assert_eq!(
        scope.message(PolicyCall::SetSubscriptionAttributes),
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes"
    );
    assert_eq!(FilterScope::parse("MessageBody").unwrap(), BODY);
}

#[test]
fn limits_sit_exactly_at_aws_numbers() {
    // Five keys pass; 150 combinations pass, 151 do not.
    policy(
        r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}"#,
        ATTRS,
    );
    let values = |n: usize| {
        (0..n)
            .map(|i| format!("\"v{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    policy(&format!(r#"{{"a":[{}]}}"#, values(150)), ATTRS);
    let err = FilterPolicy::parse(&format!(r#"{{"a":[{}]}}"#, values(151)), ATTRS).unwrap_err();
    assert_eq!(err.detail(), "FilterPolicy: Filter policy is too complex");
    // The documented example: 3 x 1 x 2 = 6 passes; nested 3 x 4 x 2 x 3 = 72 passes.
    policy(
        r#"{"key_a":["value_one","value_two","value_three"],"key_b":["value_one"],"key_c":["value_one","value_two"]}"#,
        ATTRS,
    );
    policy(
        r#"{"key_a":{"key_b":{"key_c":["1","2","3","4"]}},"key_d":{"key_e":["1","2","3"]}}"#,
        BODY,
    );
    // $or alternatives add up: 100 + 51 > 150.
    let or = format!(
        r#"{{"$or":[{{"a":[{}]}},{{"b":[{}]}}]}}"#,
        values(100),
        values(51)
    );
    assert!(FilterPolicy::parse(&or, ATTRS).is_err());
    let or = format!(
        r#"{{"$or":[{{"a":[{}]}},{{"b":[{}]}}]}}"#,
        values(100),
        values(50)
    );
    policy(&or, ATTRS);
    // Nested keys do not count against the five keys in MessageBody scope.
    policy(
        r#"{"a":{"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"],"g":["1"]}}"#,
        BODY,
    );
    // Size.
    let big = format!(
        r#"{{"a":["{}"]}}"#,
        "x".repeat(limits::FILTER_POLICY_MAX_BYTES)
    );
    assert_eq!(
        FilterPolicy::parse(&big, ATTRS).unwrap_err().detail(),
        "FilterPolicy: Filter policy is too long"
    );
}

// ---- property tests ----

fn arb_json(depth: u32) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000i64..1_000_000).prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        prop::sample::select(vec![
            "a",
            "b",
            "rugby",
            "10.0.0.1",
            "prefix",
            "suffix",
            "numeric",
            "exists",
            "anything-but",
            "cidr",
            "equals-ignore-case",
            "$or",
            "<",
            "<=",
            "=",
            ">",
            ">=",
            "10.0.0.0/8",
            "",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(depth, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "a",
                    "b",
                    "c",
                    "prefix",
                    "suffix",
                    "numeric",
                    "exists",
                    "anything-but",
                    "cidr",
                    "equals-ignore-case",
                    "$or",
                ])
                .prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn scalar_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::from),
    ]
}

proptest! {
    #[test]
    fn parsing_and_matching_never_panic(policy in arb_json(4), body in arb_json(4), body_scope in any::<bool>()) {
        let scope = if body_scope { BODY } else { ATTRS };
        if let Ok(p) = FilterPolicy::parse(&policy.to_string(), scope) {
            p.matches_body(&body.to_string());
            let mut at = BTreeMap::new();
            if let serde_json::Value::Object(m) = &body {
                for (k, v) in m {
                    at.insert(k.clone(), AttributeValue::string(&v.to_string()));
                }
            }
            p.matches_attributes(&at);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}", body in ".{0,200}") {
        if let Ok(p) = FilterPolicy::parse(&text, BODY) {
            p.matches_body(&body);
        }
    }

    #[test]
    fn anything_but_is_the_negation_of_exact_for_present_scalar_keys(x in scalar_json(), v in scalar_json()) {
        let exact = policy(&format!(r#"{{"k":[{x}]}}"#), BODY);
        let but = policy(&format!(r#"{{"k":[{{"anything-but":[{x}]}}]}}"#), BODY);
        let body = format!(r#"{{"k":{v}}}"#);
        prop_assert_eq!(exact.matches_body(&body), !but.matches_body(&body));
        // The same for String and Number attributes.
        let attr = match &v {
            serde_json::Value::String(s) => Some(AttributeValue::string(s)),
            serde_json::Value::Number(n) => Some(AttributeValue::number(&n.to_string())),
            _ => None,
        };
        if let Some(attr) = attr {
            let exact = policy(&format!(r#"{{"k":[{x}]}}"#), ATTRS);
            let but = policy(&format!(r#"{{"k":[{{"anything-but":[{x}]}}]}}"#), ATTRS);
            let at = attrs(&[("k", attr)]);
            prop_assert_eq!(exact.matches_attributes(&at), !but.matches_attributes(&at));
        }
    }

    #[test]
    fn numeric_ranges_agree_with_plain_comparison(lo in -1000i32..1000, width in 1i32..1000, x in -3000i32..3000) {
        let hi = lo + width;
        let p = policy(&format!(r#"{{"k":[{{"numeric":[">=",{lo},"<",{hi}]}}]}}"#), BODY);
        prop_assert_eq!(p.matches_body(&format!(r#"{{"k":{x}}}"#)), lo <= x && x < hi);
    }

    #[test]
    fn a_key_matches_if_any_array_element_matches(values in prop::collection::vec("[a-d]", 0..6)) {
        let p = policy(r#"{"k":["a"]}"#, BODY);
        let body = serde_json::json!({ "k": values }).to_string();
        prop_assert_eq!(p.matches_body(&body), values.iter().any(|v| v == "a"));
    }
}

/// The `sns_filter` fuzz target's body, over seeded pseudo-random inputs built from policy
/// fragments, so the stable suite exercises what cargo-fuzz does.
#[test]
fn fuzz_target_body_on_seeded_inputs() {
    use rand::{rngs::StdRng, Rng, SeedableRng};
    const FRAGMENTS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"k\"",
        "\"a\"",
        "\"$or\"",
        "\"prefix\"",
        "\"suffix\"",
        "\"anything-but\"",
        "\"numeric\"",
        "\"exists\"",
        "\"cidr\"",
        "\"equals-ignore-case\"",
        "\">\"",
        "\"<=\"",
        "\"=\"",
        "1",
        "-2.5",
        "1e400",
        "true",
        "null",
        "\"10.0.0.0/8\"",
        "\"::1/128\"",
        "\"x\"",
    ];
    let mut rng = StdRng::seed_from_u64(0x5eed_f11e);
    for _ in 0..5_000 {
        let mut data = vec![rng.gen::<u8>()];
        for _ in 0..rng.gen_range(0..24) {
            data.extend_from_slice(FRAGMENTS[rng.gen_range(0..FRAGMENTS.len())].as_bytes());
        }
        data.push(0);
        for _ in 0..rng.gen_range(0..16) {
            data.extend_from_slice(FRAGMENTS[rng.gen_range(0..FRAGMENTS.len())].as_bytes());
        }
        fuzz_one(&data);
        // Random bytes too.
        let noise: Vec<u8> = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect();
        fuzz_one(&noise);
    }
}
