//! HTTP/S delivery policies: a topic's `DeliveryPolicy` (`{"http": {...}}`) and a
//! subscription's, parsed and checked as AWS documents them ("Creating an HTTP/S delivery
//! policy"), merged into the policy one subscription is delivered with, and turned into
//! the retry schedule: how long to wait before each retry.
//!
//! A retry policy has four phases, in order: `numNoDelayRetries` retries at once,
//! `numMinDelayRetries` retries `minDelayTarget` apart, the backoff phase (whatever is
//! left of `numRetries`) climbing from `minDelayTarget` to `maxDelayTarget` by the backoff
//! function, and `numMaxDelayRetries` retries `maxDelayTarget` apart. AWS does not
//! publish its backoff formulas; the shapes here are Sluice's own, chosen so that every
//! function starts above `minDelayTarget`, ends exactly at `maxDelayTarget`, and keeps
//! AWS's ordering (arithmetic, geometric and exponential wait less than linear at first).
//! AWS adds jitter to its retries; Sluice does not, so tests can predict every delay.

use serde_json::{Map, Value};

use crate::sns::limits::{
    DEFAULT_HTTP_CONTENT_TYPE, DEFAULT_HTTP_RETRIES, DEFAULT_HTTP_RETRY_DELAY_S,
    HTTP_CONTENT_TYPES, HTTP_DELAY_TARGET_MAX_S, HTTP_DELAY_TARGET_MIN_S, HTTP_RETRIES_MAX,
    HTTP_TOTAL_RETRY_TIME_MAX_S,
};

/// How the backoff phase climbs from `minDelayTarget` to `maxDelayTarget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackoffFunction {
    /// Equal steps.
    #[default]
    Linear,
    /// Steps that grow by the same amount each time.
    Arithmetic,
    /// Each delay the previous one times a constant ratio.
    Geometric,
    /// Steps that double each time.
    Exponential,
}

impl BackoffFunction {
    pub const ALL: [BackoffFunction; 4] = [
        BackoffFunction::Linear,
        BackoffFunction::Arithmetic,
        BackoffFunction::Geometric,
        BackoffFunction::Exponential,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BackoffFunction::Linear => "linear",
            BackoffFunction::Arithmetic => "arithmetic",
            BackoffFunction::Geometric => "geometric",
            BackoffFunction::Exponential => "exponential",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Where delay `step` of `steps` (1-based) lies between the two targets, from just
    /// above 0 to exactly 1.
    fn fraction(self, step: u32, steps: u32) -> f64 {
        let (i, n) = (f64::from(step), f64::from(steps));
        match self {
            BackoffFunction::Linear => i / n,
            BackoffFunction::Arithmetic => (i * (i + 1.0)) / (n * (n + 1.0)),
            // Handled in `RetryPolicy::backoff_delay_s`: a ratio, not a fraction.
            BackoffFunction::Geometric => i / n,
            BackoffFunction::Exponential => (2f64.powf(i) - 1.0) / (2f64.powf(n) - 1.0),
        }
    }
}

/// A healthy retry policy, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub min_delay_target_s: u32,
    pub max_delay_target_s: u32,
    /// Every retry, all four phases together (the first attempt is not a retry).
    pub num_retries: u32,
    pub num_no_delay_retries: u32,
    pub num_min_delay_retries: u32,
    pub num_max_delay_retries: u32,
    pub backoff_function: BackoffFunction,
}

impl Default for RetryPolicy {
    /// AWS's default: three retries, 20 seconds apart.
    fn default() -> Self {
        Self {
            min_delay_target_s: DEFAULT_HTTP_RETRY_DELAY_S,
            max_delay_target_s: DEFAULT_HTTP_RETRY_DELAY_S,
            num_retries: DEFAULT_HTTP_RETRIES,
            num_no_delay_retries: 0,
            num_min_delay_retries: 0,
            num_max_delay_retries: 0,
            backoff_function: BackoffFunction::Linear,
        }
    }
}

impl RetryPolicy {
    /// Retries in the backoff phase: what the other three phases leave of `numRetries`.
    pub fn backoff_retries(&self) -> u32 {
        self.num_retries.saturating_sub(
            self.num_no_delay_retries + self.num_min_delay_retries + self.num_max_delay_retries,
        )
    }

    /// Seconds to wait before retry `retry` (1 is the first retry, after the first
    /// attempt failed); `None` once the policy is exhausted.
    pub fn delay_before_retry_s(&self, retry: u32) -> Option<u32> {
        if retry == 0 || retry > self.num_retries {
            return None;
        }
        let no_delay = self.num_no_delay_retries;
        let pre = no_delay + self.num_min_delay_retries;
        let backoff = pre + self.backoff_retries();
        Some(if retry <= no_delay {
            0
        } else if retry <= pre {
            self.min_delay_target_s
        } else if retry <= backoff {
            self.backoff_delay_s(retry - pre)
        } else {
            self.max_delay_target_s
        })
    }

    /// Delay `step` (1-based) of the backoff phase.
    fn backoff_delay_s(&self, step: u32) -> u32 {
        let steps = self.backoff_retries();
        let (min, max) = (
            f64::from(self.min_delay_target_s),
            f64::from(self.max_delay_target_s),
        );
        let delay = match self.backoff_function {
            BackoffFunction::Geometric if min > 0.0 => {
                min * (max / min).powf(f64::from(step) / f64::from(steps))
            }
            f => min + (max - min) * f.fraction(step, steps),
        };
        (delay.round() as u32).clamp(self.min_delay_target_s, self.max_delay_target_s)
    }

    /// Every retry's delay, in order.
    pub fn schedule_s(&self) -> Vec<u32> {
        (1..=self.num_retries)
            .filter_map(|r| self.delay_before_retry_s(r))
            .collect()
    }

    /// The time all retries take together.
    pub fn total_retry_time_s(&self) -> u64 {
        self.schedule_s().iter().map(|&d| u64::from(d)).sum()
    }
}

/// The policy one HTTP/S subscription is delivered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpDeliveryPolicy {
    pub retry: RetryPolicy,
    /// Deliveries per second to the subscription at most; `None`: no throttle.
    pub max_receives_per_second: Option<u32>,
    /// The `Content-Type` of each POST.
    pub content_type: String,
}

impl Default for HttpDeliveryPolicy {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            max_receives_per_second: None,
            content_type: DEFAULT_HTTP_CONTENT_TYPE.to_owned(),
        }
    }
}

/// Why a delivery policy was refused: the text after AWS's `Invalid parameter: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicyError(pub String);

type Checked<T> = Result<T, DeliveryPolicyError>;

fn refuse<T>(text: impl Into<String>) -> Checked<T> {
    Err(DeliveryPolicyError(format!(
        "DeliveryPolicy: {}",
        text.into()
    )))
}

/// The parts of a policy a topic's `http` object or a subscription's policy sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PolicyParts {
    retry: Option<RetryPolicy>,
    throttle: Option<u32>,
    content_type: Option<String>,
    disable_overrides: bool,
}

impl HttpDeliveryPolicy {
    /// Checks a topic's `DeliveryPolicy`: a JSON object whose `http` member (if any)
    /// holds `defaultHealthyRetryPolicy`, `disableSubscriptionOverrides`,
    /// `defaultThrottlePolicy` and `defaultRequestPolicy`.
    pub fn check_topic_policy(text: &str) -> Checked<()> {
        topic_parts(text).map(|_| ())
    }

    /// Checks a subscription's `DeliveryPolicy`: `healthyRetryPolicy`, `throttlePolicy`,
    /// `requestPolicy`.
    pub fn check_subscription_policy(text: &str) -> Checked<()> {
        subscription_parts(text).map(|_| ())
    }

    /// The policy a subscription is delivered with: AWS's defaults, overridden by the
    /// topic's `http` policy, overridden part by part by the subscription's unless the
    /// topic sets `disableSubscriptionOverrides`. Policies that no longer parse (they
    /// were checked when set) count as unset.
    pub fn effective(topic: Option<&str>, subscription: Option<&str>) -> Self {
        let topic = topic.and_then(|t| topic_parts(t).ok()).unwrap_or_default();
        let subscription = subscription
            .filter(|_| !topic.disable_overrides)
            .and_then(|s| subscription_parts(s).ok())
            .unwrap_or_default();
        let mut policy = Self::default();
        for parts in [topic, subscription] {
            if let Some(retry) = parts.retry {
                policy.retry = retry;
            }
            if let Some(rate) = parts.throttle {
                policy.max_receives_per_second = Some(rate);
            }
            if let Some(content_type) = parts.content_type {
                policy.content_type = content_type;
            }
        }
        policy
    }
}

/// How AWS reports policies: `GetTopicAttributes`' EffectiveDeliveryPolicy, and an HTTP/S
/// subscription's DeliveryPolicy (every part named, unset ones `null`) and
/// EffectiveDeliveryPolicy. Written by hand: AWS's member order is not alphabetical.
impl HttpDeliveryPolicy {
    /// A topic's EffectiveDeliveryPolicy: its `http` policy over AWS's defaults.
    pub fn topic_effective_json(topic: Option<&str>) -> String {
        let parts = topic.and_then(|t| topic_parts(t).ok()).unwrap_or_default();
        let effective = Self::effective(topic, None);
        let throttle = parts
            .throttle
            .map(|rate| format!(r#""defaultThrottlePolicy":{{"maxReceivesPerSecond":{rate}}},"#))
            .unwrap_or_default();
        format!(
            r#"{{"http":{{"defaultHealthyRetryPolicy":{},"disableSubscriptionOverrides":{},{throttle}"defaultRequestPolicy":{}}}}}"#,
            retry_json(&effective.retry),
            parts.disable_overrides,
            request_json(&effective.content_type),
        )
    }

    /// An HTTP/S subscription's DeliveryPolicy as AWS reports it.
    pub fn subscription_policy_json(subscription: &str) -> String {
        let parts = subscription_parts(subscription).unwrap_or_default();
        subscription_json(
            parts.retry.as_ref(),
            parts.throttle,
            parts.content_type.as_deref(),
        )
    }

    /// An HTTP/S subscription's EffectiveDeliveryPolicy: what it is delivered with.
    pub fn subscription_effective_json(topic: Option<&str>, subscription: Option<&str>) -> String {
        let effective = Self::effective(topic, subscription);
        subscription_json(
            Some(&effective.retry),
            effective.max_receives_per_second,
            Some(&effective.content_type),
        )
    }
}

fn retry_json(r: &RetryPolicy) -> String {
    format!(
        concat!(
            r#"{{"minDelayTarget":{},"maxDelayTarget":{},"numRetries":{},"numMaxDelayRetries":{},"#,
            r#""numNoDelayRetries":{},"numMinDelayRetries":{},"backoffFunction":"{}"}}"#
        ),
        r.min_delay_target_s,
        r.max_delay_target_s,
        r.num_retries,
        r.num_max_delay_retries,
        r.num_no_delay_retries,
        r.num_min_delay_retries,
        r.backoff_function.as_str()
    )
}

fn request_json(content_type: &str) -> String {
    format!(
        r#"{{"headerContentType":{}}}"#,
        Value::String(content_type.to_owned())
    )
}

fn subscription_json(
    retry: Option<&RetryPolicy>,
    throttle: Option<u32>,
    content_type: Option<&str>,
) -> String {
    let or_null = |v: Option<String>| v.unwrap_or_else(|| "null".to_owned());
    format!(
        r#"{{"healthyRetryPolicy":{},"sicklyRetryPolicy":null,"throttlePolicy":{},"requestPolicy":{},"guaranteed":false}}"#,
        or_null(retry.map(retry_json)),
        or_null(throttle.map(|rate| format!(r#"{{"maxReceivesPerSecond":{rate}}}"#))),
        or_null(content_type.map(request_json)),
    )
}

fn object(text: &str) -> Checked<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => refuse("failed to parse JSON."),
    }
}

fn member<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Checked<Option<&'a Map<String, Value>>> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => refuse(format!("{path}{name} must be a JSON object")),
    }
}

fn topic_parts(text: &str) -> Checked<PolicyParts> {
    let map = object(text)?;
    let Some(http) = member(&map, "", "http")? else {
        return Ok(PolicyParts::default());
    };
    let disable_overrides = match http.get("disableSubscriptionOverrides") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return refuse("http.disableSubscriptionOverrides must be a boolean"),
    };
    Ok(PolicyParts {
        retry: member(http, "http.", "defaultHealthyRetryPolicy")?
            .map(|r| retry_policy(r, "http.defaultHealthyRetryPolicy."))
            .transpose()?,
        throttle: member(http, "http.", "defaultThrottlePolicy")?
            .map(|t| throttle(t, "http.defaultThrottlePolicy."))
            .transpose()?
            .flatten(),
        content_type: member(http, "http.", "defaultRequestPolicy")?
            .map(|r| content_type(r, "http.defaultRequestPolicy."))
            .transpose()?
            .flatten(),
        disable_overrides,
    })
}

fn subscription_parts(text: &str) -> Checked<PolicyParts> {
    let map = object(text)?;
    Ok(PolicyParts {
        retry: member(&map, "", "healthyRetryPolicy")?
            .map(|r| retry_policy(r, "healthyRetryPolicy."))
            .transpose()?,
        throttle: member(&map, "", "throttlePolicy")?
            .map(|t| throttle(t, "throttlePolicy."))
            .transpose()?
            .flatten(),
        content_type: member(&map, "", "requestPolicy")?
            .map(|r| content_type(r, "requestPolicy."))
            .transpose()?
            .flatten(),
        disable_overrides: false,
    })
}

/// A whole number field, or `None` when absent.
fn count(map: &Map<String, Value>, path: &str, name: &str) -> Checked<Option<u32>> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => refuse(format!("{path}{name} must be a non-negative integer")),
        },
    }
}

fn retry_policy(map: &Map<String, Value>, path: &str) -> Checked<RetryPolicy> {
    let defaults = RetryPolicy::default();
    let min = count(map, path, "minDelayTarget")?.unwrap_or(defaults.min_delay_target_s);
    let max = count(map, path, "maxDelayTarget")?.unwrap_or(defaults.max_delay_target_s);
    let policy = RetryPolicy {
        min_delay_target_s: min,
        max_delay_target_s: max,
        num_retries: count(map, path, "numRetries")?.unwrap_or(defaults.num_retries),
        num_no_delay_retries: count(map, path, "numNoDelayRetries")?.unwrap_or(0),
        num_min_delay_retries: count(map, path, "numMinDelayRetries")?.unwrap_or(0),
        num_max_delay_retries: count(map, path, "numMaxDelayRetries")?.unwrap_or(0),
        backoff_function: match map.get("backoffFunction") {
            None | Some(Value::Null) => BackoffFunction::Linear,
            Some(Value::String(s)) => match BackoffFunction::parse(s) {
                Some(f) => f,
                None => {
                    return refuse(format!(
                        "{path}backoffFunction must be one of linear, arithmetic, geometric, exponential"
                    ))
                }
            },
            Some(_) => {
                return refuse(format!(
                    "{path}backoffFunction must be one of linear, arithmetic, geometric, exponential"
                ))
            }
        },
    };
    if !(HTTP_DELAY_TARGET_MIN_S..=HTTP_DELAY_TARGET_MAX_S).contains(&min) {
        return refuse(format!(
            "{path}minDelayTarget must be in range [{HTTP_DELAY_TARGET_MIN_S}, {HTTP_DELAY_TARGET_MAX_S}]"
        ));
    }
    if max > HTTP_DELAY_TARGET_MAX_S {
        return refuse(format!(
            "{path}maxDelayTarget must be in range [{HTTP_DELAY_TARGET_MIN_S}, {HTTP_DELAY_TARGET_MAX_S}]"
        ));
    }
    if min > max {
        return refuse(format!(
            "{path}minDelayTarget must be less than or equal to maxDelayTarget"
        ));
    }
    if policy.num_retries > HTTP_RETRIES_MAX {
        return refuse(format!(
            "{path}numRetries must be in range [0, {HTTP_RETRIES_MAX}]"
        ));
    }
    let phases = u64::from(policy.num_no_delay_retries)
        + u64::from(policy.num_min_delay_retries)
        + u64::from(policy.num_max_delay_retries);
    if phases > u64::from(policy.num_retries) {
        return refuse(format!(
            "{path}numRetries must be greater than or equal to numNoDelayRetries + \
             numMinDelayRetries + numMaxDelayRetries"
        ));
    }
    if policy.total_retry_time_s() > HTTP_TOTAL_RETRY_TIME_MAX_S {
        return refuse(format!(
            "the total retry time of {} must not exceed {HTTP_TOTAL_RETRY_TIME_MAX_S} seconds",
            path.trim_end_matches('.')
        ));
    }
    Ok(policy)
}

fn throttle(map: &Map<String, Value>, path: &str) -> Checked<Option<u32>> {
    match count(map, path, "maxReceivesPerSecond")? {
        Some(0) => refuse(format!("{path}maxReceivesPerSecond must be at least 1")),
        other => Ok(other),
    }
}

fn content_type(map: &Map<String, Value>, path: &str) -> Checked<Option<String>> {
    match map.get("headerContentType") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if HTTP_CONTENT_TYPES.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(_) => refuse(format!(
            "{path}headerContentType must be one of {}",
            HTTP_CONTENT_TYPES.join(", ")
        )),
    }
}

/// The body of the `sns_delivery_policy` fuzz target, here so the stable test suite runs
/// it too: the first byte picks a topic or a subscription policy, the rest is its text.
/// Nothing may panic, and an accepted policy must be within AWS's bounds and report as
/// JSON.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (accepted, reported) = if selector & 1 == 0 {
        (
            HttpDeliveryPolicy::check_topic_policy(&text).is_ok(),
            HttpDeliveryPolicy::topic_effective_json(Some(&text)),
        )
    } else {
        (
            HttpDeliveryPolicy::check_subscription_policy(&text).is_ok(),
            HttpDeliveryPolicy::subscription_effective_json(None, Some(&text)),
        )
    };
    assert!(
        serde_json::from_str::<Value>(&reported).is_ok(),
        "{reported}"
    );
    if !accepted {
        return;
    }
    let policy = if selector & 1 == 0 {
        HttpDeliveryPolicy::effective(Some(&text), None)
    } else {
        HttpDeliveryPolicy::effective(None, Some(&text))
    };
    let retry = policy.retry;
    assert!(retry.num_retries <= HTTP_RETRIES_MAX);
    assert!(retry.total_retry_time_s() <= HTTP_TOTAL_RETRY_TIME_MAX_S);
    assert_eq!(retry.schedule_s().len() as u32, retry.num_retries);
    assert!(retry
        .schedule_s()
        .iter()
        .all(|&d| d <= retry.max_delay_target_s));
    assert!(policy.max_receives_per_second != Some(0));
}

#[cfg(test)]
mod tests;
