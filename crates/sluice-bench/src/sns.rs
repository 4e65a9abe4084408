//! The SNS calls the publish scenarios make, in AWS Query (form-encoded requests, XML
//! responses): request bodies written straight into a buffer, and the few response
//! fields needed, found by element name. ARNs and queue URLs are whatever the server
//! answered, never assumed, so servers with other formats work too.

use std::fmt::Write as _;

use crate::sqs::{now_nanos, TIMESTAMP_DIGITS};

/// The API version every SNS Query request names.
pub const API_VERSION: &str = "2010-03-31";
/// The message attribute the fan-out filter policies select on.
pub const FILTER_ATTRIBUTE: &str = "key";

/// Appends `text` form-encoded (RFC 3986 unreserved characters kept, the rest `%XX`).
pub fn form_encode(buf: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => buf.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                buf.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
        }
    }
}

/// A whole Query body from name/value pairs, `Action` and `Version` first.
pub fn form(action: &str, params: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = Vec::new();
    buf.extend_from_slice(b"Action=");
    form_encode(&mut buf, action);
    buf.extend_from_slice(b"&Version=");
    buf.extend_from_slice(API_VERSION.as_bytes());
    for (k, v) in params {
        buf.push(b'&');
        form_encode(&mut buf, k);
        buf.push(b'=');
        form_encode(&mut buf, v);
    }
    buf
}

/// The value of the filter attribute for message number `seq` among `values` values.
pub fn filter_value(seq: u64, values: u64) -> String {
    format!("k{}", seq % values.max(1))
}

/// The filter policy of subscription `index` of `subscriptions`: it accepts half of the
/// attribute's values (`index`, `index + 1`, ... modulo `subscriptions`), so each message
/// matches exactly `subscriptions / 2` subscriptions and every queue gets its share.
pub fn half_filter_policy(index: usize, subscriptions: usize) -> String {
    let n = subscriptions.max(1);
    let values: Vec<String> = (0..n / 2)
        .map(|i| format!("\"{}\"", filter_value(((index + i) % n) as u64, n as u64)))
        .collect();
    format!("{{\"{FILTER_ATTRIBUTE}\":[{}]}}", values.join(","))
}

/// Writes a message: the send timestamp, then `pad` up to `size` bytes (form-safe).
fn write_message(buf: &mut Vec<u8>, size: usize, pad: &[u8]) {
    let _ = write!(
        Writer(buf),
        "{:0width$}",
        now_nanos(),
        width = TIMESTAMP_DIGITS
    );
    buf.extend_from_slice(&pad[..size.saturating_sub(TIMESTAMP_DIGITS)]);
}

/// `fmt::Write` into a byte buffer.
struct Writer<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Writes `PREFIX.entry.1.*` for one String message attribute, when given.
fn write_attribute(buf: &mut Vec<u8>, prefix: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = write!(
            Writer(buf),
            "&{prefix}MessageAttributes.entry.1.Name={FILTER_ATTRIBUTE}\
             &{prefix}MessageAttributes.entry.1.Value.DataType=String\
             &{prefix}MessageAttributes.entry.1.Value.StringValue={value}"
        );
    }
}

/// `Publish` body. `topic_form` is the topic ARN, form-encoded; `value` the filter
/// attribute's value (form-safe), if the message carries one.
pub fn publish(buf: &mut Vec<u8>, topic_form: &str, size: usize, pad: &[u8], value: Option<&str>) {
    buf.clear();
    let _ = write!(
        Writer(buf),
        "Action=Publish&Version={API_VERSION}&TopicArn={topic_form}&Message="
    );
    write_message(buf, size, pad);
    write_attribute(buf, "", value);
}

/// `PublishBatch` body with one entry per element of `values` (`None`: no attribute).
pub fn publish_batch(
    buf: &mut Vec<u8>,
    topic_form: &str,
    size: usize,
    pad: &[u8],
    values: &[Option<String>],
) {
    buf.clear();
    let _ = write!(
        Writer(buf),
        "Action=PublishBatch&Version={API_VERSION}&TopicArn={topic_form}"
    );
    for (i, value) in values.iter().enumerate() {
        let n = i + 1;
        let prefix = format!("PublishBatchRequestEntries.member.{n}.");
        let _ = write!(Writer(buf), "&{prefix}Id=m{n}&{prefix}Message=");
        write_message(buf, size, pad);
        write_attribute(buf, &prefix, value.as_deref());
    }
}

/// The text of the first `<name>` element of an XML document, entities decoded.
pub fn element(xml: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(xml).ok()?;
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find('<')?;
    Some(unescape(&text[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Counts of a `PublishBatch` response: entries published and the codes of failed ones.
pub fn parse_batch(xml: &[u8]) -> Result<(usize, Vec<String>), String> {
    let text = std::str::from_utf8(xml).map_err(|_| "response is not UTF-8".to_owned())?;
    let section = |name: &str| -> &str {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        text.find(&open)
            .and_then(|s| {
                let body = &text[s + open.len()..];
                body.find(&close).map(|e| &body[..e])
            })
            .unwrap_or("")
    };
    if !text.contains("PublishBatchResult") {
        return Err("no PublishBatchResult".to_owned());
    }
    let ok = section("Successful").matches("<MessageId>").count();
    let failed = section("Failed")
        .split("<Code>")
        .skip(1)
        .map(|rest| unescape(rest.split('<').next().unwrap_or("")))
        .collect();
    Ok((ok, failed))
}

/// The error code of a Query error response (`<Code>`), or the HTTP status.
pub fn error_code(status: u16, xml: &[u8]) -> String {
    element(xml, "Code").unwrap_or_else(|| format!("HTTP {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_form_encoded_and_carry_the_attribute() {
        let pad = vec![b'x'; 64];
        let mut topic = Vec::new();
        form_encode(&mut topic, "arn:aws:sns:us-east-1:1:t");
        let topic = String::from_utf8(topic).unwrap();
        assert_eq!(topic, "arn%3Aaws%3Asns%3Aus-east-1%3A1%3At");
        let mut buf = Vec::new();
        publish(&mut buf, &topic, 30, &pad, Some("k3"));
        let text = String::from_utf8(buf.clone()).unwrap();
        assert!(text.starts_with("Action=Publish&Version=2010-03-31&TopicArn=arn%3A"));
        assert!(text.ends_with(
            "xxxxxxxxxx&MessageAttributes.entry.1.Name=key&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=k3"
        ));
        publish_batch(&mut buf, &topic, 20, &pad, &[None, Some("k1".to_owned())]);
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("&PublishBatchRequestEntries.member.1.Id=m1&PublishBatchRequestEntries.member.1.Message="));
        assert!(!text.contains("member.1.MessageAttributes"));
        assert!(text.ends_with("member.2.MessageAttributes.entry.1.Value.StringValue=k1"));
    }

    #[test]
    fn half_policies_match_half_the_subscriptions() {
        assert_eq!(
            half_filter_policy(9, 10),
            r#"{"key":["k9","k0","k1","k2","k3"]}"#
        );
        for seq in 0..10 {
            let value = format!("\"{}\"", filter_value(seq, 10));
            let matching = (0..10)
                .filter(|&i| half_filter_policy(i, 10).contains(&value))
                .count();
            assert_eq!(matching, 5);
        }
    }

    #[test]
    fn responses_yield_fields_batch_counts_and_codes() {
        let xml = br#"<CreateTopicResponse><CreateTopicResult><TopicArn>arn:a&amp;b</TopicArn></CreateTopicResult></CreateTopicResponse>"#;
        assert_eq!(element(xml, "TopicArn").as_deref(), Some("arn:a&b"));
        let batch = br#"<PublishBatchResponse><PublishBatchResult><Successful><member><Id>m1</Id><MessageId>a</MessageId></member><member><Id>m2</Id><MessageId>b</MessageId></member></Successful><Failed><member><Code>InvalidParameter</Code><Id>m3</Id></member></Failed></PublishBatchResult></PublishBatchResponse>"#;
        assert_eq!(
            parse_batch(batch).unwrap(),
            (2, vec!["InvalidParameter".to_owned()])
        );
        let empty_failed = br#"<PublishBatchResponse><PublishBatchResult><Failed/><Successful><member><MessageId>a</MessageId></member></Successful></PublishBatchResult></PublishBatchResponse>"#;
        assert_eq!(parse_batch(empty_failed).unwrap(), (1, vec![]));
        let err = br#"<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code></Error></ErrorResponse>"#;
        assert_eq!(error_code(404, err), "NotFound");
        assert_eq!(error_code(500, b"oops"), "HTTP 500");
    }
}
