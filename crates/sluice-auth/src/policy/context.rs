//! The request's condition context: the values a policy's Condition block is tested
//! against (aws:SourceArn, aws:SourceIp, aws:CurrentTime, ...). Keys are looked up
//! without regard to case, as IAM does; a key may carry several values (multivalued keys
//! such as aws:TagKeys), which is what ForAnyValue/ForAllValues range over.

use std::collections::BTreeMap;

/// Well-known global condition keys, spelled as AWS documents them.
pub mod keys {
    pub const SOURCE_ARN: &str = "aws:SourceArn";
    pub const SOURCE_ACCOUNT: &str = "aws:SourceAccount";
    pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";
    pub const SOURCE_IP: &str = "aws:SourceIp";
    pub const PRINCIPAL_ARN: &str = "aws:PrincipalArn";
    pub const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";
    pub const CURRENT_TIME: &str = "aws:CurrentTime";
    pub const EPOCH_TIME: &str = "aws:EpochTime";
}

/// Condition values of one request. Built by the caller; the policy code never reads
/// the clock, so aws:CurrentTime and aws:EpochTime come in through [`Self::with_time`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionContext {
    /// Lower-cased key -> values.
    values: BTreeMap<String, Vec<String>>,
}

impl ConditionContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing what it held.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set(key, vec![value.into()]);
        self
    }

    /// Sets a multivalued key, replacing what it held.
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set(key, values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets aws:CurrentTime (ISO 8601, UTC) and aws:EpochTime (seconds) from one reading.
    pub fn with_time(self, now_epoch_ms: i64) -> Self {
        let seconds = now_epoch_ms.div_euclid(1_000);
        self.with(
            keys::CURRENT_TIME,
            super::condition::time::format_iso8601(seconds),
        )
        .with(keys::EPOCH_TIME, seconds.to_string())
    }

    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(key.to_ascii_lowercase(), values);
    }

    /// The values of `key`, or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let ctx = ConditionContext::new().with("aws:SourceArn", "arn:aws:sns:us-east-1:1:t");
        assert_eq!(
            ctx.get("AWS:SOURCEARN"),
            Some(&["arn:aws:sns:us-east-1:1:t".to_owned()][..])
        );
        assert_eq!(ctx.get("aws:SourceAccount"), None);
    }

    #[test]
    fn time_sets_both_keys_from_one_reading() {
        let ctx = ConditionContext::new().with_time(1_700_000_000_123);
        assert_eq!(ctx.get(keys::EPOCH_TIME).unwrap(), ["1700000000"]);
        assert_eq!(
            ctx.get(keys::CURRENT_TIME).unwrap(),
            ["2023-11-14T22:13:20Z"]
        );
    }
}
