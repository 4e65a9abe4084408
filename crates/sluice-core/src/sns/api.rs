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
