//! Phone numbers as SNS's SMS features take them: E.164, a `+` and at most fifteen
//! digits. Publish to a PhoneNumber, `sms` subscriptions and the SMS account actions
//! each word a bad number differently; the texts are AWS's recorded ones.

use super::error::{SnsError, SnsResult};

/// E.164 numbers have at most fifteen digits after the `+`.
pub const PHONE_NUMBER_MAX_DIGITS: usize = 15;

/// Whether `number` is `+` followed by one to fifteen digits.
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (1..=PHONE_NUMBER_MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Publish's `PhoneNumber`: E.164, or AWS's "is not valid to publish to".
pub fn check_publish_number(number: &str) -> SnsResult<()> {
    if is_e164(number) {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter(format!(
            "PhoneNumber Reason: {number} is not valid to publish to"
        )))
    }
}

/// The `phoneNumber` of CheckIfPhoneNumberIsOptedOut and OptInPhoneNumber, and the
/// `PhoneNumber` of the SMS sandbox actions (`member` names it in the error).
pub fn check_account_number(number: Option<&str>, member: &str) -> SnsResult<String> {
    let number = number.unwrap_or_default();
    if number.is_empty() {
        return Err(super::service::missing(member));
    }
    if is_e164(number) {
        Ok(number.to_owned())
    } else {
        Err(SnsError::invalid_parameter(format!(
            "{member} Reason: input incorrectly formatted"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_e164() {
        assert!(is_e164("+15551234567"));
        assert!(is_e164("+123123123"));
        assert!(is_e164(&format!("+{}", "1".repeat(15))));
        assert!(!is_e164(&format!("+{}", "1".repeat(16))));
        assert!(!is_e164("15551234567"));
        assert!(!is_e164("+1a234"));
        assert!(!is_e164("NAA+15551234567"));
        assert!(!is_e164("+"));
    }

    #[test]
    fn errors_use_aws_words() {
        assert_eq!(
            check_publish_number("+1a234").unwrap_err().message,
            "Invalid parameter: PhoneNumber Reason: +1a234 is not valid to publish to"
        );
        assert_eq!(
            check_account_number(Some("x"), "phoneNumber")
                .unwrap_err()
                .message,
            "Invalid parameter: phoneNumber Reason: input incorrectly formatted"
        );
        assert_eq!(
            check_account_number(None, "phoneNumber")
                .unwrap_err()
                .message,
            "Invalid parameter: phoneNumber Reason: cannot be empty"
        );
    }
}
