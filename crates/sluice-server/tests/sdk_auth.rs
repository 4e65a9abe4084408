//! Authentication and authorisation with the real `aws-sdk-sqs` (AWS JSON 1.0) against
//! an in-process server with identities configured. The AWS Query protocol runs the
//! same checks from boto3 in `tests/e2e/test_auth.py`; raw signed and presigned Query
//! requests are checked here too.

mod common;

use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use common::expect_error;
use sluice_server::auth::identities::{IdentityConfig, Secret};
use sluice_server::{Config, RunningServer};

const OWNER_KEY: &str = "AKIAOWNER0000000001";
const OWNER_ACCOUNT: &str = "111111111111";
const CAROL_KEY: &str = "AKIACAROL0000000001";
const CAROL_ARN: &str = "arn:aws:iam::111111111111:user/carol";
const BOB_KEY: &str = "AKIABOB000000000001";
const BOB_ACCOUNT: &str = "222222222222";
const BOB_ARN: &str = "arn:aws:iam::222222222222:user/bob";
/// A user of the owner's account whose identity policy allows sending only.
const DAVE_KEY: &str = "AKIADAVE00000000001";
const DAVE_ARN: &str = "arn:aws:iam::111111111111:user/dave";
/// A user of the owner's account who may do anything to its dead-letter queues only.
const ERIN_KEY: &str = "AKIAERIN00000000001";
const ERIN_ARN: &str = "arn:aws:iam::111111111111:user/erin";
const ALLOW_DEAD_LETTER_QUEUES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:111111111111:*-dlq"}]}"#;
/// How far a signature's time may be from the server's, as AWS allows.
const SKEW_MS: u64 = 15 * 60 * 1000;

fn secret_of(key: &str) -> String {
    format!("{key}-secret")
}

fn identity(
    key: &str,
    account: &str,
    principal: Option<&str>,
    policies: &[&str],
) -> IdentityConfig {
    IdentityConfig {
        access_key_id: key.to_owned(),
        secret_access_key: Some(Secret::new(secret_of(key))),
        account_id: account.to_owned(),
        principal_arn: principal.map(str::to_owned),
        policies: policies.iter().map(|p| (*p).to_owned()).collect(),
        policy_files: vec![],
    }
}

const ALLOW_ALL_SQS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#;
const ALLOW_SEND_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:Send*","sqs:GetQueueUrl"],"Resource":"arn:aws:sqs:*:111111111111:*"}]}"#;

async fn start() -> RunningServer {
    let mut config = Config {
        test_clock: true,
        ..Config::ephemeral()
    };
    config.identities = vec![
        identity(OWNER_KEY, OWNER_ACCOUNT, None, &[]),
        identity(CAROL_KEY, OWNER_ACCOUNT, Some(CAROL_ARN), &[]),
        identity(BOB_KEY, BOB_ACCOUNT, Some(BOB_ARN), &[ALLOW_ALL_SQS]),
        identity(DAVE_KEY, OWNER_ACCOUNT, Some(DAVE_ARN), &[ALLOW_SEND_ONLY]),
        identity(
            ERIN_KEY,
            OWNER_ACCOUNT,
            Some(ERIN_ARN),
            &[ALLOW_DEAD_LETTER_QUEUES],
        ),
    ];
    sluice_server::start(config).await.expect("server starts")
}

fn client(server: &RunningServer, key: &str, secret: &str, region: &str) -> Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

fn as_identity(server: &RunningServer, key: &str) -> Client {
    client(server, key, &secret_of(key), "us-east-1")
}

async fn queue(owner: &Client, name: &str) -> (String, String) {
    let url = owner
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("owner creates a queue")
        .queue_url
        .expect("url");
    let arn = owner
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("arn");
    (url, arn)
}

async fn set_policy(owner: &Client, url: &str, policy: &str) {
    owner
        .set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .expect("set policy");
}

#[tokio::test]
async fn configured_identities_are_served_in_their_own_account() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let (url, arn) = queue(&owner, "owned").await;
    assert!(url.ends_with("/111111111111/owned"), "{url}");
    assert_eq!(arn, "arn:aws:sqs:us-east-1:111111111111:owned");
    owner
        .send_message()
        .queue_url(&url)
        .message_body("hi")
        .send()
        .await
        .expect("send");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_secret_unknown_key_and_bad_region_are_refused() {
    let server = start().await;
    let wrong = client(&server, OWNER_KEY, "not-the-secret", "us-east-1");
    let err = expect_error(
        wrong.list_queues().send().await,
        "SignatureDoesNotMatch",
        403,
    );
    let message = aws_sdk_sqs::error::ProvideErrorMetadata::message(&err).unwrap_or_default();
    assert!(message.contains("signature"), "{message}");
    let stranger = client(&server, "AKIANOBODY000000000", "x", "us-east-1");
    expect_error(
        stranger.list_queues().send().await,
        "InvalidClientTokenId",
        403,
    );
    let nowhere = client(&server, OWNER_KEY, &secret_of(OWNER_KEY), "moon-1");
    let err = nowhere.list_queues().send().await.expect_err("bad region");
    let status = err.raw_response().map(|r| r.status().as_u16());
    assert!(matches!(status, Some(400 | 403)), "{err:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_signature_older_than_the_allowed_skew_is_refused() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    owner.list_queues().send().await.expect("in time");
    let clock = server.test_clock.clone().expect("test clock");
    clock.advance_ms(SKEW_MS - 60_000);
    owner
        .list_queues()
        .send()
        .await
        .expect("still within the skew");
    clock.advance_ms(2 * 60_000);
    expect_error(
        owner.list_queues().send().await,
        "SignatureDoesNotMatch",
        403,
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn cross_account_access_needs_the_queue_policy() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let bob = as_identity(&server, BOB_KEY);
    let (url, arn) = queue(&owner, "shared").await;
    let send = || {
        bob.send_message()
            .queue_url(&url)
            .message_body("from bob")
            .send()
    };
    let err = expect_error(send().await, "AccessDenied", 403);
    let message = aws_sdk_sqs::error::ProvideErrorMetadata::message(&err).unwrap_or_default();
    assert_eq!(
        message,
        format!("User: {BOB_ARN} is not authorized to perform: sqs:sendmessage on resource: {arn} because no resource-based policy allows the sqs:sendmessage action")
    );
    set_policy(
        &owner,
        &url,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{BOB_ACCOUNT}"}},"Action":"sqs:SendMessage","Resource":"{arn}"}}]}}"#
        ),
    )
    .await;
    send().await.expect("allowed by the queue policy");
    // SendMessageBatch needs the SendMessage permission, which Bob now has.
    bob.send_message_batch()
        .queue_url(&url)
        .entries(
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id("a")
                .message_body("batched")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("batch send allowed as SendMessage");
    expect_error(
        bob.receive_message().queue_url(&url).send().await,
        "AccessDenied",
        403,
    );
    // Queues of other accounts do not show in Bob's listing.
    let listed = bob.list_queues().send().await.expect("list").queue_urls;
    assert!(listed.unwrap_or_default().is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn same_account_users_follow_identity_and_queue_policies() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let carol = as_identity(&server, CAROL_KEY);
    let dave = as_identity(&server, DAVE_KEY);
    let (url, arn) = queue(&owner, "team").await;
    // Carol has no policy at all; Dave's identity policy allows sending only.
    expect_error(
        carol
            .send_message()
            .queue_url(&url)
            .message_body("x")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    dave.send_message()
        .queue_url(&url)
        .message_body("from dave")
        .send()
        .await
        .expect("identity policy allows sending");
    expect_error(
        dave.delete_queue().queue_url(&url).send().await,
        "AccessDenied",
        403,
    );
    // A queue policy naming Carol is enough within the account.
    set_policy(
        &owner,
        &url,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{CAROL_ARN}"}},"Action":"sqs:ReceiveMessage","Resource":"{arn}"}},{{"Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Resource":"{arn}","Condition":{{"NotIpAddress":{{"aws:SourceIp":"10.0.0.0/8"}}}}}}]}}"#
        ),
    )
    .await;
    let got = carol
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("queue policy allows receiving");
    assert_eq!(got.messages.unwrap_or_default().len(), 1);
    // The explicit Deny (we are not calling from 10.0.0.0/8) beats Dave's Allow and
    // binds the owner too.
    for who in [&dave, &owner] {
        expect_error(
            who.send_message()
                .queue_url(&url)
                .message_body("x")
                .send()
                .await,
            "AccessDenied",
            403,
        );
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_queue_is_access_denied_to_those_who_may_not_know() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let carol = as_identity(&server, CAROL_KEY);
    let url = format!("{}/111111111111/nothing-here", server.endpoint_url());
    expect_error(
        owner.get_queue_attributes().queue_url(&url).send().await,
        "AWS.SimpleQueueService.NonExistentQueue",
        400,
    );
    expect_error(
        carol.get_queue_attributes().queue_url(&url).send().await,
        "AccessDenied",
        403,
    );
    server.shutdown().await.unwrap();
}

/// Rewrites the request body after the SDK has signed it, as a man in the middle would.
#[derive(Debug)]
struct TamperBody;

impl aws_sdk_sqs::config::Intercept for TamperBody {
    fn name(&self) -> &'static str {
        "TamperBody"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_sdk_sqs::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _runtime: &aws_sdk_sqs::config::RuntimeComponents,
        _cfg: &mut aws_sdk_sqs::config::ConfigBag,
    ) -> Result<(), aws_sdk_sqs::error::BoxError> {
        let request = context.request_mut();
        let body = request.body().bytes().unwrap_or_default().to_vec();
        let tampered = String::from_utf8(body)?.replace("original", "tampered");
        *request.body_mut() = tampered.into();
        Ok(())
    }
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused_and_nothing_is_sent() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let (url, _) = queue(&owner, "tampered").await;
    let tampering =
        aws_sdk_sqs::Client::from_conf(owner.config().to_builder().interceptor(TamperBody).build());
    expect_error(
        tampering
            .send_message()
            .queue_url(&url)
            .message_body("original")
            .send()
            .await,
        "SignatureDoesNotMatch",
        403,
    );
    let got = owner
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive");
    assert!(got.messages.unwrap_or_default().is_empty());
    server.shutdown().await.unwrap();
}

/// An SDK client over HTTPS whose only trusted certificate is the server's
/// development certificate.
fn https_client(server: &RunningServer, key: &str) -> Client {
    use aws_smithy_http_client::tls::{
        rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
    };
    let pem = std::fs::read(server.tls_cert.as_ref().expect("certificate")).expect("readable");
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
                .build()
                .expect("tls context"),
        )
        .build_https();
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.tls_endpoint_url().expect("https listener"))
        .credentials_provider(Credentials::new(key, secret_of(key), None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .http_client(http_client)
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn secure_transport_reflects_the_listener_that_served_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::ephemeral();
    config.identities = vec![identity(OWNER_KEY, OWNER_ACCOUNT, None, &[])];
    config.tls = Some(sluice_server::tls::TlsConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        identity: sluice_server::tls::Identity::SelfSigned {
            dir: dir.path().to_owned(),
            names: Vec::new(),
        },
        only: false,
    });
    let server = sluice_server::start(config).await.expect("server starts");
    let plain = as_identity(&server, OWNER_KEY);
    let secure = https_client(&server, OWNER_KEY);
    let (url, arn) = queue(&plain, "tls-only").await;
    // AWS's documented way to refuse anything not sent over HTTPS.
    set_policy(
        &plain,
        &url,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"{arn}","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
        ),
    )
    .await;
    expect_error(
        plain
            .send_message()
            .queue_url(&url)
            .message_body("in the clear")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    secure
        .send_message()
        .queue_url(&url)
        .message_body("encrypted in flight")
        .send()
        .await
        .expect("allowed over TLS");
    let got = secure
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive over TLS");
    let bodies: Vec<String> = got
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["encrypted in flight"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_move_task_needs_permission_to_send_to_its_destination() {
    let server = start().await;
    let owner = as_identity(&server, OWNER_KEY);
    let erin = as_identity(&server, ERIN_KEY);
    let (dlq_url, dlq_arn) = queue(&owner, "orders-dlq").await;
    let (source_url, _) = queue(&owner, "orders").await;
    let (_, elsewhere_arn) = queue(&owner, "elsewhere").await;
    owner
        .set_queue_attributes()
        .queue_url(&source_url)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}"#),
        )
        .send()
        .await
        .expect("redrive policy");
    erin.send_message()
        .queue_url(&dlq_url)
        .message_body("dead")
        .send()
        .await
        .expect("erin may use dead-letter queues");
    expect_error(
        erin.start_message_move_task()
            .source_arn(&dlq_arn)
            .destination_arn(&elsewhere_arn)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    owner
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&elsewhere_arn)
        .send()
        .await
        .expect("the owner may move messages anywhere in its account");
    server.shutdown().await.unwrap();
}
