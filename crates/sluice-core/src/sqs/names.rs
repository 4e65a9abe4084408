//! Queue identity: names, the key a queue is stored under, and the URLs and ARNs that
//! point at it. A queue lives in one region of one account, as on AWS.

use serde::{Deserialize, Serialize};

use super::error::{SqsError, SqsResult};
use crate::limits::{FIFO_SUFFIX, QUEUE_NAME_MAX_LEN};

/// Where a queue lives and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QueueKey {
    pub region: String,
    pub account_id: String,
    pub name: String,
}

impl QueueKey {
    pub fn new(region: &str, account_id: &str, name: &str) -> Self {
        Self {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sqs:{}:{}:{}",
            self.region, self.account_id, self.name
        )
    }

    /// The queue's URL under a base such as `http://127.0.0.1:9324`.
    pub fn url(&self, base_url: &str) -> String {
        format!(
            "{}/{}/{}",
            base_url.trim_end_matches('/'),
            self.account_id,
            self.name
        )
    }

    pub fn is_fifo_name(&self) -> bool {
        self.name.ends_with(FIFO_SUFFIX)
    }

    /// Parses `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    pub fn from_arn(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (arn_lit, partition, service) = (parts.next()?, parts.next()?, parts.next()?);
        let (region, account, name) = (parts.next()?, parts.next()?, parts.next()?);
        if arn_lit != "arn" || partition.is_empty() || service != "sqs" {
            return None;
        }
        if region.is_empty() || account.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self::new(region, account, name))
    }

    /// Resolves a QueueUrl parameter. AWS accepts the queue's full URL, its path
    /// (`/ACCOUNT/NAME`: the path's last two segments) or its bare name, which names a
    /// queue of the caller's own account and region. A host of the form
    /// `sqs.REGION.amazonaws.com` or `REGION.queue.amazonaws.com` names the region,
    /// otherwise the caller's region applies. `None`: the URL names no queue.
    pub fn from_url(url: &str, caller_region: &str, caller_account: &str) -> Option<Self> {
        let (host, path) = match url.split_once("://") {
            Some((_, rest)) => rest.split_once('/').unwrap_or((rest, "")),
            None => ("", url),
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut segments = path.rsplit('/').filter(|s| !s.is_empty());
        let name = segments.next()?;
        match segments.next() {
            Some(account) if account.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                let region = region_from_host(host).unwrap_or(caller_region);
                Some(Self::new(region, account, name))
            }
            Some(_) => None,
            // A bare name: no scheme, no path.
            None if !url.contains('/') => Some(Self::new(caller_region, caller_account, name)),
            None => None,
        }
    }
}

fn region_from_host(host: &str) -> Option<&str> {
    let host = host.split(':').next().unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        ["sqs", region, "amazonaws", ..] => Some(region),
        [region, "queue", "amazonaws", ..] => Some(region),
        _ => None,
    }
}

/// Checks a queue name against AWS's rules for its kind.
pub fn validate_queue_name(name: &str, fifo: bool) -> SqsResult<()> {
    let stem = if fifo {
        match name.strip_suffix(FIFO_SUFFIX) {
            Some(stem) => stem,
            None => {
                return Err(SqsError::invalid_parameter(
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
                ))
            }
        }
    } else {
        name
    };
    let valid_chars = !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_chars || name.len() > QUEUE_NAME_MAX_LEN {
        let message = if fifo {
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
        } else {
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        };
        return Err(SqsError::invalid_parameter(message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_account_name_and_region() {
        let from = |url| QueueKey::from_url(url, "us-east-1", "000000000000");
        assert_eq!(
            from("http://localhost:9324/000000000000/jobs"),
            Some(QueueKey::new("us-east-1", "000000000000", "jobs"))
        );
        assert_eq!(
            from("https://sqs.eu-west-1.amazonaws.com/123456789012/q1"),
            Some(QueueKey::new("eu-west-1", "123456789012", "q1"))
        );
        assert_eq!(
            from("https://us-west-2.queue.amazonaws.com/123456789012/q1?x=1"),
            Some(QueueKey::new("us-west-2", "123456789012", "q1"))
        );
        assert_eq!(
            from("/123/q2"),
            Some(QueueKey::new("us-east-1", "123", "q2"))
        );
        assert_eq!(
            from("123/q2"),
            Some(QueueKey::new("us-east-1", "123", "q2"))
        );
    }

    #[test]
    fn a_bare_name_is_a_queue_of_the_caller() {
        assert_eq!(
            QueueKey::from_url("jobs", "ap-south-1", "111122223333"),
            Some(QueueKey::new("ap-south-1", "111122223333", "jobs"))
        );
        assert_eq!(
            QueueKey::from_url("jobs.fifo", "us-east-1", "1"),
            Some(QueueKey::new("us-east-1", "1", "jobs.fifo"))
        );
    }

    #[test]
    fn urls_naming_no_queue() {
        for url in [
            "",
            "http://localhost:9324",
            "http://localhost:9324/",
            "http://localhost:9324/jobs",
            "http://localhost:9324/000000000000/",
            "/jobs",
            "/../jobs",
            "/111/open/../secret",
        ] {
            assert_eq!(QueueKey::from_url(url, "us-east-1", "1"), None, "{url}");
        }
    }

    #[test]
    fn arns_round_trip() {
        let key = QueueKey::new("us-west-2", "111122223333", "dlq");
        assert_eq!(QueueKey::from_arn(&key.arn()), Some(key));
        assert!(QueueKey::from_arn("arn:aws:sns:us-east-1:1:t").is_none());
        assert!(QueueKey::from_arn("not-an-arn").is_none());
    }

    #[test]
    fn names_follow_aws_rules() {
        assert!(validate_queue_name("a-b_C9", false).is_ok());
        assert!(validate_queue_name("", false).is_err());
        assert!(validate_queue_name("has space", false).is_err());
        assert!(validate_queue_name(&"x".repeat(81), false).is_err());
        assert!(validate_queue_name(&"x".repeat(80), false).is_ok());
        assert!(validate_queue_name("jobs.fifo", true).is_ok());
        assert!(validate_queue_name("jobs", true).is_err());
        assert!(validate_queue_name("jobs.fifo", false).is_err());
        assert!(validate_queue_name(&format!("{}.fifo", "x".repeat(76)), true).is_err());
    }
}
