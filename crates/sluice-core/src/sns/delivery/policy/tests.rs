use super::*;

fn policy(
    min: u32,
    max: u32,
    retries: u32,
    no_delay: u32,
    min_delay: u32,
    max_delay: u32,
    f: BackoffFunction,
) -> RetryPolicy {
    RetryPolicy {
        min_delay_target_s: min,
        max_delay_target_s: max,
        num_retries: retries,
        num_no_delay_retries: no_delay,
        num_min_delay_retries: min_delay,
        num_max_delay_retries: max_delay,
        backoff_function: f,
    }
}

#[test]
fn the_default_is_three_retries_twenty_seconds_apart() {
    let p = RetryPolicy::default();
    assert_eq!(p.schedule_s(), [20, 20, 20]);
    assert_eq!(p.delay_before_retry_s(0), None);
    assert_eq!(p.delay_before_retry_s(4), None);
    assert_eq!(
        HttpDeliveryPolicy::effective(None, None),
        HttpDeliveryPolicy::default()
    );
    assert_eq!(
        HttpDeliveryPolicy::default().content_type,
        "text/plain; charset=UTF-8"
    );
}

#[test]
fn every_phase_in_order() {
    use BackoffFunction::*;
    // (policy, expected delays)
    let table: &[(RetryPolicy, &[u32])] = &[
        // Only immediate retries.
        (policy(5, 10, 3, 3, 0, 0, Linear), &[0, 0, 0]),
        // Only pre-backoff.
        (policy(5, 10, 2, 0, 2, 0, Linear), &[5, 5]),
        // Only post-backoff.
        (policy(5, 10, 2, 0, 0, 2, Linear), &[10, 10]),
        // All four phases: 2 immediate, 1 at min, 4 climbing, 2 at max.
        (
            policy(10, 50, 9, 2, 1, 2, Linear),
            &[0, 0, 10, 20, 30, 40, 50, 50, 50],
        ),
        (
            policy(10, 50, 9, 2, 1, 2, Arithmetic),
            &[0, 0, 10, 14, 22, 34, 50, 50, 50],
        ),
        (
            policy(10, 50, 9, 2, 1, 2, Geometric),
            &[0, 0, 10, 15, 22, 33, 50, 50, 50],
        ),
        (
            policy(10, 50, 9, 2, 1, 2, Exponential),
            &[0, 0, 10, 13, 18, 29, 50, 50, 50],
        ),
        // A single backoff retry lands on the maximum.
        (policy(1, 60, 1, 0, 0, 0, Exponential), &[60]),
        // No retries at all.
        (policy(20, 20, 0, 0, 0, 0, Linear), &[]),
    ];
    for (p, expected) in table {
        assert_eq!(p.schedule_s(), *expected, "{p:?}");
        assert_eq!(
            p.total_retry_time_s(),
            expected.iter().map(|&d| u64::from(d)).sum::<u64>()
        );
    }
}

#[test]
fn every_backoff_function_climbs_from_min_to_max() {
    for f in BackoffFunction::ALL {
        let p = policy(1, 300, 10, 0, 0, 0, f);
        let s = p.schedule_s();
        assert_eq!(s.len(), 10, "{f:?}");
        assert_eq!(*s.last().unwrap(), 300, "{f:?}");
        assert!(s[0] >= 1 && s[0] < 300, "{f:?}: {s:?}");
        assert!(s.windows(2).all(|w| w[0] <= w[1]), "{f:?}: {s:?}");
        assert_eq!(BackoffFunction::parse(f.as_str()), Some(f));
    }
    // Linear waits longest at first; the others start lower.
    let first = |f| policy(1, 300, 10, 0, 0, 0, f).schedule_s()[0];
    for f in [
        BackoffFunction::Arithmetic,
        BackoffFunction::Geometric,
        BackoffFunction::Exponential,
    ] {
        assert!(first(f) < first(BackoffFunction::Linear), "{f:?}");
    }
}

#[test]
fn topic_and_subscription_policies_merge() {
    let topic = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":5,"numRetries":4,"backoffFunction":"exponential"},"defaultThrottlePolicy":{"maxReceivesPerSecond":7},"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#;
    let subscription = r#"{"healthyRetryPolicy":{"minDelayTarget":2,"maxDelayTarget":2,"numRetries":1},"requestPolicy":{"headerContentType":"text/xml"}}"#;
    let only_topic = HttpDeliveryPolicy::effective(Some(topic), None);
    assert_eq!(only_topic.retry.num_retries, 4);
    assert_eq!(
        only_topic.retry.backoff_function,
        BackoffFunction::Exponential
    );
    assert_eq!(only_topic.max_receives_per_second, Some(7));
    assert_eq!(only_topic.content_type, "application/json");
    let both = HttpDeliveryPolicy::effective(Some(topic), Some(subscription));
    assert_eq!(both.retry.schedule_s(), [2]);
    assert_eq!(both.max_receives_per_second, Some(7), "kept from the topic");
    assert_eq!(both.content_type, "text/xml");
    let locked = topic.replacen(
        "{\"http\":{",
        "{\"http\":{\"disableSubscriptionOverrides\":true,",
        1,
    );
    assert_eq!(
        HttpDeliveryPolicy::effective(Some(&locked), Some(subscription)),
        only_topic
    );
}

#[test]
fn bad_policies_are_refused_with_their_reason() {
    let sub = |body: &str| {
        HttpDeliveryPolicy::check_subscription_policy(body)
            .unwrap_err()
            .0
    };
    let retry = |fields: &str| sub(&format!(r#"{{"healthyRetryPolicy":{{{fields}}}}}"#));
    let table: &[(&str, &str)] = &[
        (
            r#""numRetries":101"#,
            "DeliveryPolicy: healthyRetryPolicy.numRetries must be in range [0, 100]",
        ),
        (
            r#""minDelayTarget":0"#,
            "DeliveryPolicy: healthyRetryPolicy.minDelayTarget must be in range [1, 3600]",
        ),
        (
            r#""minDelayTarget":5,"maxDelayTarget":3601"#,
            "DeliveryPolicy: healthyRetryPolicy.maxDelayTarget must be in range [1, 3600]",
        ),
        (
            r#""minDelayTarget":30,"maxDelayTarget":10"#,
            "DeliveryPolicy: healthyRetryPolicy.minDelayTarget must be less than or equal to maxDelayTarget",
        ),
        (
            r#""numRetries":2,"numNoDelayRetries":2,"numMaxDelayRetries":1"#,
            "DeliveryPolicy: healthyRetryPolicy.numRetries must be greater than or equal to numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries",
        ),
        (
            r#""backoffFunction":"cubic""#,
            "DeliveryPolicy: healthyRetryPolicy.backoffFunction must be one of linear, arithmetic, geometric, exponential",
        ),
        (
            r#""numRetries":-1"#,
            "DeliveryPolicy: healthyRetryPolicy.numRetries must be a non-negative integer",
        ),
        (
            r#""minDelayTarget":100,"maxDelayTarget":100,"numRetries":37"#,
            "DeliveryPolicy: the total retry time of healthyRetryPolicy must not exceed 3600 seconds",
        ),
    ];
    for (fields, expected) in table {
        assert_eq!(retry(fields), *expected, "{fields}");
    }
    assert_eq!(sub("[1]"), "DeliveryPolicy: failed to parse JSON.");
    assert_eq!(
        sub(r#"{"throttlePolicy":{"maxReceivesPerSecond":0}}"#),
        "DeliveryPolicy: throttlePolicy.maxReceivesPerSecond must be at least 1"
    );
    assert!(sub(r#"{"requestPolicy":{"headerContentType":"image/png"}}"#)
        .starts_with("DeliveryPolicy: requestPolicy.headerContentType must be one of text/plain; charset=UTF-8,"));
    assert_eq!(
        HttpDeliveryPolicy::check_topic_policy(
            r#"{"http":{"disableSubscriptionOverrides":"yes"}}"#
        )
        .unwrap_err()
        .0,
        "DeliveryPolicy: http.disableSubscriptionOverrides must be a boolean"
    );
    assert_eq!(
        HttpDeliveryPolicy::check_topic_policy(
            r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":101}}}"#
        )
        .unwrap_err()
        .0,
        "DeliveryPolicy: http.defaultHealthyRetryPolicy.numRetries must be in range [0, 100]"
    );
    // 36 retries 100 seconds apart is exactly the hour: allowed.
    HttpDeliveryPolicy::check_subscription_policy(
        r#"{"healthyRetryPolicy":{"minDelayTarget":100,"maxDelayTarget":100,"numRetries":36}}"#,
    )
    .unwrap();
    // The documented example topic policy.
    HttpDeliveryPolicy::check_topic_policy(
        &crate::sns::topic_attributes::default_effective_delivery_policy(),
    )
    .unwrap();
}

#[test]
fn policies_are_reported_as_aws_reports_them() {
    // A topic without a policy reports AWS's defaults, byte for byte.
    assert_eq!(
        HttpDeliveryPolicy::topic_effective_json(None),
        crate::sns::topic_attributes::default_effective_delivery_policy()
    );
    // A topic that sets only its content type (recorded from AWS).
    let topic = r#"{"http":{"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#;
    let expected: Value = serde_json::from_str(r#"{"http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0, "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}, "disableSubscriptionOverrides": false, "defaultRequestPolicy": {"headerContentType": "application/json"}}}"#).unwrap();
    let got: Value =
        serde_json::from_str(&HttpDeliveryPolicy::topic_effective_json(Some(topic))).unwrap();
    assert_eq!(got, expected);
    // A subscription's policy and effective policy under that topic (recorded from AWS).
    let subscription = r#"{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":0},"throttlePolicy":{"maxReceivesPerSecond":1000}}"#;
    let reported: Value =
        serde_json::from_str(&HttpDeliveryPolicy::subscription_policy_json(subscription)).unwrap();
    let expected: Value = serde_json::from_str(r#"{"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 0, "numMaxDelayRetries": 0, "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}, "sicklyRetryPolicy": null, "throttlePolicy": {"maxReceivesPerSecond": 1000}, "requestPolicy": null, "guaranteed": false}"#).unwrap();
    assert_eq!(reported, expected);
    let effective: Value = serde_json::from_str(&HttpDeliveryPolicy::subscription_effective_json(
        Some(topic),
        Some(subscription),
    ))
    .unwrap();
    assert_eq!(
        effective["requestPolicy"]["headerContentType"],
        "application/json"
    );
    assert_eq!(
        effective["healthyRetryPolicy"],
        expected["healthyRetryPolicy"]
    );
    assert_eq!(effective["throttlePolicy"], expected["throttlePolicy"]);
    // One that sets only its content type: the retry policy is the default.
    let csv = r#"{"requestPolicy":{"headerContentType":"text/csv"}}"#;
    let effective: Value = serde_json::from_str(&HttpDeliveryPolicy::subscription_effective_json(
        None,
        Some(csv),
    ))
    .unwrap();
    let expected: Value = serde_json::from_str(r#"{"healthyRetryPolicy": {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0, "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}, "sicklyRetryPolicy": null, "throttlePolicy": null, "requestPolicy": {"headerContentType": "text/csv"}, "guaranteed": false}"#).unwrap();
    assert_eq!(effective, expected);
}

#[test]
fn the_fuzz_body_holds_on_seeds_and_noise() {
    let seeds: &[&str] = &[
        r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":100,"minDelayTarget":1,"maxDelayTarget":36,"backoffFunction":"geometric"}}}"#,
        r#"{"healthyRetryPolicy":{"numRetries":10,"numNoDelayRetries":3,"numMinDelayRetries":3,"numMaxDelayRetries":4}}"#,
        r#"{"throttlePolicy":{"maxReceivesPerSecond":1},"requestPolicy":{"headerContentType":"application/xml"}}"#,
        r#"{"healthyRetryPolicy":{"numRetries":4294967295}}"#,
        r#"{"healthyRetryPolicy":{"minDelayTarget":1.5}}"#,
        "{",
        "",
    ];
    for seed in seeds {
        for selector in [0u8, 1] {
            let mut data = vec![selector];
            data.extend_from_slice(seed.as_bytes());
            fuzz_one(&data);
        }
    }
    // Deterministic noise around the seeds.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let seed = seeds[(state % seeds.len() as u64) as usize].as_bytes();
        let mut data = vec![(state >> 8) as u8];
        data.extend_from_slice(seed);
        if !data.is_empty() {
            let at = (state >> 16) as usize % data.len();
            data[at] = (state >> 24) as u8;
        }
        fuzz_one(&data);
    }
}
