//! Micro-benchmarks of what authentication adds to every request when identities are
//! configured: verifying a header-signed SendMessage (with and without the signing-key
//! cache) and deciding access with a typical queue policy.
//!
//! ```text
//! cargo bench -p sluice-auth --bench auth
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sluice_auth::policy::{
    authorize, keys, Caller, ConditionContext, PolicyDocument, RequestFacts,
};
use sluice_auth::sigv4::{
    sign_headers, verify, verify_cached, Credentials, RequestParts, SigningKeyCache,
};

const NOW_MS: u64 = 1_763_900_000_000;
const KEY: &str = "AKIABENCH0000000001";
const SECRET: &str = "bench-secret-access-key";
const BODY: &[u8] = br#"{"QueueUrl":"http://localhost:9324/111111111111/jobs","MessageBody":"order 17: {\"sku\":\"A-17\",\"qty\":3}"}"#;
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:111111111111:jobs";

/// The headers an SDK sends with an AWS JSON 1.0 SendMessage, before signing.
fn base_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("host", "localhost:9324"),
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", "AmazonSQS.SendMessage"),
        ("content-length", "101"),
    ]
}

fn bench_verify(c: &mut Criterion) {
    let base = base_headers();
    let unsigned = RequestParts {
        method: "POST",
        path: "/",
        query: None,
        headers: &base,
        body: BODY,
    };
    let credentials = Credentials {
        access_key_id: KEY,
        secret_access_key: SECRET,
        session_token: None,
    };
    let signature = sign_headers(&unsigned, &credentials, "us-east-1", "sqs", NOW_MS);
    let mut owned: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    owned.extend(signature.headers.iter().cloned());
    owned.push(("authorization".to_owned(), signature.authorization.clone()));
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = RequestParts {
        headers: &headers,
        ..unsigned
    };
    let secret = |key: &str| (key == KEY).then(|| SECRET.to_owned());
    assert!(verify(&signed, NOW_MS, &["sqs"], secret).is_ok());
    let mut group = c.benchmark_group("sigv4");
    group.bench_function("verify SendMessage", |b| {
        b.iter(|| verify(black_box(&signed), NOW_MS, &["sqs"], secret).unwrap())
    });
    let cache = SigningKeyCache::new();
    group.bench_function("verify SendMessage, cached signing key", |b| {
        b.iter(|| verify_cached(black_box(&signed), NOW_MS, &["sqs"], secret, &cache).unwrap())
    });
    group.finish();
}

fn bench_authorize(c: &mut Criterion) {
    let resource_policy = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Id":"{QUEUE_ARN}/SQSDefaultPolicy","Statement":[
            {{"Sid":"partners","Effect":"Allow","Principal":{{"AWS":["222222222222","arn:aws:iam::333333333333:root"]}},"Action":"SQS:SendMessage","Resource":"{QUEUE_ARN}"}},
            {{"Sid":"tls-only","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"{QUEUE_ARN}","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
    ))
    .expect("valid policy");
    let identity = vec![PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:Send*","sqs:Get*"],"Resource":"arn:aws:sqs:*:111111111111:*"}]}"#,
    )
    .expect("valid policy")];
    let caller = Caller::user("222222222222", "partner");
    let context = ConditionContext::new()
        .with(keys::SECURE_TRANSPORT, "true")
        .with(keys::SOURCE_IP, "127.0.0.1")
        .with_time(NOW_MS as i64);
    let facts = RequestFacts {
        action: "sqs:SendMessage",
        resource: QUEUE_ARN,
        resource_account: "111111111111",
        caller: &caller,
        context: &context,
    };
    assert!(authorize(&identity, Some(&resource_policy), &facts).is_allowed());
    let mut group = c.benchmark_group("policy");
    let policy_text = serde_json::to_string(&serde_json::json!({
        "Version": "2012-10-17",
        "Id": format!("{QUEUE_ARN}/SQSDefaultPolicy"),
        "Statement": [
            {"Sid": "partners", "Effect": "Allow",
             "Principal": {"AWS": ["222222222222", "arn:aws:iam::333333333333:root"]},
             "Action": "SQS:SendMessage", "Resource": QUEUE_ARN},
            {"Sid": "tls-only", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
             "Resource": QUEUE_ARN,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        ]
    }))
    .expect("serialises");
    group.bench_function("parse a two-statement queue policy", |b| {
        b.iter(|| PolicyDocument::parse(black_box(&policy_text)).unwrap())
    });
    group.bench_function("authorize cross-account SendMessage", |b| {
        b.iter(|| {
            authorize(
                black_box(&identity),
                Some(&resource_policy),
                black_box(&facts),
            )
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    targets = bench_verify, bench_authorize
}
criterion_main!(benches);
