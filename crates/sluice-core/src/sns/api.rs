//! SNS operation shapes, named as the Query protocol names their members. Maps arrive
//! as ordered pairs, so a duplicated key can still be told apart.

/// One tag as the API carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct CreateTopicInput {
    pub name: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub tags: Vec<Tag>,
    pub data_protection_policy: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SubscribeInput {
    pub topic_arn: Option<String>,
    pub protocol: Option<String>,
    pub endpoint: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub return_subscription_arn: bool,
}

/// A subscription as the list actions show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub subscription_arn: String,
    pub owner: String,
    pub protocol: String,
    pub endpoint: String,
    pub topic_arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTopicsOutput {
    pub topic_arns: Vec<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSubscriptionsOutput {
    pub subscriptions: Vec<SubscriptionSummary>,
    pub next_token: Option<String>,
}

/// One message attribute of a Publish: its data type and its value (`string_value` for
/// String, Number and String.Array; `binary_value` for Binary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishAttribute {
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    pub topic_arn: Option<String>,
    pub target_arn: Option<String>,
    pub phone_number: Option<String>,
    pub message: Option<String>,
    pub subject: Option<String>,
    pub message_structure: Option<String>,
    /// In the order the request gave them.
    pub message_attributes: Vec<(String, PublishAttribute)>,
    pub message_group_id: Option<String>,
    pub message_deduplication_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOutput {
    pub message_id: String,
    pub sequence_number: Option<String>,
}

/// One entry of a PublishBatch: its Id and the same members as a Publish (its topic is
/// the batch's).
#[derive(Debug, Clone, Default)]
pub struct PublishBatchEntry {
    pub id: String,
    pub message: Option<String>,
    pub subject: Option<String>,
    pub message_structure: Option<String>,
    pub message_attributes: Vec<(String, PublishAttribute)>,
    pub message_group_id: Option<String>,
    pub message_deduplication_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishBatchSuccess {
    pub id: String,
    pub message_id: String,
    /// FIFO topics only.
    pub sequence_number: Option<String>,
}

/// An entry that was not published, with the error a Publish of it would have had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishBatchFailure {
    pub id: String,
    pub error: super::error::SnsError,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishBatchOutput {
    pub successful: Vec<PublishBatchSuccess>,
    pub failed: Vec<PublishBatchFailure>,
}
