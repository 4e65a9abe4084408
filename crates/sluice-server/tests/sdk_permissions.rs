//! AddPermission and RemovePermission through both wire protocols: the official SDK
//! (AWS JSON 1.0) and raw AWS Query forms. Each scenario runs once per protocol; the
//! resulting Policy is read back with GetQueueAttributes and compared with the JSON SQS
//! writes, and every refusal is checked for AWS's code, status and message.

mod common;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName as A;
use common::*;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
enum Protocol {
    Json,
    Query,
}

const PROTOCOLS: [Protocol; 2] = [Protocol::Json, Protocol::Query];

/// A refusal as the client sees it.
#[derive(Debug, PartialEq, Eq)]
struct Refusal {
    code: String,
    status: u16,
    message: String,
}

/// AWS's status for each code: the API reference gives OverLimit 403, the rest 400.
fn refusal(code: &str, message: &str) -> Refusal {
    let status = if code == "OverLimit" { 403 } else { 400 };
    Refusal {
        code: code.to_owned(),
        status,
        message: message.to_owned(),
    }
}

/// The text of the first `<tag>` element of an XML reply, entities decoded.
fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .map(|i| i + open.len())
        .unwrap_or_else(|| panic!("no {tag} in {xml}"));
    let end = xml[start..].find(&format!("</{tag}>")).expect("closed") + start;
    xml[start..end]
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn query(h: &Harness, params: &[(&str, &str)]) -> Result<(), Refusal> {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("Version", "2012-11-05")
        .extend_pairs(params)
        .finish();
    let response = reqwest::Client::new()
        .post(&h.endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("query request");
    let status = response.status().as_u16();
    let xml = response.text().await.expect("body");
    if status == 200 {
        assert!(xml.contains("<RequestId>"), "{xml}");
        return Ok(());
    }
    Err(Refusal {
        code: xml_text(&xml, "Code"),
        status,
        message: xml_text(&xml, "Message"),
    })
}

fn sdk_refusal<E: ProvideErrorMetadata>(
    e: aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
) -> Refusal {
    Refusal {
        code: e.code().unwrap_or_default().to_owned(),
        status: e.raw_response().map_or(0, |r| r.status().as_u16()),
        message: e.message().unwrap_or_default().to_owned(),
    }
}

async fn add(
    h: &Harness,
    p: Protocol,
    url: &str,
    label: &str,
    accounts: &[&str],
    actions: &[&str],
) -> Result<(), Refusal> {
    match p {
        Protocol::Json => h
            .client
            .add_permission()
            .queue_url(url)
            .label(label)
            .set_aws_account_ids(Some(accounts.iter().map(|s| (*s).to_owned()).collect()))
            .set_actions(Some(actions.iter().map(|s| (*s).to_owned()).collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(sdk_refusal),
        Protocol::Query => {
            let account_keys: Vec<String> = (1..=accounts.len())
                .map(|i| format!("AWSAccountId.{i}"))
                .collect();
            let action_keys: Vec<String> = (1..=actions.len())
                .map(|i| format!("ActionName.{i}"))
                .collect();
            let mut params = vec![
                ("Action", "AddPermission"),
                ("QueueUrl", url),
                ("Label", label),
            ];
            params.extend(
                account_keys
                    .iter()
                    .map(String::as_str)
                    .zip(accounts.iter().copied()),
            );
            params.extend(
                action_keys
                    .iter()
                    .map(String::as_str)
                    .zip(actions.iter().copied()),
            );
            query(h, &params).await
        }
    }
}

async fn remove(h: &Harness, p: Protocol, url: &str, label: &str) -> Result<(), Refusal> {
    match p {
        Protocol::Json => h
            .client
            .remove_permission()
            .queue_url(url)
            .label(label)
            .send()
            .await
            .map(|_| ())
            .map_err(sdk_refusal),
        Protocol::Query => {
            query(
                h,
                &[
                    ("Action", "RemovePermission"),
                    ("QueueUrl", url),
                    ("Label", label),
                ],
            )
            .await
        }
    }
}

async fn policy(h: &Harness, url: &str) -> Option<String> {
    h.attribute(url, A::Policy).await
}

#[tokio::test]
async fn add_then_remove_writes_the_policy_sqs_writes() {
    let h = Harness::start().await;
    for p in PROTOCOLS {
        let url = h.create_queue(&format!("shared-{p:?}"), &[]).await;
        let arn = h.arn(&url).await;
        assert_eq!(policy(&h, &url).await, None);

        add(
            &h,
            p,
            &url,
            "AliceSend",
            &["111122223333"],
            &["SendMessage"],
        )
        .await
        .unwrap();
        let text = policy(&h, &url).await.expect("policy set");
        let expected = format!(
            concat!(
                r#"{{"Version":"2008-10-17","Id":"{arn}/SQSDefaultPolicy","Statement":[{{"Sid":"AliceSend","#,
                r#""Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"#,
                r#""Action":"SQS:SendMessage","Resource":"{arn}"}}]}}"#
            ),
            arn = arn
        );
        assert_eq!(text, expected, "{p:?}");

        add(
            &h,
            p,
            &url,
            "Team_2",
            &["111122223333", "444455556666"],
            &["ReceiveMessage", "DeleteMessage", "*"],
        )
        .await
        .unwrap();
        let v: Value = serde_json::from_str(&policy(&h, &url).await.unwrap()).unwrap();
        assert_eq!(
            v["Statement"][1],
            json!({
                "Sid": "Team_2", "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
                "Action": ["SQS:ReceiveMessage", "SQS:DeleteMessage", "SQS:*"],
                "Resource": arn
            }),
            "{p:?}"
        );

        remove(&h, p, &url, "AliceSend").await.unwrap();
        let v: Value = serde_json::from_str(&policy(&h, &url).await.unwrap()).unwrap();
        let sids: Vec<&str> = v["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids, ["Team_2"], "{p:?}");

        // The last statement takes the Policy with it.
        remove(&h, p, &url, "Team_2").await.unwrap();
        assert_eq!(policy(&h, &url).await, None, "{p:?}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_policy_set_by_hand_is_kept_and_extended() {
    let h = Harness::start().await;
    for p in PROTOCOLS {
        let url = h.create_queue(&format!("custom-{p:?}"), &[]).await;
        let arn = h.arn(&url).await;
        let own = json!({
            "Version": "2012-10-17", "Id": "mine",
            "Statement": [{"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                           "Action": "sqs:SendMessage", "Resource": arn,
                           "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:t"}}}]
        });
        h.client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(A::Policy, own.to_string())
            .send()
            .await
            .unwrap();
        add(
            &h,
            p,
            &url,
            "extra",
            &["111122223333"],
            &["GetQueueAttributes"],
        )
        .await
        .unwrap();
        let v: Value = serde_json::from_str(&policy(&h, &url).await.unwrap()).unwrap();
        assert_eq!(v["Id"], "mine");
        assert_eq!(v["Statement"][0], own["Statement"][0], "{p:?}");
        assert_eq!(v["Statement"][1]["Sid"], "extra");
        assert_eq!(
            add(&h, p, &url, "sns", &["111122223333"], &["SendMessage"]).await,
            Err(refusal(
                "InvalidParameterValue",
                "Value sns for parameter Label is invalid. Reason: Already exists."
            )),
            "{p:?}"
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn refusals_carry_aws_codes_and_messages() {
    let h = Harness::start().await;
    for p in PROTOCOLS {
        let url = h.create_queue(&format!("refusals-{p:?}"), &[]).await;
        add(&h, p, &url, "taken", &["111122223333"], &["SendMessage"])
            .await
            .unwrap();
        let before = policy(&h, &url).await;
        let account = ["111122223333"];
        let cases = [
            (
                add(&h, p, &url, "taken", &account, &["ReceiveMessage"]).await,
                refusal("InvalidParameterValue", "Value taken for parameter Label is invalid. Reason: Already exists."),
            ),
            (
                add(&h, p, &url, "owner-only", &account, &["SendMessage", "DeleteQueue"]).await,
                refusal(
                    "InvalidParameterValue",
                    "Value SQS:DeleteQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.",
                ),
            ),
            (
                add(&h, p, &url, "eight", &account, &["SendMessage"; 8]).await,
                refusal("OverLimit", "8 Actions were found, maximum allowed is 7."),
            ),
            (
                add(&h, p, &url, "nobody", &[], &["SendMessage"]).await,
                refusal("InvalidParameterValue", "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify."),
            ),
            (
                add(&h, p, &url, "nothing", &account, &[]).await,
                refusal("MissingParameter", "The request must contain the parameter Actions."),
            ),
            (
                add(&h, p, &url, "bad label!", &account, &["SendMessage"]).await,
                refusal(
                    "InvalidParameterValue",
                    "Value bad label! for parameter Label is invalid. Reason: Must be 1-80 alphanumeric characters, hyphens (-) or underscores (_).",
                ),
            ),
            (
                remove(&h, p, &url, "missing").await,
                refusal("InvalidParameterValue", "Value missing for parameter Label is invalid. Reason: can't find label."),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want), "{p:?}");
        }
        // Nothing refused changed the policy.
        assert_eq!(policy(&h, &url).await, before, "{p:?}");

        let gone = format!("{}/{ACCOUNT}/no-such-queue", h.endpoint);
        let err = add(&h, p, &gone, "x", &account, &["SendMessage"])
            .await
            .unwrap_err();
        assert_eq!(err.code, "AWS.SimpleQueueService.NonExistentQueue", "{p:?}");
    }
    h.stop().await;
}

#[tokio::test]
async fn twenty_statements_at_most() {
    let h = Harness::start().await;
    for p in PROTOCOLS {
        let url = h.create_queue(&format!("full-{p:?}"), &[]).await;
        for i in 0..20 {
            add(
                &h,
                p,
                &url,
                &format!("l{i}"),
                &["111122223333"],
                &["SendMessage"],
            )
            .await
            .unwrap();
        }
        assert_eq!(
            add(&h, p, &url, "l20", &["111122223333"], &["SendMessage"]).await,
            Err(refusal(
                "OverLimit",
                "21 statements were found in the submitted policy, max allowed is 20"
            )),
            "{p:?}"
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn set_queue_attributes_validates_the_policy() {
    let h = Harness::start().await;
    let url = h.create_queue("validated", &[]).await;
    let arn = h.arn(&url).await;
    let statement = json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sqs:SendMessage", "Resource": arn});
    let no_principal = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": arn}]});
    let bad_version = json!({"Version": "2020-01-01", "Statement": [statement]});
    let too_many = json!({"Version": "2012-10-17", "Statement": vec![statement.clone(); 21]});
    for (policy_text, message) in [
        (
            "{not json".to_owned(),
            "Invalid value for the parameter Policy.",
        ),
        (
            no_principal.to_string(),
            "Invalid value for the parameter Policy.",
        ),
        (
            bad_version.to_string(),
            "Invalid value for the parameter Policy.",
        ),
        (
            too_many.to_string(),
            "21 statements were found in the submitted policy, max allowed is 20",
        ),
    ] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(A::Policy, &policy_text)
            .send()
            .await;
        let err = expect_error(result, "InvalidAttributeValue", 400);
        assert_eq!(err.message(), Some(message), "{policy_text}");
    }
    let good = json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::Policy, &good)
        .send()
        .await
        .unwrap();
    assert_eq!(policy(&h, &url).await.as_deref(), Some(good.as_str()));
    h.stop().await;
}

/// Raw JSON 1.0 request, for inputs the SDK will not build (no Label at all).
async fn json_call(h: &Harness, action: &str, body: Value) -> Result<(), Refusal> {
    let response = reqwest::Client::new()
        .post(&h.endpoint)
        .header("x-amz-target", format!("AmazonSQS.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(body.to_string())
        .send()
        .await
        .expect("json request");
    let status = response.status().as_u16();
    // The Query code, which SQS's JSON protocol sends beside the modelled `__type`.
    let query_code = response
        .headers()
        .get("x-amzn-query-error")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    if status == 200 {
        return Ok(());
    }
    let v: Value = serde_json::from_str(&text).expect("json error");
    let ty = v["__type"].as_str().unwrap_or_default();
    Err(Refusal {
        code: query_code.unwrap_or_else(|| ty.rsplit('#').next().unwrap_or(ty).to_owned()),
        status,
        message: v["message"].as_str().unwrap_or_default().to_owned(),
    })
}

#[tokio::test]
async fn missing_queue_url_and_label() {
    let h = Harness::start().await;
    let url = h.create_queue("params", &[]).await;
    for action in ["AddPermission", "RemovePermission"] {
        let no_url = refusal(
            "MissingParameter",
            "The request must contain the parameter QueueUrl.",
        );
        let no_label = refusal(
            "MissingParameter",
            "The request must contain the parameter Label.",
        );
        assert_eq!(
            json_call(&h, action, json!({})).await,
            Err(no_url),
            "{action} JSON"
        );
        assert_eq!(
            json_call(&h, action, json!({"QueueUrl": url})).await,
            Err(no_label),
            "{action} JSON"
        );
        let no_url = refusal(
            "MissingParameter",
            "The request must contain the parameter QueueUrl.",
        );
        let no_label = refusal(
            "MissingParameter",
            "The request must contain the parameter Label.",
        );
        assert_eq!(
            query(&h, &[("Action", action)]).await,
            Err(no_url),
            "{action} Query"
        );
        assert_eq!(
            query(&h, &[("Action", action), ("QueueUrl", &url)]).await,
            Err(no_label),
            "{action} Query"
        );
    }
    h.stop().await;
}
