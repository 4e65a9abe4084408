//! Structurally broken requests give `QueryError::Malformed`, and no input whatever makes
//! the decoder panic.

use sluice_query::{decode_input, parse_form, QueryError, MAX_INDEX};

fn decode(action: &str, body: &str) -> Result<serde_json::Value, QueryError> {
    decode_input(action, &parse_form(body.as_bytes()))
}

fn assert_malformed(action: &str, body: &str) {
    match decode(action, body) {
        Err(QueryError::Malformed(message)) => assert!(!message.is_empty()),
        other => panic!("{action} {body:?}: expected Malformed, got {other:?}"),
    }
}

#[test]
fn non_numeric_indexes() {
    for body in [
        "Attribute.x.Name=DelaySeconds&Attribute.x.Value=1",
        "Attribute.1a.Name=DelaySeconds",
        "Attribute.-1.Name=DelaySeconds",
        "Attribute.+1.Name=DelaySeconds",
        "Attribute. 1.Name=DelaySeconds",
        "Attribute.1e3.Name=DelaySeconds",
        "Attribute.٣.Name=DelaySeconds",
    ] {
        assert_malformed("CreateQueue", body);
    }
    assert_malformed("GetQueueAttributes", "AttributeName.first=All");
    assert_malformed("SendMessageBatch", "SendMessageBatchRequestEntry.one.Id=a");
    assert_malformed(
        "SendMessage",
        "MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String.list&MessageAttribute.1.Value.StringListValue.x=1",
    );
}

#[test]
fn zero_and_non_canonical_indexes() {
    assert_malformed("GetQueueAttributes", "AttributeName.0=All");
    assert_malformed("GetQueueAttributes", "AttributeName.01=All");
    assert_malformed("TagQueue", "Tag.00.Key=k&Tag.00.Value=v");
}

#[test]
fn huge_indexes_are_bounded() {
    assert!(decode(
        "GetQueueAttributes",
        &format!("AttributeName.{MAX_INDEX}=All")
    )
    .is_ok());
    for index in [
        (MAX_INDEX + 1).to_string(),
        "4294967295".to_owned(),
        "4294967296".to_owned(),
        "18446744073709551616".to_owned(),
        "9".repeat(10_000),
    ] {
        assert_malformed("GetQueueAttributes", &format!("AttributeName.{index}=All"));
        assert_malformed(
            "DeleteMessageBatch",
            &format!("DeleteMessageBatchRequestEntry.{index}.Id=a"),
        );
    }
}

#[test]
fn map_value_without_name() {
    assert_malformed("CreateQueue", "QueueName=q&Attribute.1.Value=45");
    assert_malformed(
        "CreateQueue",
        "Attribute.1.Name=A&Attribute.1.Value=1&Attribute.2.Value=2",
    );
    assert_malformed("TagQueue", "QueueUrl=u&Tag.1.Value=v");
    assert_malformed(
        "SendMessage",
        "MessageAttribute.1.Value.StringValue=v&MessageAttribute.1.Value.DataType=String",
    );
}

#[test]
fn map_name_without_value() {
    assert_malformed("CreateQueue", "QueueName=q&Attribute.1.Name=DelaySeconds");
    assert_malformed("TagQueue", "Tag.1.Key=k");
    assert_malformed("SendMessage", "MessageAttribute.1.Name=a");
    assert_malformed(
        "SendMessageBatch",
        "SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name=AWSTraceHeader",
    );
}

#[test]
fn map_entry_parts_must_be_named() {
    assert_malformed("CreateQueue", "Attribute.1=DelaySeconds");
    assert_malformed("CreateQueue", "Attribute.1.=DelaySeconds");
}

#[test]
fn empty_names() {
    assert_malformed("CreateQueue", "Attribute.1.Name=&Attribute.1.Value=1");
    assert_malformed("TagQueue", "Tag.1.Key=&Tag.1.Value=v");
    assert_malformed(
        "SendMessage",
        "MessageAttribute.1.Name=&MessageAttribute.1.Value.StringValue=v&MessageAttribute.1.Value.DataType=String",
    );
}

#[test]
fn empty_segments() {
    assert_malformed("CreateQueue", "Attribute..Name=A&Attribute..Value=1");
    assert_malformed("GetQueueAttributes", "AttributeName.=All");
    assert_malformed("SendMessageBatch", "SendMessageBatchRequestEntry.1.=x");
    assert_malformed("SendMessageBatch", "SendMessageBatchRequestEntry..Id=x");
}

#[test]
fn the_same_parameter_twice() {
    assert_malformed(
        "GetQueueAttributes",
        "AttributeName.1=All&AttributeName.1=Policy",
    );
    assert_malformed(
        "CreateQueue",
        "Attribute.1.Name=A&Attribute.1.Name=B&Attribute.1.Value=1",
    );
    assert_malformed(
        "CreateQueue",
        "Attribute.1.Name=A&Attribute.1.Value=1&Attribute.1.Value=2",
    );
    assert_malformed("DeleteQueue", "QueueUrl=a&QueueUrl=b");
    assert_malformed(
        "DeleteMessageBatch",
        "DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.Id=b",
    );
    // `Tag` and `Tags` name the same member.
    assert_malformed("TagQueue", "Tag.1.Key=a&Tags.1.Key=b&Tag.1.Value=v");
    assert_malformed("ReceiveMessage", "AttributeName=All&AttributeName=Policy");
}

#[test]
fn the_same_map_key_twice() {
    assert_malformed(
        "CreateQueue",
        "Attribute.1.Name=A&Attribute.1.Value=1&Attribute.2.Name=A&Attribute.2.Value=2",
    );
    assert_malformed(
        "SendMessage",
        "MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=1&MessageAttribute.1.Value.DataType=String\
         &MessageAttribute.2.Name=a&MessageAttribute.2.Value.StringValue=2&MessageAttribute.2.Value.DataType=String",
    );
}

#[test]
fn containers_given_a_bare_value() {
    // A list of strings takes one bare value; maps and lists of structures cannot.
    assert_malformed("CreateQueue", "Attribute=DelaySeconds");
    assert_malformed("SendMessageBatch", "SendMessageBatchRequestEntry=x");
    assert_malformed("SendMessageBatch", "SendMessageBatchRequestEntry.1=x");
    assert_malformed(
        "SendMessage",
        "MessageAttribute.1.Name=a&MessageAttribute.1.Value=x",
    );
}

#[test]
fn error_messages_name_the_parameter() {
    let Err(QueryError::Malformed(message)) = decode("CreateQueue", "Attribute.x.Name=A") else {
        panic!("expected Malformed");
    };
    assert!(message.contains("Attribute.x.Name"), "{message}");
    let Err(QueryError::Malformed(message)) = decode(
        "SendMessageBatch",
        "SendMessageBatchRequestEntry.2.MessageAttribute.3.Name=a",
    ) else {
        panic!("expected Malformed");
    };
    assert!(
        message.contains("SendMessageBatchRequestEntry.2.MessageAttribute.3.Value"),
        "{message}"
    );
    let Err(QueryError::Malformed(message)) = decode("CreateQueue", "Tag.4.Value=v") else {
        panic!("expected Malformed");
    };
    assert!(message.contains("Tag.4.Key"), "{message}");
    let long = "9".repeat(100_000);
    let Err(QueryError::Malformed(message)) =
        decode("GetQueueAttributes", &format!("AttributeName.{long}=All"))
    else {
        panic!("expected Malformed");
    };
    assert!(
        message.starts_with("parameter `AttributeName.999"),
        "{message}"
    );
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

/// A small, seeded xorshift generator: the test is repeatable without extra crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Segments that steer random names into the interesting corners of the tables.
const SEGMENTS: &[&str] = &[
    "Attribute",
    "AttributeName",
    "AttributeNames",
    "Attributes",
    "Tag",
    "Tags",
    "tags",
    "TagKey",
    "Name",
    "Key",
    "Value",
    "MessageAttribute",
    "MessageSystemAttribute",
    "MessageAttributeName",
    "MessageSystemAttributeName",
    "StringValue",
    "BinaryValue",
    "StringListValue",
    "BinaryListValue",
    "DataType",
    "SendMessageBatchRequestEntry",
    "DeleteMessageBatchRequestEntry",
    "ChangeMessageVisibilityBatchRequestEntry",
    "Id",
    "MessageBody",
    "ReceiptHandle",
    "QueueUrl",
    "QueueName",
    "AWSAccountId",
    "ActionName",
    "1",
    "2",
    "3",
    "0",
    "01",
    "10000",
    "10001",
    "99999999999999999999",
    "-1",
    "x",
    "",
    "\u{0}",
    "é",
    "😀",
    "..",
];

fn random_text(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len)
        .map(|_| match rng.below(4) {
            0 => char::from(b'0' + rng.below(10) as u8),
            1 => ['.', '&', '=', '%', '+', '\r', '\n', '<'][rng.below(8)],
            2 => char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{FFFD}'),
            _ => char::from(b'a' + rng.below(26) as u8),
        })
        .collect()
}

fn random_name(rng: &mut Rng) -> String {
    let count = 1 + rng.below(8);
    let mut segments = Vec::with_capacity(count);
    for _ in 0..count {
        if rng.below(5) == 0 {
            segments.push(random_text(rng));
        } else {
            segments.push(rng.pick(SEGMENTS).to_owned());
        }
    }
    segments.join(".")
}

#[test]
fn decode_never_panics_on_arbitrary_parameters() {
    let actions: Vec<&str> = sluice_query::known_actions().collect();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut decoded = 0;
    let mut malformed = 0;
    for _ in 0..20_000 {
        let action = rng.pick(&actions);
        let count = rng.below(10);
        let params: Vec<(String, String)> = (0..count)
            .map(|_| {
                let value = if rng.below(4) == 0 {
                    String::new()
                } else {
                    random_text(&mut rng)
                };
                (random_name(&mut rng), value)
            })
            .collect();
        match decode_input(action, &params) {
            Ok(value) => {
                assert!(value.is_object());
                decoded += 1;
            }
            Err(QueryError::Malformed(_)) => malformed += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    // Both outcomes are exercised, so the generator reaches the tables.
    assert!(decoded > 1_000, "{decoded}");
    assert!(malformed > 1_000, "{malformed}");
}

#[test]
fn parse_form_never_panics_on_arbitrary_bytes() {
    let mut rng = Rng(0xF0F0_0F0F_1357_2468);
    for _ in 0..5_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.below(3) {
                0 => b"%&=+.1A"[rng.below(7)],
                _ => rng.next() as u8,
            })
            .collect();
        let params = parse_form(&bytes);
        let _ = decode_input("SendMessageBatch", &params);
    }
}
