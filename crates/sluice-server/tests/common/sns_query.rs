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
