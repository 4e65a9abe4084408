//! SNS over its Query protocol from the binary's tests, by hand: the form encoding and a
//! call that answers one element of the reply (SNS has no SDK among the test clients
//! that speak to a spawned server).

/// Form-encodes a Query request's parameters.
pub fn form(params: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One SNS Query call on an open server; answers the text of element `field`.
pub async fn sns_call(
    http: &reqwest::Client,
    endpoint: &str,
    params: &[(&str, &str)],
    field: &str,
) -> String {
    try_sns_call(http, endpoint, params, field)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// As [`sns_call`], answering what went wrong (no answer, an error answer) instead of
/// panicking: for callers whose server may be killed under them.
pub async fn try_sns_call(
    http: &reqwest::Client,
    endpoint: &str,
    params: &[(&str, &str)],
    field: &str,
) -> Result<String, String> {
    let mut all = vec![("Version", "2010-03-31")];
    all.extend_from_slice(params);
    let response = http
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&all))
        .send()
        .await
        .map_err(|e| format!("SNS request: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("SNS reply: {e}"))?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    let open = format!("<{field}>");
    let start = text
        .find(&open)
        .ok_or_else(|| format!("no {field} in {text}"))?
        + open.len();
    let end = text[start..].find('<').ok_or("unclosed element")? + start;
    Ok(text[start..end].to_owned())
}

/// Receives and deletes until the queue answers empty: the SNS envelopes it held, in the
/// order it served them.
pub async fn drain_notifications(
    client: &aws_sdk_sqs::Client,
    url: &str,
) -> Vec<serde_json::Value> {
    let mut got = Vec::new();
    loop {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return got;
        }
        for m in messages {
            got.push(serde_json::from_str(m.body().unwrap()).unwrap());
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// Creates queue `name` (FIFO when it ends in `.fifo`) in the default account and
/// subscribes it to `topic`; answers its URL.
pub async fn subscribed_queue(
    client: &aws_sdk_sqs::Client,
    http: &reqwest::Client,
    endpoint: &str,
    topic: &str,
    name: &str,
) -> String {
    let mut create = client.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        create = create.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
    }
    let url = create.send().await.unwrap().queue_url.unwrap();
    let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    let params = [
        ("Action", "Subscribe"),
        ("TopicArn", topic),
        ("Protocol", "sqs"),
        ("Endpoint", arn.as_str()),
    ];
    sns_call(http, endpoint, &params, "SubscriptionArn").await;
    url
}

/// A receiver's string to sign, rebuilt from a delivered document (a Notification, or a
/// subscription or unsubscribe confirmation).
pub fn string_to_sign(doc: &serde_json::Value) -> String {
    let names: &[&str] = match doc["Type"].as_str().unwrap() {
        "Notification" => &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ],
        _ => &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ],
    };
    let mut out = String::new();
    for name in names {
        if let Some(value) = doc.get(*name) {
            out.push_str(&format!("{name}\n{}\n", value.as_str().unwrap()));
        }
    }
    out
}

/// Checks a delivered document's signature as a receiver does: against the certificate
/// its SigningCertURL serves, with SHA-1 (version 1) or SHA-256 (version 2).
pub async fn verify_signature(http: &reqwest::Client, doc: &serde_json::Value) {
    let cert_url = doc["SigningCertURL"].as_str().unwrap();
    let pem = http
        .get(cert_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    let key = cert.public_key().subject_public_key.data.to_vec();
    let signature = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        doc["Signature"].as_str().unwrap(),
    )
    .unwrap();
    let algorithm: &dyn ring::signature::VerificationAlgorithm =
        match doc["SignatureVersion"].as_str().unwrap() {
            "1" => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            _ => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        };
    ring::signature::UnparsedPublicKey::new(algorithm, &key)
        .verify(string_to_sign(doc).as_bytes(), &signature)
        .unwrap_or_else(|_| panic!("the signature of {doc} verifies"));
}
