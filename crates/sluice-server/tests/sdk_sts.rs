//! STS with the real `aws-sdk-sts` against an in-process server: GetCallerIdentity for
//! configured identities, AssumeRole of a configured role, and `aws-sdk-sqs` signing
//! with the temporary credentials until they expire (the server's clock is moved, not
//! waited for). boto3, the aws CLI and a role profile are covered in
//! `tests/e2e/test_sts.py` and `tests/e2e/cli_smoke.sh`.

mod common;

use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use common::expect_error;
use sluice_server::auth::identities::{IdentityConfig, Secret};
use sluice_server::auth::roles::RoleConfig;
use sluice_server::{Config, RunningServer};

const ACCOUNT: &str = "111111111111";
const ALICE_KEY: &str = "AKIAALICE0000000001";
const ALICE_ARN: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE_ARN: &str = "arn:aws:iam::111111111111:role/reader";
const TRUST_ALICE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:AssumeRole"}]}"#;
const LIST_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"*"}]}"#;

async fn start() -> RunningServer {
    let config = Config {
        test_clock: true,
        identities: vec![IdentityConfig {
            access_key_id: ALICE_KEY.to_owned(),
            secret_access_key: Some(Secret::new("alice-secret")),
            account_id: ACCOUNT.to_owned(),
            principal_arn: Some(ALICE_ARN.to_owned()),
            policies: vec![],
            policy_files: vec![],
        }],
        roles: vec![RoleConfig {
            arn: ROLE_ARN.to_owned(),
            trust_policy: Some(TRUST_ALICE.to_owned()),
            trust_policy_file: None,
            policies: vec![LIST_ONLY.to_owned()],
            policy_files: vec![],
            max_session_duration_seconds: None,
        }],
        ..Config::ephemeral()
    };
    sluice_server::start(config).await.expect("server starts")
}

fn credentials(key: &str, secret: &str, token: Option<&str>) -> Credentials {
    Credentials::new(key, secret, token.map(str::to_owned), None, "test")
}

fn sts(server: &RunningServer, creds: Credentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(creds)
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn sqs(server: &RunningServer, creds: Credentials) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(creds)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

fn alice() -> Credentials {
    credentials(ALICE_KEY, "alice-secret", None)
}

#[tokio::test]
async fn get_caller_identity_names_a_configured_user() {
    let server = start().await;
    let who = sts(&server, alice())
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(who.account(), Some(ACCOUNT));
    assert_eq!(who.arn(), Some(ALICE_ARN));
    assert!(who.user_id().is_some_and(|id| id.starts_with("AIDA")));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn role_sessions_hold_the_roles_policies_until_they_expire() {
    let server = start().await;
    let out = sts(&server, alice())
        .assume_role()
        .role_arn(ROLE_ARN)
        .role_session_name("nightly")
        .duration_seconds(900)
        .send()
        .await
        .expect("alice is trusted");
    let c = out.credentials().expect("credentials");
    assert!(c.access_key_id().starts_with("ASIA"));
    let user = out.assumed_role_user().expect("user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::111111111111:assumed-role/reader/nightly"
    );
    let session = credentials(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    );

    let who = sts(&server, session.clone())
        .get_caller_identity()
        .send()
        .await
        .expect("session identity");
    assert_eq!(who.arn(), Some(user.arn()));
    assert_eq!(who.user_id(), Some(user.assumed_role_id()));

    let queues = sqs(&server, session.clone());
    queues
        .list_queues()
        .send()
        .await
        .expect("the role may list");
    let denied = expect_error(
        queues.create_queue().queue_name("not-allowed").send().await,
        "AccessDenied",
        403,
    );
    let message = denied
        .into_service_error()
        .meta()
        .message()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with("User: arn:aws:sts::111111111111:assumed-role/reader/nightly is not authorized to perform: sqs:createqueue"),
        "{message}"
    );

    // To the session's end. The token's expiry is checked before the signature, so
    // the skew this opens between the SDK's clock and the server's does not matter.
    server
        .test_clock
        .as_ref()
        .expect("test clock")
        .advance_ms(900_000);
    expect_error(queues.list_queues().send().await, "ExpiredToken", 403);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_caller_the_trust_policy_does_not_name_is_denied() {
    let server = start().await;
    let out = sts(&server, alice())
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/undeclared")
        .role_session_name("s1")
        .send()
        .await;
    expect_error(out, "AccessDenied", 403);
    server.shutdown().await.unwrap();
}
