//! The delivery protocols a subscription can use, the endpoints each accepts (checked as
//! AWS checks them at Subscribe), and which subscriptions are confirmed at once.

use super::error::{SnsError, SnsResult};
use super::names::ARN_MIN_ELEMENTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Sqs,
    Http,
    Https,
    Email,
    EmailJson,
    Sms,
    Lambda,
    Firehose,
    Application,
}

/// E.164 phone numbers: a `+` and at most 15 digits.
pub const SMS_NUMBER_MAX_DIGITS: usize = 15;

impl Protocol {
    pub const ALL: [Protocol; 9] = [
        Protocol::Sqs,
        Protocol::Http,
        Protocol::Https,
        Protocol::Email,
        Protocol::EmailJson,
        Protocol::Sms,
        Protocol::Lambda,
        Protocol::Firehose,
        Protocol::Application,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sqs => "sqs",
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Email => "email",
            Protocol::EmailJson => "email-json",
            Protocol::Sms => "sms",
            Protocol::Lambda => "lambda",
            Protocol::Firehose => "firehose",
            Protocol::Application => "application",
        }
    }

    /// The protocol a Subscribe names; AWS compares case-insensitively.
    pub fn parse(text: &str) -> SnsResult<Self> {
        let lower = text.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == lower)
            .ok_or_else(|| {
                SnsError::invalid_parameter(format!(
                    "Amazon SNS does not support this protocol string: {text}"
                ))
            })
    }

    /// Checks `endpoint` for this protocol and returns it as stored.
    pub fn check_endpoint(self, endpoint: &str) -> SnsResult<String> {
        let ok = match self {
            Protocol::Sqs => {
                return arn_of(endpoint, "sqs")
                    .map(|_| endpoint.to_owned())
                    .ok_or_else(|| SnsError::invalid_parameter("SQS endpoint ARN"));
            }
            Protocol::Http | Protocol::Https => {
                let scheme = format!("{}://", self.as_str());
                let matches = endpoint.len() > scheme.len()
                    && endpoint[..scheme.len()].eq_ignore_ascii_case(&scheme);
                if !matches {
                    return Err(SnsError::invalid_parameter(
                        "Endpoint must match the specified protocol",
                    ));
                }
                true
            }
            Protocol::Email | Protocol::EmailJson => {
                let ok = matches!(endpoint.split_once('@'),
                    Some((local, domain)) if !local.is_empty() && domain.contains('.')
                        && !domain.starts_with('.') && !domain.ends_with('.')
                        && !endpoint.contains(char::is_whitespace));
                if !ok {
                    return Err(SnsError::invalid_parameter("Email address"));
                }
                true
            }
            Protocol::Sms => {
                if !sms_endpoint(endpoint) {
                    // AWS's recorded words, without the usual "Invalid parameter:".
                    return Err(SnsError::new(
                        super::error::SnsErrorKind::InvalidParameter,
                        format!("Invalid SMS endpoint: {endpoint}"),
                    ));
                }
                true
            }
            Protocol::Lambda => {
                arn_of(endpoint, "lambda").is_some_and(|e| e.get(5) == Some(&"function"))
            }
            Protocol::Firehose => {
                arn_of(endpoint, "firehose").is_some_and(|e| e[5].starts_with("deliverystream/"))
            }
            Protocol::Application => {
                if arn_of(endpoint, "sns").is_some_and(|e| e[5].starts_with("endpoint/")) {
                    // Sluice has no platform applications, so no endpoint exists.
                    return Err(SnsError::invalid_parameter(format!(
                        "Endpoint Reason: Endpoint does not exist for endpoint {endpoint}"
                    )));
                }
                false
            }
        };
        if ok {
            Ok(endpoint.to_owned())
        } else {
            Err(SnsError::invalid_parameter("Endpoint"))
        }
    }

    /// Whether a subscription with this protocol waits for its endpoint to confirm it.
    /// AWS confirms SQS, Lambda and Firehose subscriptions in the topic's own account at
    /// once (the subscriber owns both ends), and SMS and application ones always.
    pub fn needs_confirmation(self, same_account: bool) -> bool {
        match self {
            Protocol::Sqs | Protocol::Lambda | Protocol::Firehose => !same_account,
            Protocol::Sms | Protocol::Application => false,
            Protocol::Http | Protocol::Https | Protocol::Email | Protocol::EmailJson => true,
        }
    }
}

/// Separators AWS accepts between the digit groups of an `sms` endpoint
/// (`+12/34-567.890` is a number; `+15--551234567` and `+15551234567.` are not).
const SMS_SEPARATORS: [char; 3] = ['-', '.', '/'];

/// Whether `endpoint` is a phone number an `sms` subscription accepts: an optional `+`,
/// then at most fifteen digits in groups joined by single separators.
fn sms_endpoint(endpoint: &str) -> bool {
    let rest = endpoint.strip_prefix('+').unwrap_or(endpoint);
    let groups: Vec<&str> = rest.split(SMS_SEPARATORS).collect();
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=SMS_NUMBER_MAX_DIGITS).contains(&digits)
}

/// The elements of an `arn:aws:SERVICE:REGION:ACCOUNT:...` ARN of `service`.
pub fn arn_of<'a>(arn: &'a str, service: &str) -> Option<Vec<&'a str>> {
    let e: Vec<&str> = arn.split(':').collect();
    let shaped = e.len() >= ARN_MIN_ELEMENTS
        && e[0] == "arn"
        && e[1].starts_with("aws")
        && e[2] == service
        && !e[3].is_empty()
        && e[4].len() == 12
        && e[4].bytes().all(|b| b.is_ascii_digit())
        && !e[5].is_empty();
    shaped.then_some(e)
}

/// The account an endpoint ARN belongs to, if it is an ARN.
pub fn endpoint_account(endpoint: &str) -> Option<&str> {
    let mut parts = endpoint.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_case_insensitively_with_aws_error() {
        assert_eq!(Protocol::parse("SQS").unwrap(), Protocol::Sqs);
        assert_eq!(Protocol::parse("email-json").unwrap(), Protocol::EmailJson);
        assert_eq!(
            Protocol::parse("test-protocol").unwrap_err().message,
            "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol"
        );
    }

    #[test]
    fn endpoints_are_checked_per_protocol() {
        let ok = [
            (Protocol::Sqs, "arn:aws:sqs:us-east-1:111111111111:q"),
            (Protocol::Http, "http://example.com/hook"),
            (Protocol::Https, "HTTPS://example.com"),
            (Protocol::Email, "dev@example.com"),
            (Protocol::EmailJson, "dev@example.com"),
            (Protocol::Sms, "+15555550100"),
            (Protocol::Sms, "+12/34-567.890"),
            (
                Protocol::Lambda,
                "arn:aws:lambda:us-east-1:111111111111:function:f",
            ),
            (
                Protocol::Firehose,
                "arn:aws:firehose:us-east-1:111111111111:deliverystream/s",
            ),
        ];
        for (p, e) in ok {
            assert_eq!(p.check_endpoint(e).unwrap(), e, "{p:?}");
        }
        let bad = [
            (
                Protocol::Sqs,
                "http://localhost:9324/000000000000/q",
                "Invalid parameter: SQS endpoint ARN",
            ),
            (
                Protocol::Http,
                "https://example.com",
                "Invalid parameter: Endpoint must match the specified protocol",
            ),
            (
                Protocol::Https,
                "ftp://x",
                "Invalid parameter: Endpoint must match the specified protocol",
            ),
            (
                Protocol::Email,
                "not-an-address",
                "Invalid parameter: Email address",
            ),
            (Protocol::Sms, "+12ab", "Invalid SMS endpoint: +12ab"),
            (
                Protocol::Sms,
                "NAA+15551234567",
                "Invalid SMS endpoint: NAA+15551234567",
            ),
            (
                Protocol::Sms,
                "+15--551234567",
                "Invalid SMS endpoint: +15--551234567",
            ),
            (
                Protocol::Sms,
                "+15551234567.",
                "Invalid SMS endpoint: +15551234567.",
            ),
            (
                Protocol::Sms,
                "/+15551234567",
                "Invalid SMS endpoint: /+15551234567",
            ),
            (
                Protocol::Lambda,
                "arn:aws:sqs:us-east-1:111111111111:q",
                "Invalid parameter: Endpoint",
            ),
            (Protocol::Firehose, "stream", "Invalid parameter: Endpoint"),
            (Protocol::Application, "x", "Invalid parameter: Endpoint"),
        ];
        for (p, e, message) in bad {
            assert_eq!(
                p.check_endpoint(e).unwrap_err().message,
                message,
                "{p:?} {e}"
            );
        }
        let app = "arn:aws:sns:us-east-1:111111111111:endpoint/GCM/app/1";
        assert!(Protocol::Application
            .check_endpoint(app)
            .unwrap_err()
            .message
            .ends_with("Endpoint does not exist for endpoint arn:aws:sns:us-east-1:111111111111:endpoint/GCM/app/1"));
    }

    #[test]
    fn same_account_queues_and_functions_need_no_confirmation() {
        assert!(!Protocol::Sqs.needs_confirmation(true));
        assert!(Protocol::Sqs.needs_confirmation(false));
        assert!(!Protocol::Lambda.needs_confirmation(true));
        assert!(Protocol::Http.needs_confirmation(true));
        assert!(Protocol::Email.needs_confirmation(true));
        assert!(!Protocol::Sms.needs_confirmation(false));
        assert_eq!(
            endpoint_account("arn:aws:sqs:us-east-1:222222222222:q"),
            Some("222222222222")
        );
        assert_eq!(endpoint_account("http://x"), None);
    }
}
