//! Every way `verify` refuses a request, with the AWS code, HTTP status and message
//! each one carries, plus the acceptances at the edges of each limit.

use sluice_auth::sigv4::limits::{MAX_CLOCK_SKEW_MS, MAX_PRESIGN_EXPIRES_SECS};
use sluice_auth::sigv4::{
    parse_amz_date, presign, scope, sign_headers, verify, verify_cached, AuthError, AuthErrorKind,
    Credentials, RequestParts, Scope, SigningKeyCache, Verified,
};

const AKID: &str = "AKIDSLUICE";
const SECRET: &str = "sluice/secret+key";
const REGION: &str = "us-east-1";
const SERVICE: &str = "sqs";
const BODY: &[u8] =
    b"Action=SendMessage&MessageBody=hello&QueueUrl=http%3A%2F%2Flocalhost%2F000000000000%2Fq";

fn now_ms() -> u64 {
    parse_amz_date("20150830T123600Z").unwrap()
}

fn creds() -> Credentials<'static> {
    Credentials {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: None,
    }
}

fn secret_for(akid: &str) -> Option<String> {
    (akid == AKID).then(|| SECRET.to_owned())
}

/// An owned request, so tests can edit any part before borrowing it.
#[derive(Clone)]
struct Req {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn unsigned() -> Self {
        Req {
            method: "POST".into(),
            path: "/000000000000/my-queue".into(),
            query: None,
            headers: vec![
                ("Host".into(), "localhost:9324".into()),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded; charset=utf-8".into(),
                ),
            ],
            body: BODY.to_vec(),
        }
    }

    fn header_signed_at(at_ms: u64) -> Self {
        let mut req = Self::unsigned();
        let signature = req.with_parts(|p| sign_headers(&p, &creds(), REGION, SERVICE, at_ms));
        req.headers.extend(signature.headers);
        req
    }

    fn header_signed() -> Self {
        Self::header_signed_at(now_ms())
    }

    fn presigned_for(expires_secs: u64) -> Self {
        let mut req = Self::unsigned();
        req.method = "GET".into();
        req.body.clear();
        req.headers.truncate(1);
        req.query = Some("Action=ListQueues".into());
        let signed =
            req.with_parts(|p| presign(&p, &creds(), REGION, SERVICE, now_ms(), expires_secs));
        req.query = Some(signed.query);
        req
    }

    fn with_parts<T>(&self, f: impl FnOnce(RequestParts<'_>) -> T) -> T {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(RequestParts {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &headers,
            body: &self.body,
        })
    }

    fn verify_at(&self, at_ms: u64) -> Result<Verified, AuthError> {
        self.with_parts(|p| verify(&p, at_ms, &[SERVICE], secret_for))
    }

    fn verify(&self) -> Result<Verified, AuthError> {
        self.verify_at(now_ms())
    }

    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .unwrap()
            .1
            .clone()
    }

    fn edit_authorization(&mut self, f: impl FnOnce(String) -> String) {
        let auth = f(self.header("authorization"));
        self.set_header("Authorization", &auth);
    }

    fn edit_query(&mut self, f: impl FnOnce(String) -> String) {
        self.query = Some(f(self.query.clone().unwrap()));
    }
}

fn refused(result: Result<Verified, AuthError>, kind: AuthErrorKind) -> AuthError {
    let err = result.expect_err("request should be refused");
    assert_eq!(err.kind, kind, "{err}");
    err
}

#[test]
fn accepts_a_header_signed_request() {
    let verified = Req::header_signed().verify().unwrap();
    assert_eq!(
        verified,
        Verified {
            access_key_id: AKID.into(),
            region: REGION.into(),
            service: SERVICE.into(),
            presigned: false,
            signed_at_ms: now_ms(),
        }
    );
}

#[test]
fn accepts_a_presigned_request() {
    let verified = Req::presigned_for(300).verify().unwrap();
    assert!(verified.presigned);
    assert_eq!(verified.signed_at_ms, now_ms());
}

#[test]
fn cached_keys_verify_the_same() {
    let cache = SigningKeyCache::new();
    let req = Req::header_signed();
    for _ in 0..3 {
        let v = req.with_parts(|p| verify_cached(&p, now_ms(), &[SERVICE], secret_for, &cache));
        assert_eq!(v.unwrap(), req.verify().unwrap());
    }
    assert_eq!(cache.len(), 1);
    let mut bad = req.clone();
    bad.body.push(b'x');
    let err = bad.with_parts(|p| verify_cached(&p, now_ms(), &[SERVICE], secret_for, &cache));
    refused(err, AuthErrorKind::SignatureDoesNotMatch);
}

#[test]
fn session_token_is_signed_and_checked() {
    let mut req = Req::unsigned();
    let with_token = Credentials {
        session_token: Some("token-1"),
        ..creds()
    };
    let signature = req.with_parts(|p| sign_headers(&p, &with_token, REGION, SERVICE, now_ms()));
    assert!(signature.signed_headers.contains("x-amz-security-token"));
    req.headers.extend(signature.headers);
    req.verify().unwrap();
    req.set_header("X-Amz-Security-Token", "token-2");
    refused(req.verify(), AuthErrorKind::SignatureDoesNotMatch);
}

#[test]
fn no_authentication_is_missing_authentication_token() {
    let err = refused(
        Req::unsigned().verify(),
        AuthErrorKind::MissingAuthenticationToken,
    );
    assert_eq!(
        (err.aws_code(), err.http_status()),
        ("MissingAuthenticationToken", 403)
    );
    let mut with_query = Req::unsigned();
    with_query.query = Some("Action=ListQueues&X-Amz-Date=20150830T123600Z".into());
    refused(
        with_query.verify(),
        AuthErrorKind::MissingAuthenticationToken,
    );
}

#[test]
fn other_algorithms_are_incomplete_signatures() {
    for auth in [
        "AWS AKIDSLUICE:c2lnbmF0dXJl",
        "Bearer abc",
        "",
        "AWS4-HMAC-SHA512 Credential=x",
    ] {
        let mut req = Req::header_signed();
        req.set_header("Authorization", auth);
        let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
        assert_eq!(err.http_status(), 400);
    }
}

#[test]
fn missing_authorization_parts_are_named() {
    for (part, needle) in [
        ("Credential=", "requires 'Credential' parameter"),
        ("SignedHeaders=", "requires 'SignedHeaders' parameter"),
        ("Signature=", "requires 'Signature' parameter"),
    ] {
        let mut req = Req::header_signed();
        req.edit_authorization(|auth| auth.replace(part, "Other="));
        let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
        assert!(err.message.contains(needle), "{err}");
        assert!(
            err.message.contains("Authorization=AWS4-HMAC-SHA256"),
            "{err}"
        );
    }
}

#[test]
fn a_pair_without_equals_is_incomplete() {
    let mut req = Req::header_signed();
    req.edit_authorization(|auth| format!("{auth}, Junk"));
    let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
    assert!(err.message.contains("missing equal-sign"), "{err}");
}

#[test]
fn missing_or_malformed_date_is_incomplete() {
    let mut req = Req::header_signed();
    req.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("x-amz-date"));
    let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
    assert!(
        err.message.contains("'X-Amz-Date' or a 'Date' header"),
        "{err}"
    );

    let mut req = Req::header_signed();
    req.set_header("X-Amz-Date", "2015-08-30T12:36:00Z");
    let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
    assert!(
        err.message
            .starts_with("Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'."),
        "{err}"
    );
}

#[test]
fn credentials_need_five_elements() {
    let mut req = Req::header_signed();
    req.edit_authorization(|auth| auth.replace("/aws4_request", ""));
    let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
    assert!(
        err.message
            .starts_with("Credential must have exactly 5 slash-delimited elements"),
        "{err}"
    );
}

#[test]
fn host_must_be_signed() {
    let mut req = Req::unsigned();
    req.headers.retain(|(n, _)| n != "Host");
    let signature = req.with_parts(|p| sign_headers(&p, &creds(), REGION, SERVICE, now_ms()));
    req.headers.extend(signature.headers);
    req.headers.push(("Host".into(), "localhost".into()));
    let err = refused(req.verify(), AuthErrorKind::IncompleteSignature);
    assert_eq!(
        err.message,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
}

#[test]
fn unknown_access_key_is_invalid_client_token_id() {
    let mut req = Req::header_signed();
    req.edit_authorization(|auth| auth.replace(AKID, "AKIDUNKNOWN"));
    let err = refused(req.verify(), AuthErrorKind::InvalidClientTokenId);
    assert_eq!(
        (err.aws_code(), err.http_status()),
        ("InvalidClientTokenId", 403)
    );
    assert_eq!(
        err.message,
        "The security token included in the request is invalid."
    );
}

#[test]
fn wrong_secret_or_signature_is_signature_does_not_match() {
    let req = Req::header_signed();
    let err = req.with_parts(|p| verify(&p, now_ms(), &[SERVICE], |_| Some("other".into())));
    let err = refused(err, AuthErrorKind::SignatureDoesNotMatch);
    assert_eq!(
        (err.aws_code(), err.http_status()),
        ("SignatureDoesNotMatch", 403)
    );
    assert_eq!(
        err.message,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    let sig = req
        .header("authorization")
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_owned();
    for replacement in [
        sig.to_uppercase(),
        sig[..63].to_owned(),
        format!("{sig}0"),
        String::new(),
    ] {
        let mut bad = req.clone();
        bad.edit_authorization(|auth| auth.replace(&sig, &replacement));
        refused(bad.verify(), AuthErrorKind::SignatureDoesNotMatch);
    }
}

#[test]
fn scope_date_must_match_x_amz_date() {
    let mut req = Req::header_signed();
    req.edit_authorization(|auth| auth.replace("/20150830/", "/20150831/"));
    let err = refused(req.verify(), AuthErrorKind::SignatureDoesNotMatch);
    assert_eq!(
        err.message,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."
    );
}

#[test]
fn scope_terminator_service_and_region_are_checked() {
    let mut req = Req::header_signed();
    req.edit_authorization(|auth| auth.replace("/aws4_request", "/aws5_request"));
    let err = refused(req.verify(), AuthErrorKind::SignatureDoesNotMatch);
    assert_eq!(
        err.message,
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    );

    let mut req = Req::header_signed();
    req.edit_authorization(|auth| auth.replace("/sqs/", "/sns/"));
    let err = refused(req.verify(), AuthErrorKind::SignatureDoesNotMatch);
    assert_eq!(
        err.message,
        "Credential should be scoped to correct service: 'sqs'. "
    );

    for region in ["", "us east", "us-east-1/x"] {
        let mut req = Req::header_signed();
        req.edit_authorization(|auth| auth.replace("/us-east-1/", &format!("/{region}/")));
        let result = req.verify();
        let err = result.expect_err(region);
        assert!(
            matches!(
                err.kind,
                AuthErrorKind::SignatureDoesNotMatch | AuthErrorKind::IncompleteSignature
            ),
            "{err}"
        );
    }
    // Any well-formed region is accepted; the caller learns it from `Verified`.
    let req = Req::unsigned();
    let mut signed = req.clone();
    let s = req.with_parts(|p| sign_headers(&p, &creds(), "eu-west-3", SERVICE, now_ms()));
    signed.headers.extend(s.headers);
    assert_eq!(signed.verify().unwrap().region, "eu-west-3");
}

#[test]
fn header_signed_requests_live_fifteen_minutes_either_way() {
    let req = Req::header_signed();
    req.verify_at(now_ms() + MAX_CLOCK_SKEW_MS).unwrap();
    req.verify_at(now_ms() - MAX_CLOCK_SKEW_MS).unwrap();

    let err = refused(
        req.verify_at(now_ms() + MAX_CLOCK_SKEW_MS + 1000),
        AuthErrorKind::SignatureDoesNotMatch,
    );
    assert_eq!(err.http_status(), 403);
    assert_eq!(
        err.message,
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    );
    let err = refused(
        req.verify_at(now_ms() - MAX_CLOCK_SKEW_MS - 1000),
        AuthErrorKind::SignatureDoesNotMatch,
    );
    assert_eq!(
        err.message,
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"
    );
}

#[test]
fn presigned_requests_expire() {
    let req = Req::presigned_for(300);
    req.verify_at(now_ms() + 300_000).unwrap();
    let err = refused(
        req.verify_at(now_ms() + 300_001),
        AuthErrorKind::RequestExpired,
    );
    assert_eq!(
        (err.aws_code(), err.http_status(), err.message.as_str()),
        ("RequestExpired", 400, "Request has expired.")
    );
    // Signed in the future beyond the skew: not yet valid.
    refused(
        req.verify_at(now_ms() - MAX_CLOCK_SKEW_MS - 1),
        AuthErrorKind::SignatureDoesNotMatch,
    );
}

#[test]
fn presigned_expiry_is_at_most_a_week_and_a_number() {
    let week = Req::presigned_for(MAX_PRESIGN_EXPIRES_SECS);
    week.verify_at(now_ms() + MAX_PRESIGN_EXPIRES_SECS * 1000)
        .unwrap();
    let err = refused(
        Req::presigned_for(MAX_PRESIGN_EXPIRES_SECS + 1).verify(),
        AuthErrorKind::IncompleteSignature,
    );
    assert_eq!(
        err.message,
        "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    );
    for bad in ["-1", "+5", "abc", "", "99999999999999999999999"] {
        let mut req = Req::presigned_for(300);
        req.edit_query(|q| q.replace("X-Amz-Expires=300", &format!("X-Amz-Expires={bad}")));
        refused(req.verify(), AuthErrorKind::IncompleteSignature);
    }
}

#[test]
fn presigned_requests_need_every_parameter() {
    for param in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
        "X-Amz-Signature",
    ] {
        let mut req = Req::presigned_for(300);
        req.edit_query(|q| {
            q.split('&')
                .filter(|p| !p.starts_with(&format!("{param}=")))
                .collect::<Vec<_>>()
                .join("&")
        });
        let result = req.verify();
        let err = result.expect_err(param);
        // Dropping the date leaves the algorithm and credential: incomplete. Dropping all
        // three markers would make it unauthenticated, which no single drop does.
        assert_eq!(
            err.kind,
            AuthErrorKind::IncompleteSignature,
            "{param}: {err}"
        );
    }
    let mut req = Req::presigned_for(300);
    req.edit_query(|q| q.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"));
    refused(req.verify(), AuthErrorKind::IncompleteSignature);
}

#[test]
fn content_sha256_header_is_checked_against_the_body() {
    let sign_with = |digest: &str| {
        let mut req = Req::unsigned();
        req.set_header("X-Amz-Content-Sha256", digest);
        let s = req.with_parts(|p| sign_headers(&p, &creds(), REGION, SERVICE, now_ms()));
        req.headers.extend(s.headers);
        req
    };
    let real = sluice_auth::sigv4::canonical::sha256_hex(BODY);
    sign_with(&real).verify().unwrap();
    sign_with(&real.to_uppercase()).verify().unwrap();

    let mut unsigned_body = sign_with("UNSIGNED-PAYLOAD");
    unsigned_body.body = b"anything at all".to_vec();
    unsigned_body.verify().unwrap();

    let other = sluice_auth::sigv4::canonical::sha256_hex(b"other");
    for claimed in [other.as_str(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "abc"] {
        let err = refused(
            sign_with(claimed).verify(),
            AuthErrorKind::ContentSha256Mismatch,
        );
        assert_eq!(
            (err.aws_code(), err.http_status()),
            ("XAmzContentSHA256Mismatch", 400)
        );
    }
}

#[test]
fn scope_parses_without_verifying() {
    assert_eq!(Req::unsigned().with_parts(|p| scope(&p)), Ok(None));
    let expected = Some(Scope {
        access_key_id: AKID.into(),
        date: "20150830".into(),
        region: REGION.into(),
        service: SERVICE.into(),
    });
    assert_eq!(
        Req::header_signed().with_parts(|p| scope(&p)),
        Ok(expected.clone())
    );
    assert_eq!(
        Req::presigned_for(60).with_parts(|p| scope(&p)),
        Ok(expected)
    );
    // A bad signature does not matter to `scope`; a malformed credential does.
    let mut req = Req::header_signed();
    req.edit_authorization(|a| a.replace("Signature=", "Signature=00"));
    assert!(req.with_parts(|p| scope(&p)).unwrap().is_some());
    req.edit_authorization(|a| a.replace("/aws4_request", ""));
    assert_eq!(
        req.with_parts(|p| scope(&p)).unwrap_err().kind,
        AuthErrorKind::IncompleteSignature
    );
}

#[test]
fn error_table() {
    let table = [
        (
            AuthErrorKind::MissingAuthenticationToken,
            "MissingAuthenticationToken",
            403,
        ),
        (
            AuthErrorKind::IncompleteSignature,
            "IncompleteSignature",
            400,
        ),
        (
            AuthErrorKind::InvalidClientTokenId,
            "InvalidClientTokenId",
            403,
        ),
        (
            AuthErrorKind::SignatureDoesNotMatch,
            "SignatureDoesNotMatch",
            403,
        ),
        (AuthErrorKind::RequestExpired, "RequestExpired", 400),
        (
            AuthErrorKind::ContentSha256Mismatch,
            "XAmzContentSHA256Mismatch",
            400,
        ),
    ];
    for (kind, code, status) in table {
        assert_eq!((kind.aws_code(), kind.http_status()), (code, status));
        assert_eq!(kind.json_type(), format!("com.amazon.coral.service#{code}"));
    }
}

#[test]
fn header_name_case_and_spacing_do_not_matter() {
    let mut req = Req::header_signed();
    for (name, value) in req.headers.iter_mut() {
        *name = name.to_uppercase();
        if name != "AUTHORIZATION" {
            *value = format!("  {value}  ");
        }
    }
    req.edit_authorization(|a| a.replace(", ", ","));
    req.verify().unwrap();
}
