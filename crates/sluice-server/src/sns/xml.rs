//! SNS's XML replies, in the `http://sns.amazonaws.com/doc/2010-03-31/` namespace with
//! AWS's element names and order: `<{Action}Response><{Action}Result>…</…Result>
//! <ResponseMetadata><RequestId>…`, or no Result element for actions without output.

use std::collections::BTreeMap;

use sluice_core::sns::api::{
    ListSubscriptionsOutput, ListTopicsOutput, PublishBatchOutput, PublishOutput, Tag,
};
use sluice_query::push_text;

pub const NAMESPACE: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A reply with a Result element holding what `result` writes.
pub fn document(action: &str, request_id: &str, result: impl FnOnce(&mut String)) -> String {
    let mut out = format!("<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>");
    result(&mut out);
    out.push_str(&format!("</{action}Result>"));
    metadata(&mut out, action, request_id);
    out
}

/// A reply for an action with no output: only the response metadata.
pub fn empty(action: &str, request_id: &str) -> String {
    let mut out = format!("<{action}Response xmlns=\"{NAMESPACE}\">");
    metadata(&mut out, action, request_id);
    out
}

fn metadata(out: &mut String, action: &str, request_id: &str) {
    out.push_str("<ResponseMetadata>");
    element(out, "RequestId", request_id);
    out.push_str(&format!("</ResponseMetadata></{action}Response>"));
}

pub fn single(action: &str, request_id: &str, name: &str, value: &str) -> String {
    document(action, request_id, |xml| element(xml, name, value))
}

/// Publish's result: MessageId, and SequenceNumber for a FIFO topic.
pub fn publish(out: &PublishOutput, request_id: &str) -> String {
    document("Publish", request_id, |xml| {
        element(xml, "MessageId", &out.message_id);
        if let Some(sequence_number) = &out.sequence_number {
            element(xml, "SequenceNumber", sequence_number);
        }
    })
}

pub fn attributes(action: &str, request_id: &str, map: &BTreeMap<String, String>) -> String {
    map_document(action, request_id, "Attributes", map)
}

/// A Result holding one map member named `member` (`Attributes`, GetSMSAttributes'
/// lower-case `attributes`).
pub fn map_document(
    action: &str,
    request_id: &str,
    member: &str,
    map: &BTreeMap<String, String>,
) -> String {
    document(action, request_id, |xml| {
        xml.push_str(&format!("<{member}>"));
        for (k, v) in map {
            xml.push_str("<entry>");
            element(xml, "key", k);
            element(xml, "value", v);
            xml.push_str("</entry>");
        }
        xml.push_str(&format!("</{member}>"));
    })
}

/// A Result holding one list member with no items: what the list actions of the
/// features Sluice lacks answer.
pub fn empty_list(action: &str, request_id: &str, member: &str) -> String {
    document(action, request_id, |xml| {
        xml.push_str(&format!("<{member}></{member}>"));
    })
}

pub fn list_topics(out: &ListTopicsOutput, request_id: &str) -> String {
    document("ListTopics", request_id, |xml| {
        xml.push_str("<Topics>");
        for arn in &out.topic_arns {
            xml.push_str("<member>");
            element(xml, "TopicArn", arn);
            xml.push_str("</member>");
        }
        xml.push_str("</Topics>");
        if let Some(token) = &out.next_token {
            element(xml, "NextToken", token);
        }
    })
}

pub fn list_subscriptions(action: &str, out: &ListSubscriptionsOutput, request_id: &str) -> String {
    document(action, request_id, |xml| {
        xml.push_str("<Subscriptions>");
        for s in &out.subscriptions {
            xml.push_str("<member>");
            element(xml, "SubscriptionArn", &s.subscription_arn);
            element(xml, "Owner", &s.owner);
            element(xml, "Protocol", &s.protocol);
            element(xml, "Endpoint", &s.endpoint);
            element(xml, "TopicArn", &s.topic_arn);
            xml.push_str("</member>");
        }
        xml.push_str("</Subscriptions>");
        if let Some(token) = &out.next_token {
            element(xml, "NextToken", token);
        }
    })
}

pub fn tags(tags: &[Tag], request_id: &str) -> String {
    document("ListTagsForResource", request_id, |xml| {
        xml.push_str("<Tags>");
        for t in tags {
            xml.push_str("<member>");
            element(xml, "Key", &t.key);
            element(xml, "Value", &t.value);
            xml.push_str("</member>");
        }
        xml.push_str("</Tags>");
    })
}

/// PublishBatch's result: `Successful` (Id, MessageId, SequenceNumber) and `Failed` (Id, Code, Message,
/// SenderFault) members, each failure coded through the service's error table.
pub fn publish_batch(out: &PublishBatchOutput, request_id: &str) -> String {
    document("PublishBatch", request_id, |xml| {
        xml.push_str("<Successful>");
        for ok in &out.successful {
            xml.push_str("<member>");
            element(xml, "Id", &ok.id);
            element(xml, "MessageId", &ok.message_id);
            if let Some(sequence_number) = &ok.sequence_number {
                element(xml, "SequenceNumber", sequence_number);
            }
            xml.push_str("</member>");
        }
        xml.push_str("</Successful><Failed>");
        for failed in &out.failed {
            let wire = super::errors::to_wire(&failed.error);
            xml.push_str("<member>");
            element(xml, "Id", &failed.id);
            element(xml, "Code", wire.code);
            element(xml, "Message", &wire.message);
            element(
                xml,
                "SenderFault",
                if wire.sender_fault { "true" } else { "false" },
            );
            xml.push_str("</member>");
        }
        xml.push_str("</Failed>");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_follow_aws_layout() {
        let xml = single(
            "CreateTopic",
            "rid",
            "TopicArn",
            "arn:aws:sns:us-east-1:1:t&",
        );
        assert_eq!(xml, "<CreateTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:1:t&amp;</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></CreateTopicResponse>");
        assert_eq!(empty("DeleteTopic", "r"), "<DeleteTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteTopicResponse>");
        let map = BTreeMap::from([("Owner".to_owned(), "1".to_owned())]);
        assert!(attributes("GetTopicAttributes", "r", &map)
            .contains("<GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>1</value></entry></Attributes></GetTopicAttributesResult>"));
        let out = ListTopicsOutput {
            topic_arns: vec!["a".into()],
            next_token: Some("n".into()),
        };
        assert!(list_topics(&out, "r").contains(
            "<Topics><member><TopicArn>a</TopicArn></member></Topics><NextToken>n</NextToken>"
        ));
    }
}
