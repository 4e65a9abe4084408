//! STS's XML replies.

use sluice_core::sts::api::{AssumeRoleOutput, GetCallerIdentityOutput};
use sluice_query::push_text;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `<{action}Response><{action}Result>{result}</…Result><ResponseMetadata>…`.
fn document(action: &str, request_id: &str, result: impl FnOnce(&mut String)) -> String {
    let mut out = format!("<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>");
    result(&mut out);
    out.push_str(&format!("</{action}Result><ResponseMetadata>"));
    element(&mut out, "RequestId", request_id);
    out.push_str(&format!("</ResponseMetadata></{action}Response>"));
    out
}

pub fn get_caller_identity(out: &GetCallerIdentityOutput, request_id: &str) -> String {
    document("GetCallerIdentity", request_id, |xml| {
        element(xml, "Arn", &out.arn);
        element(xml, "UserId", &out.user_id);
        element(xml, "Account", &out.account);
    })
}

/// An instant as STS writes it: ISO 8601 in UTC, whole seconds (`2026-12-06T19:00:00Z`).
pub fn iso8601(epoch_ms: u64) -> String {
    OffsetDateTime::from_unix_timestamp((epoch_ms / 1_000) as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

pub fn assume_role(out: &AssumeRoleOutput, request_id: &str) -> String {
    document("AssumeRole", request_id, |xml| {
        let c = &out.credentials;
        xml.push_str("<Credentials>");
        element(xml, "AccessKeyId", &c.access_key_id);
        element(xml, "SecretAccessKey", &c.secret_access_key);
        element(xml, "SessionToken", &c.session_token);
        element(xml, "Expiration", &iso8601(c.expiration_ms));
        xml.push_str("</Credentials><AssumedRoleUser>");
        element(xml, "AssumedRoleId", &out.assumed_role_user.assumed_role_id);
        element(xml, "Arn", &out.assumed_role_user.arn);
        xml.push_str("</AssumedRoleUser>");
        if let Some(size) = out.packed_policy_size {
            element(xml, "PackedPolicySize", &size.to_string());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_utc_to_the_second() {
        assert_eq!(iso8601(1_765_047_600_999), "2025-12-06T19:00:00Z");
    }

    #[test]
    fn caller_identity_elements_come_in_aws_order() {
        let out = GetCallerIdentityOutput {
            user_id: "AIDA<1>".into(),
            account: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:user/a".into(),
        };
        let xml = get_caller_identity(&out, "rid");
        assert!(xml.contains("<GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/a</Arn><UserId>AIDA&lt;1&gt;</UserId><Account>111111111111</Account></GetCallerIdentityResult>"), "{xml}");
        assert!(xml.ends_with("<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>"));
    }
}
