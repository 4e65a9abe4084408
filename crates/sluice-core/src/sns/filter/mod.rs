//! SNS subscription filter policies: parse and validate a policy as AWS does, then decide
//! whether a published message is delivered to the subscription.
//!
//! - `limits.rs`: every AWS limit on a policy, named once.
//! - `error.rs`: AWS's `InvalidParameter` error and its message prefixes.
//! - `parse.rs`: policy JSON -> `$or`-expanded conditions, with AWS's validation.
//! - `pattern.rs`: one match value (`prefix`, `numeric`, `cidr`, ...) against one value.
//! - `eval.rs`: a whole policy against message attributes or a JSON body.
//!
//! Pure: no HTTP, no storage, no clock. The wire layer decodes `FilterPolicy` and
//! `FilterPolicyScope`, calls [`FilterPolicy::parse`], and keeps the policy; publishing calls
//! [`FilterPolicy::matches`] per subscription. An empty `FilterPolicy` attribute value means
//! "remove the policy" and is the caller's to handle; it is not a policy.

mod cache;
mod error;
mod eval;
mod json;
pub mod limits;
mod parse;
mod pattern;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use cache::{FilterCache, FILTER_CACHE_MAX_ENTRIES};
pub use error::{FilterPolicyError, PolicyCall, INVALID_PARAMETER_CODE};

/// What a policy is matched against: the `FilterPolicyScope` subscription attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterScope {
    #[default]
    MessageAttributes,
    MessageBody,
}

impl FilterScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterScope::MessageAttributes => "MessageAttributes",
            FilterScope::MessageBody => "MessageBody",
        }
    }

    /// Reads the `FilterPolicyScope` attribute value, with AWS's error for anything else.
    pub fn parse(text: &str) -> Result<Self, FilterPolicyError> {
        match text {
            "MessageAttributes" => Ok(FilterScope::MessageAttributes),
            "MessageBody" => Ok(FilterScope::MessageBody),
            other => Err(FilterPolicyError::bare(format!(
                "FilterPolicyScope: Invalid value [{other}]. Please use either MessageBody or MessageAttributes"
            ))),
        }
    }
}

/// A published message attribute as filtering sees it: its data type (`String`, `Number`,
/// `String.Array`, `Binary`, optionally with a custom `.label`) and its string value
/// (`None` for Binary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    pub data_type: String,
    pub string_value: Option<String>,
}

impl AttributeValue {
    pub fn new(data_type: &str, string_value: &str) -> Self {
        Self {
            data_type: data_type.to_owned(),
            string_value: Some(string_value.to_owned()),
        }
    }

    pub fn string(value: &str) -> Self {
        Self::new("String", value)
    }

    pub fn number(value: &str) -> Self {
        Self::new("Number", value)
    }

    /// `value` is the attribute's JSON array text, as published.
    pub fn string_array(value: &str) -> Self {
        Self::new("String.Array", value)
    }

    pub fn binary() -> Self {
        Self {
            data_type: "Binary".to_owned(),
            string_value: None,
        }
    }
}

/// A validated filter policy, ready to match messages.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPolicy {
    scope: FilterScope,
    branches: Vec<parse::Branch>,
}

impl FilterPolicy {
    /// Parses and validates `text` for `scope`, failing with AWS's `InvalidParameter` text.
    pub fn parse(text: &str, scope: FilterScope) -> Result<Self, FilterPolicyError> {
        Ok(Self {
            scope,
            branches: parse::parse(text, scope)?,
        })
    }

    pub fn scope(&self) -> FilterScope {
        self.scope
    }

    /// Whether a message with these attributes passes (for `MessageAttributes` scope).
    pub fn matches_attributes(&self, attrs: &BTreeMap<String, AttributeValue>) -> bool {
        self.accepts_everything() || eval::matches_attributes(&self.branches, attrs)
    }

    /// Whether a message with this body passes (for `MessageBody` scope). A body that is
    /// not a JSON object matches nothing, unless the policy has no conditions at all.
    pub fn matches_body(&self, body: &str) -> bool {
        self.accepts_everything() || eval::matches_body(&self.branches, body)
    }

    /// Matches the part of the message this policy's scope names.
    pub fn matches(&self, attrs: &BTreeMap<String, AttributeValue>, body: &str) -> bool {
        match self.scope {
            FilterScope::MessageAttributes => self.matches_attributes(attrs),
            FilterScope::MessageBody => self.matches_body(body),
        }
    }

    /// `{}` (or only empty nested objects) has no condition to fail.
    fn accepts_everything(&self) -> bool {
        self.branches.iter().any(Vec::is_empty)
    }
}

/// The body of the `sns_filter` fuzz target, here so the stable test suite runs it too: the
/// first byte picks the scope, the rest splits at the first NUL into a policy and a message
/// (used as a body and as attributes). Nothing may panic, and an accepted policy must be
/// within AWS's limits.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let scope = if selector & 1 == 0 {
        FilterScope::MessageAttributes
    } else {
        FilterScope::MessageBody
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let policy_text = String::from_utf8_lossy(&rest[..split]);
    let message = String::from_utf8_lossy(rest.get(split + 1..).unwrap_or_default());
    let Ok(policy) = FilterPolicy::parse(&policy_text, scope) else {
        return;
    };
    assert!(policy_text.len() <= limits::FILTER_POLICY_MAX_BYTES);
    assert!(policy.branches.len() as u64 <= limits::FILTER_POLICY_MAX_COMBINATIONS);
    policy.matches_body(&message);
    let mut attrs = BTreeMap::new();
    for (i, data_type) in ["String", "Number", "String.Array", "Binary"]
        .iter()
        .enumerate()
    {
        if let Some(path) = policy
            .branches
            .iter()
            .flatten()
            .nth(i)
            .map(|c| c.path.clone())
        {
            attrs.insert(path, AttributeValue::new(data_type, &message));
        }
    }
    policy.matches_attributes(&attrs);
}
