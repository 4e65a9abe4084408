//! The SNS wire front: AWS Query requests (`Action=CreateTopic&Version=2010-03-31`) in,
//! XML out, SNS's error table. Each action's parameters are decoded here (`params.rs`),
//! decided by `sluice_core::sns::Sns`, and written by `xml.rs`. Every action of SNS's
//! API is served; the features Sluice lacks answer as AWS answers an account without
//! them, or with an InvalidParameter that names the feature. `http_delivery.rs` is the
//! worker that POSTs the HTTP/S outbox's deliveries.

mod errors;
pub mod http_delivery;
mod params;
mod signing;
mod xml;

pub use signing::SigningKey;

use std::sync::Arc;

use axum::response::Response;
use sluice_core::sns::api::{CreateTopicInput, PublishInput, SubscribeInput};
use sluice_core::sns::AddPermissionInput;
use sluice_core::sns::{Fanout, SnsContext, SnsError, SnsErrorKind, SnsResult};

use crate::connection::ConnectionInfo;
use crate::front::{AppState, Incoming};
use crate::wire::{error_reply, xml_reply, Protocol};
use params::{map, message_attributes, publish_batch_entries, scalar, strings, tags};

/// The API version Query requests name.
pub const API_VERSION: &str = sluice_core::sns::API_VERSION;
/// The signing name of SNS in SigV4 credential scopes.
pub const SIGNING_NAME: &str = "sns";
/// SNS's Query protocol: its documents' namespace.
pub const QUERY: Protocol = Protocol::Query {
    namespace: xml::NAMESPACE,
};

/// The actions served: every action of SNS's API (2010-03-31). Mobile push, SMS and
/// data protection answer as AWS answers an account without them, or refuse by name
/// (`sluice_core::sns` `service/unsupported.rs`).
pub const SERVED: &[&str] = &[
    "CreateTopic",
    "DeleteTopic",
    "ListTopics",
    "GetTopicAttributes",
    "SetTopicAttributes",
    "AddPermission",
    "RemovePermission",
    "Subscribe",
    "ConfirmSubscription",
    "Unsubscribe",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "GetSubscriptionAttributes",
    "SetSubscriptionAttributes",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "Publish",
    "PublishBatch",
    "CreatePlatformApplication",
    "ListPlatformApplications",
    "GetPlatformApplicationAttributes",
    "SetPlatformApplicationAttributes",
    "DeletePlatformApplication",
    "ListEndpointsByPlatformApplication",
    "CreatePlatformEndpoint",
    "GetEndpointAttributes",
    "SetEndpointAttributes",
    "DeleteEndpoint",
    "GetSMSAttributes",
    "SetSMSAttributes",
    "CheckIfPhoneNumberIsOptedOut",
    "ListPhoneNumbersOptedOut",
    "OptInPhoneNumber",
    "ListOriginationNumbers",
    "GetSMSSandboxAccountStatus",
    "ListSMSSandboxPhoneNumbers",
    "CreateSMSSandboxPhoneNumber",
    "VerifySMSSandboxPhoneNumber",
    "DeleteSMSSandboxPhoneNumber",
    "GetDataProtectionPolicy",
    "PutDataProtectionPolicy",
];

/// Actions SQS has too: a Query request naming only one of these is not routed by it.
const SHARED_WITH_SQS: &[&str] = &["AddPermission", "RemovePermission"];

/// Whether `action` is an action only SNS has (so it alone routes a request here).
pub fn is_action(action: &str) -> bool {
    SERVED.contains(&action) && !SHARED_WITH_SQS.contains(&action)
}

pub async fn serve(app: Arc<AppState>, request: Incoming) -> Response {
    let request_id = request.request_id.clone();
    let action = request.param("Action").unwrap_or_default().to_owned();
    if !SERVED.contains(&action.as_str()) {
        return error_reply(QUERY, &errors::invalid_action(&action), &request_id);
    }
    let ctx = context(&app, &request, &action);
    let base_url = base_url(&app, &request);
    let anonymous = request.authenticated.anonymous;
    let params = request.params;
    let rid = request_id.clone();
    // The action runs to its end even if the client goes away: a publish cut off half
    // way would leave some queues without their copy, and a FIFO publish its window
    // without the record a retry is answered from.
    let action_task =
        tokio::spawn(
            async move { run(&app, &ctx, &action, &params, &rid, &base_url, anonymous).await },
        );
    match action_task.await {
        Ok(Ok(body)) => xml_reply(body, &request_id),
        Ok(Err(e)) => error_reply(QUERY, &errors::to_wire(&e), &request_id),
        Err(e) => {
            tracing::error!(error = %e, "SNS action task ended abnormally");
            let e = SnsError::new(SnsErrorKind::InternalError, "The action did not complete.");
            error_reply(QUERY, &errors::to_wire(&e), &request_id)
        }
    }
}

/// Runs one served action and writes its reply. `anonymous`: an unsigned confirmation
/// link on a server that enforces signatures (see `front::anonymous_sns_link`).
async fn run(
    app: &AppState,
    ctx: &SnsContext,
    action: &str,
    p: &[(String, String)],
    rid: &str,
    base_url: &str,
    anonymous: bool,
) -> SnsResult<String> {
    let sns = &app.sns;
    let topic = scalar(p, "TopicArn");
    let subscription = scalar(p, "SubscriptionArn");
    let next = scalar(p, "NextToken");
    Ok(match action {
        "CreateTopic" => {
            let input = CreateTopicInput {
                name: scalar(p, "Name").map(str::to_owned),
                attributes: map(p, "Attributes"),
                tags: tags(p, "Tags"),
                data_protection_policy: scalar(p, "DataProtectionPolicy").map(str::to_owned),
            };
            let arn = sns.create_topic(ctx, input).await?;
            xml::single(action, rid, "TopicArn", &arn)
        }
        "DeleteTopic" => {
            sns.delete_topic(ctx, topic).await?;
            xml::empty(action, rid)
        }
        "ListTopics" => xml::list_topics(&sns.list_topics(ctx, next).await?, rid),
        "GetTopicAttributes" => {
            xml::attributes(action, rid, &sns.get_topic_attributes(ctx, topic).await?)
        }
        "SetTopicAttributes" => {
            let (name, value) = (scalar(p, "AttributeName"), scalar(p, "AttributeValue"));
            sns.set_topic_attributes(ctx, topic, name, value).await?;
            xml::empty(action, rid)
        }
        "Subscribe" => {
            let input = SubscribeInput {
                topic_arn: topic.map(str::to_owned),
                protocol: scalar(p, "Protocol").map(str::to_owned),
                endpoint: scalar(p, "Endpoint").map(str::to_owned),
                attributes: map(p, "Attributes"),
                return_subscription_arn: scalar(p, "ReturnSubscriptionArn")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            };
            // Only an HTTP/S endpoint is sent a confirmation: only it needs the signing
            // key (made on first use) and the base URL.
            let delivery = match input.protocol.as_deref().map(str::to_ascii_lowercase) {
                Some(p) if p == "http" || p == "https" => Some(fanout(app, base_url).await?),
                _ => None,
            };
            let arn = sns.subscribe_with(ctx, input, delivery.as_ref()).await?;
            xml::single(action, rid, "SubscriptionArn", &arn)
        }
        "ConfirmSubscription" => {
            let token = scalar(p, "Token");
            let authenticate = scalar(p, "AuthenticateOnUnsubscribe");
            let arn = sns
                .confirm_subscription(ctx, topic, token, authenticate)
                .await?;
            xml::single(action, rid, "SubscriptionArn", &arn)
        }
        "Unsubscribe" => {
            let http = match subscription {
                Some(arn) => sns
                    .store()
                    .subscription(arn)
                    .await
                    .is_some_and(|s| s.protocol.is_http()),
                None => false,
            };
            let delivery = match http {
                true => Some(fanout(app, base_url).await?),
                false => None,
            };
            sns.unsubscribe_with(ctx, subscription, delivery.as_ref(), anonymous)
                .await?;
            xml::empty(action, rid)
        }
        "ListSubscriptions" => {
            xml::list_subscriptions(action, &sns.list_subscriptions(ctx, next).await?, rid)
        }
        "ListSubscriptionsByTopic" => {
            let out = sns.list_subscriptions_by_topic(ctx, topic, next).await?;
            xml::list_subscriptions(action, &out, rid)
        }
        "GetSubscriptionAttributes" => {
            let map = sns.get_subscription_attributes(ctx, subscription).await?;
            xml::attributes(action, rid, &map)
        }
        "SetSubscriptionAttributes" => {
            let (name, value) = (scalar(p, "AttributeName"), scalar(p, "AttributeValue"));
            sns.set_subscription_attributes(ctx, subscription, name, value)
                .await?;
            xml::empty(action, rid)
        }
        "TagResource" => {
            sns.tag_resource(ctx, scalar(p, "ResourceArn"), &tags(p, "Tags"))
                .await?;
            xml::document(action, rid, |_| {})
        }
        "UntagResource" => {
            let keys = strings(p, "TagKeys");
            sns.untag_resource(ctx, scalar(p, "ResourceArn"), &keys)
                .await?;
            xml::document(action, rid, |_| {})
        }
        "ListTagsForResource" => xml::tags(
            &sns.list_tags_for_resource(ctx, scalar(p, "ResourceArn"))
                .await?,
            rid,
        ),
        "Publish" => {
            let input = PublishInput {
                topic_arn: topic.map(str::to_owned),
                target_arn: scalar(p, "TargetArn").map(str::to_owned),
                phone_number: scalar(p, "PhoneNumber").map(str::to_owned),
                message: scalar(p, "Message").map(str::to_owned),
                subject: scalar(p, "Subject").map(str::to_owned),
                message_structure: scalar(p, "MessageStructure").map(str::to_owned),
                message_attributes: message_attributes(
                    p,
                    "MessageAttributes",
                    "messageAttributes",
                )?,
                message_group_id: scalar(p, "MessageGroupId").map(str::to_owned),
                message_deduplication_id: scalar(p, "MessageDeduplicationId").map(str::to_owned),
            };
            let fanout = fanout(app, base_url).await?;
            xml::publish(&sns.publish(ctx, &fanout, input).await?, rid)
        }
        "PublishBatch" => {
            let entries = publish_batch_entries(p, "PublishBatchRequestEntries")?;
            let fanout = fanout(app, base_url).await?;
            xml::publish_batch(&sns.publish_batch(ctx, &fanout, topic, entries).await?, rid)
        }
        "AddPermission" => {
            let input = AddPermissionInput {
                topic_arn: topic.map(str::to_owned),
                label: scalar(p, "Label").map(str::to_owned),
                aws_account_ids: strings(p, "AWSAccountId"),
                action_names: strings(p, "ActionName"),
            };
            sns.add_permission(ctx, input).await?;
            xml::empty(action, rid)
        }
        "RemovePermission" => {
            sns.remove_permission(ctx, topic, scalar(p, "Label"))
                .await?;
            xml::empty(action, rid)
        }
        other => unsupported(sns, ctx, other, p, rid).await?,
    })
}

/// The mobile push, SMS and data protection actions (see `service/unsupported.rs`).
async fn unsupported(
    sns: &sluice_core::sns::Sns,
    ctx: &SnsContext,
    action: &str,
    p: &[(String, String)],
    rid: &str,
) -> SnsResult<String> {
    let app = scalar(p, "PlatformApplicationArn");
    let endpoint = scalar(p, "EndpointArn");
    let phone = scalar(p, "PhoneNumber");
    let resource = scalar(p, "ResourceArn");
    let max = scalar(p, "MaxResults");
    let ok = |_: ()| xml::document(action, rid, |_| {});
    Ok(match action {
        "CreatePlatformApplication" => {
            let arn =
                sns.create_platform_application(ctx, scalar(p, "Name"), scalar(p, "Platform"))?;
            xml::single(action, rid, "PlatformApplicationArn", &arn)
        }
        "ListPlatformApplications" => {
            sns.list_platform_applications(ctx)?;
            xml::empty_list(action, rid, "PlatformApplications")
        }
        "GetPlatformApplicationAttributes" => xml::attributes(
            action,
            rid,
            &sns.get_platform_application_attributes(ctx, app)?,
        ),
        "SetPlatformApplicationAttributes" => {
            sns.set_platform_application_attributes(ctx, app)?;
            xml::empty(action, rid)
        }
        "DeletePlatformApplication" => {
            sns.delete_platform_application(ctx, app)?;
            xml::empty(action, rid)
        }
        "ListEndpointsByPlatformApplication" => {
            sns.list_endpoints_by_platform_application(ctx, app)?;
            xml::empty_list(action, rid, "Endpoints")
        }
        "CreatePlatformEndpoint" => {
            let arn = sns.create_platform_endpoint(ctx, app, scalar(p, "Token"))?;
            xml::single(action, rid, "EndpointArn", &arn)
        }
        "GetEndpointAttributes" => {
            xml::attributes(action, rid, &sns.get_endpoint_attributes(ctx, endpoint)?)
        }
        "SetEndpointAttributes" => {
            sns.set_endpoint_attributes(ctx, endpoint)?;
            xml::empty(action, rid)
        }
        "DeleteEndpoint" => {
            sns.delete_endpoint(ctx, endpoint)?;
            xml::empty(action, rid)
        }
        "GetSMSAttributes" => {
            let map = sns.get_sms_attributes(ctx)?;
            xml::map_document(action, rid, "attributes", &map)
        }
        "SetSMSAttributes" => ok(sns.set_sms_attributes(ctx, &map(p, "attributes"))?),
        "CheckIfPhoneNumberIsOptedOut" => {
            let out = sns.check_if_phone_number_is_opted_out(ctx, scalar(p, "phoneNumber"))?;
            xml::single(
                action,
                rid,
                "isOptedOut",
                if out { "true" } else { "false" },
            )
        }
        "ListPhoneNumbersOptedOut" => {
            sns.list_phone_numbers_opted_out(ctx)?;
            xml::empty_list(action, rid, "phoneNumbers")
        }
        "OptInPhoneNumber" => ok(sns.opt_in_phone_number(ctx, scalar(p, "phoneNumber"))?),
        "ListOriginationNumbers" => {
            sns.list_origination_numbers(ctx, max)?;
            xml::empty_list(action, rid, "PhoneNumbers")
        }
        "GetSMSSandboxAccountStatus" => {
            let in_sandbox = sns.get_sms_sandbox_account_status(ctx)?;
            xml::single(
                action,
                rid,
                "IsInSandbox",
                if in_sandbox { "true" } else { "false" },
            )
        }
        "ListSMSSandboxPhoneNumbers" => {
            sns.list_sms_sandbox_phone_numbers(ctx, max)?;
            xml::empty_list(action, rid, "PhoneNumbers")
        }
        "CreateSMSSandboxPhoneNumber" => ok(sns.create_sms_sandbox_phone_number(ctx, phone)?),
        "VerifySMSSandboxPhoneNumber" => {
            let password = scalar(p, "OneTimePassword");
            ok(sns.verify_sms_sandbox_phone_number(ctx, phone, password)?)
        }
        "DeleteSMSSandboxPhoneNumber" => ok(sns.delete_sms_sandbox_phone_number(ctx, phone)?),
        "GetDataProtectionPolicy" => {
            let policy = sns.get_data_protection_policy(ctx, resource).await?;
            xml::single(action, rid, "DataProtectionPolicy", &policy)
        }
        "PutDataProtectionPolicy" => {
            let policy = scalar(p, "DataProtectionPolicy");
            sns.put_data_protection_policy(ctx, resource, policy)
                .await?;
            xml::empty(action, rid)
        }
        other => unreachable!("{other} is listed as served"),
    })
}

/// What Publish and PublishBatch deliver with: the SQS core, the signing key and the
/// base URL of the documents' URLs.
async fn fanout(app: &AppState, base_url: &str) -> SnsResult<Fanout> {
    let signer = app.sns_signing.get().await.map_err(|e| {
        SnsError::new(
            SnsErrorKind::InternalError,
            format!("The SNS signing key is unavailable: {e}"),
        )
    })?;
    Ok(Fanout {
        sqs: app.sqs.clone(),
        signer,
        base_url: base_url.to_owned(),
    })
}

/// Scheme and authority the documents' URLs (SigningCertURL, UnsubscribeURL) are built
/// on: the configured base URL, else the request's Host.
fn base_url(app: &AppState, request: &Incoming) -> String {
    app.base_url.clone().unwrap_or_else(|| {
        let host = request.header("host").unwrap_or("localhost");
        let scheme = ConnectionInfo::scheme(&request.parts.extensions);
        format!("{scheme}://{host}")
    })
}

/// Who is asking: the region of the credential scope (else the server's), the caller's
/// account and ARN, and, with identities configured, what access decisions need.
fn context(app: &AppState, request: &Incoming, action: &str) -> SnsContext {
    let authenticated = &request.authenticated;
    let account_id = authenticated.account_id(&app.account_id);
    let principal_arn = match &authenticated.caller {
        Some(caller) => caller.arn.clone(),
        None => format!("arn:aws:iam::{account_id}:root"),
    };
    SnsContext {
        region: request.region(&app.region),
        account_id,
        principal_arn,
        access: request.access(action),
    }
}
