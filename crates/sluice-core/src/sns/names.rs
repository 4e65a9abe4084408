//! Topic names and the ARNs of topics and subscriptions: `arn:aws:sns:REGION:ACCOUNT:NAME`
//! and `TOPICARN:UUID`, checked as AWS checks them.

use serde::{Deserialize, Serialize};

use super::error::{SnsError, SnsResult};
use super::limits::{FIFO_TOPIC_SUFFIX, TOPIC_NAME_MAX_CHARS, TOPIC_NAME_MIN_CHARS};

/// An ARN has at least this many `:`-separated elements.
pub const ARN_MIN_ELEMENTS: usize = 6;

/// A topic's identity: its region, account and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicKey {
    pub region: String,
    pub account_id: String,
    pub name: String,
}

impl TopicKey {
    pub fn new(region: &str, account_id: &str, name: &str) -> Self {
        Self {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account_id, self.name
        )
    }

    pub fn is_fifo(&self) -> bool {
        self.name.ends_with(FIFO_TOPIC_SUFFIX)
    }

    /// A new subscription's ARN: the topic's ARN and a fresh UUID.
    pub fn new_subscription_arn(&self) -> String {
        format!("{}:{}", self.arn(), uuid::Uuid::new_v4())
    }
}

/// Whether `name` is a valid topic name: a FIFO name must end with `.fifo`, and the rest
/// is ASCII letters, digits, `-` and `_`, the whole 1 to 256 characters.
pub fn valid_topic_name(name: &str, fifo: bool) -> bool {
    let stem = if fifo {
        match name.strip_suffix(FIFO_TOPIC_SUFFIX) {
            Some(stem) if !stem.is_empty() => stem,
            _ => return false,
        }
    } else {
        name
    };
    (TOPIC_NAME_MIN_CHARS..=TOPIC_NAME_MAX_CHARS).contains(&name.len())
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The elements of an ARN, or AWS's error naming `member` when it has fewer than six.
fn arn_elements<'a>(arn: &'a str, member: &str) -> SnsResult<Vec<&'a str>> {
    let elements: Vec<&str> = arn.split(':').collect();
    if elements.len() < ARN_MIN_ELEMENTS {
        return Err(SnsError::invalid_parameter(format!(
            "{member} Reason: An ARN must have at least {ARN_MIN_ELEMENTS} elements, not {}",
            elements.len()
        )));
    }
    Ok(elements)
}

/// The topic a topic ARN names (`member` is the parameter it came in, for errors).
pub fn parse_topic_arn(arn: &str, member: &str) -> SnsResult<TopicKey> {
    let e = arn_elements(arn, member)?;
    if e[0] != "arn" || e[2] != "sns" || e[3].is_empty() || e[4].is_empty() {
        return Err(SnsError::invalid_parameter(member));
    }
    let name = e[5..].join(":");
    if !valid_topic_name(&name, name.ends_with(FIFO_TOPIC_SUFFIX)) {
        return Err(SnsError::invalid_parameter("Topic Name"));
    }
    Ok(TopicKey::new(e[3], e[4], &name))
}

/// The topic a subscription ARN belongs to: every element but the last, which is a
/// UUID. An SNS ARN without one (a topic's ARN) or with something else in its place has
/// no valid subscription id: AWS's recorded "Invalid parameter: SubscriptionId".
pub fn parse_subscription_arn(arn: &str, member: &str) -> SnsResult<TopicKey> {
    let e = arn_elements(arn, member)?;
    if e[0] != "arn" || e[2] != "sns" || e.len() > ARN_MIN_ELEMENTS + 1 {
        return Err(SnsError::invalid_parameter(member));
    }
    let id_ok = e.len() == ARN_MIN_ELEMENTS + 1 && uuid::Uuid::parse_str(e[6]).is_ok();
    if !id_ok {
        return Err(SnsError::invalid_parameter("SubscriptionId"));
    }
    let (topic_arn, _) = arn.rsplit_once(':').expect("seven elements");
    parse_topic_arn(topic_arn, member)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_aws_rules() {
        assert!(valid_topic_name("orders", false));
        assert!(valid_topic_name("A-b_9", false));
        assert!(valid_topic_name(&"x".repeat(256), false));
        assert!(!valid_topic_name(&"x".repeat(257), false));
        assert!(!valid_topic_name("", false));
        assert!(!valid_topic_name("has.dot", false));
        assert!(!valid_topic_name("orders.fifo", false));
        assert!(valid_topic_name("orders.fifo", true));
        assert!(!valid_topic_name(".fifo", true));
        assert!(!valid_topic_name("orders", true));
        assert!(valid_topic_name(&format!("{}.fifo", "x".repeat(251)), true));
        assert!(!valid_topic_name(
            &format!("{}.fifo", "x".repeat(252)),
            true
        ));
    }

    #[test]
    fn topic_arns_round_trip_and_fail_with_aws_words() {
        let key = TopicKey::new("us-east-1", "111111111111", "t");
        assert_eq!(key.arn(), "arn:aws:sns:us-east-1:111111111111:t");
        assert_eq!(parse_topic_arn(&key.arn(), "TopicArn").unwrap(), key);
        let e = parse_topic_arn("nope", "TopicArn").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
        );
        let e = parse_topic_arn("arn:aws:sqs:us-east-1:111111111111:q", "TopicArn").unwrap_err();
        assert_eq!(e.message, "Invalid parameter: TopicArn");
        let sub = format!("{}:{}", key.arn(), "0b5f");
        let e = parse_topic_arn(&sub, "TopicArn").unwrap_err();
        assert_eq!(e.message, "Invalid parameter: Topic Name");
    }

    #[test]
    fn subscription_arns_name_their_topic() {
        let key = TopicKey::new("us-east-1", "111111111111", "t.fifo");
        let arn = key.new_subscription_arn();
        assert!(arn.starts_with("arn:aws:sns:us-east-1:111111111111:t.fifo:"));
        assert_eq!(
            parse_subscription_arn(&arn, "SubscriptionArn").unwrap(),
            key
        );
        assert_eq!(
            parse_subscription_arn(&key.arn(), "SubscriptionArn")
                .unwrap_err()
                .message,
            "Invalid parameter: SubscriptionId"
        );
        let e = parse_subscription_arn(&format!("{}:nope", key.arn()), "SubscriptionArn");
        assert_eq!(e.unwrap_err().message, "Invalid parameter: SubscriptionId");
        let e = parse_subscription_arn("arn:aws:sqs:us-east-1:1:q:x", "SubscriptionArn");
        assert_eq!(e.unwrap_err().message, "Invalid parameter: SubscriptionArn");
        let e = parse_subscription_arn("a:b", "SubscriptionArn").unwrap_err();
        assert!(
            e.message.ends_with("at least 6 elements, not 2"),
            "{}",
            e.message
        );
    }
}
