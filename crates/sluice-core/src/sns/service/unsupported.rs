//! The SNS features Sluice does not have: mobile push (platform applications and their
//! endpoints), SMS (account attributes, opt-outs, the SMS sandbox, origination numbers)
//! and message data protection. Each action answers as AWS answers an account that has
//! none of these set up:
//!
//! - reads and lists answer what such an account holds: no platform applications, no
//!   opted-out numbers, no sandbox numbers, no origination numbers, no SMS attributes, an
//!   account in the SMS sandbox, a topic without a data protection policy;
//! - a platform application or endpoint ARN names nothing: `NotFound` (deleting one is
//!   idempotent and succeeds, as on AWS);
//! - anything that would create or change such a resource is refused with
//!   `InvalidParameter` naming the feature and Sluice
//!   ([`SnsError::feature_not_supported`]). None of them is a silent no-op.
//!
//! Inputs are still checked first (ARN shapes, phone numbers, ranges), so a bad request
//! gets the error it gets on AWS.

use std::collections::BTreeMap;

use super::{missing, Sns, SnsContext};
use crate::sns::error::{SnsError, SnsErrorKind, SnsResult};
use crate::sns::limits::{LIST_ORIGINATION_NUMBERS_MAX_RESULTS, LIST_SMS_SANDBOX_MAX_RESULTS};
use crate::sns::names::ARN_MIN_ELEMENTS;
use crate::sns::phone::check_account_number;

const PUSH: &str = "mobile push notifications (platform applications and endpoints)";
const SMS: &str = "sending SMS messages";
const SANDBOX: &str = "the SMS sandbox";
const DATA_PROTECTION: &str = "message data protection policies";

/// The kind of resource an ARN parameter must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PushResource {
    /// `arn:aws:sns:REGION:ACCOUNT:app/PLATFORM/NAME`
    Application,
    /// `arn:aws:sns:REGION:ACCOUNT:endpoint/PLATFORM/APP/ID`
    Endpoint,
}

impl PushResource {
    fn member(self) -> &'static str {
        match self {
            PushResource::Application => "PlatformApplicationArn",
            PushResource::Endpoint => "EndpointArn",
        }
    }

    fn not_found(self) -> SnsError {
        let what = match self {
            PushResource::Application => "PlatformApplication",
            PushResource::Endpoint => "Endpoint",
        };
        SnsError::new(SnsErrorKind::NotFound, format!("{what} does not exist"))
    }
}

/// Checks an application or endpoint ARN parameter and returns its account.
fn push_arn(arn: Option<&str>, kind: PushResource) -> SnsResult<(String, String)> {
    let member = kind.member();
    let arn = arn
        .filter(|a| !a.is_empty())
        .ok_or_else(|| missing(member))?;
    let e: Vec<&str> = arn.split(':').collect();
    if e.len() < ARN_MIN_ELEMENTS {
        return Err(SnsError::invalid_parameter(format!(
            "{member} Reason: An ARN must have at least {ARN_MIN_ELEMENTS} elements, not {}",
            e.len()
        )));
    }
    let resource = e[5..].join(":");
    let parts: Vec<&str> = resource.split('/').collect();
    let shaped = match kind {
        PushResource::Application => parts.len() == 3 && parts[0] == "app",
        PushResource::Endpoint => parts.len() == 4 && parts[0] == "endpoint",
    };
    let shaped = shaped
        && e[0] == "arn"
        && e[2] == "sns"
        && !e[3].is_empty()
        && !e[4].is_empty()
        && parts.iter().all(|p| !p.is_empty());
    if !shaped {
        return Err(SnsError::invalid_parameter(format!(
            "{member} Reason: Wrong ARN format"
        )));
    }
    Ok((arn.to_owned(), e[4].to_owned()))
}

/// A MaxResults parameter: absent, or a number within `1..=max`.
fn max_results(value: Option<&str>, max: u32) -> SnsResult<()> {
    let Some(text) = value else {
        return Ok(());
    };
    match text.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(()),
        _ => Err(SnsError::invalid_parameter(format!(
            "MaxResults Reason: must be between 1 and {max}"
        ))),
    }
}

impl Sns {
    /// The resource the account-level actions are authorised on.
    fn account_resource(ctx: &SnsContext) -> String {
        format!("arn:aws:sns:{}:{}:*", ctx.region, ctx.account_id)
    }

    fn authorize_account(&self, ctx: &SnsContext, action: &str) -> SnsResult<()> {
        self.authorize(
            ctx,
            action,
            &Self::account_resource(ctx),
            &ctx.account_id,
            None,
        )
    }

    fn authorize_push(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: Option<&str>,
        kind: PushResource,
    ) -> SnsResult<String> {
        let (arn, account) = push_arn(arn, kind)?;
        self.authorize(ctx, action, &arn, &account, None)?;
        Ok(arn)
    }

    // Mobile push: platform applications and their endpoints.

    pub fn create_platform_application(
        &self,
        ctx: &SnsContext,
        name: Option<&str>,
        platform: Option<&str>,
    ) -> SnsResult<String> {
        name.filter(|n| !n.is_empty())
            .ok_or_else(|| missing("Name"))?;
        platform
            .filter(|p| !p.is_empty())
            .ok_or_else(|| missing("Platform"))?;
        self.authorize_account(ctx, "CreatePlatformApplication")?;
        Err(SnsError::feature_not_supported(
            "CreatePlatformApplication",
            PUSH,
        ))
    }

    /// Answers the (empty) list of the account's platform applications.
    pub fn list_platform_applications(&self, ctx: &SnsContext) -> SnsResult<()> {
        self.authorize_account(ctx, "ListPlatformApplications")
    }

    pub fn get_platform_application_attributes(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let action = "GetPlatformApplicationAttributes";
        self.authorize_push(ctx, action, arn, PushResource::Application)?;
        Err(PushResource::Application.not_found())
    }

    pub fn set_platform_application_attributes(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<()> {
        let action = "SetPlatformApplicationAttributes";
        self.authorize_push(ctx, action, arn, PushResource::Application)?;
        Err(PushResource::Application.not_found())
    }

    /// Deleting an application that does not exist succeeds, as on AWS.
    pub fn delete_platform_application(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<()> {
        let action = "DeletePlatformApplication";
        self.authorize_push(ctx, action, arn, PushResource::Application)?;
        tracing::info!(
            platform_application = arn.unwrap_or_default(),
            "DeletePlatformApplication: no such platform application (Sluice has none)"
        );
        Ok(())
    }

    /// Answers the (empty) endpoint list of an application, which cannot exist.
    pub fn list_endpoints_by_platform_application(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<()> {
        let action = "ListEndpointsByPlatformApplication";
        self.authorize_push(ctx, action, arn, PushResource::Application)?;
        Err(PushResource::Application.not_found())
    }

    pub fn create_platform_endpoint(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        token: Option<&str>,
    ) -> SnsResult<String> {
        let action = "CreatePlatformEndpoint";
        self.authorize_push(ctx, action, arn, PushResource::Application)?;
        token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| missing("Token"))?;
        Err(SnsError::feature_not_supported(action, PUSH))
    }

    pub fn get_endpoint_attributes(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<BTreeMap<String, String>> {
        self.authorize_push(ctx, "GetEndpointAttributes", arn, PushResource::Endpoint)?;
        Err(PushResource::Endpoint.not_found())
    }

    pub fn set_endpoint_attributes(&self, ctx: &SnsContext, arn: Option<&str>) -> SnsResult<()> {
        self.authorize_push(ctx, "SetEndpointAttributes", arn, PushResource::Endpoint)?;
        Err(PushResource::Endpoint.not_found())
    }

    /// Deleting an endpoint that does not exist succeeds, as on AWS.
    pub fn delete_endpoint(&self, ctx: &SnsContext, arn: Option<&str>) -> SnsResult<()> {
        self.authorize_push(ctx, "DeleteEndpoint", arn, PushResource::Endpoint)?;
        tracing::info!(
            endpoint = arn.unwrap_or_default(),
            "DeleteEndpoint: no such platform endpoint (Sluice has none)"
        );
        Ok(())
    }

    // SMS: account attributes and opt-outs.

    /// The account's SMS attributes: none are set.
    pub fn get_sms_attributes(&self, ctx: &SnsContext) -> SnsResult<BTreeMap<String, String>> {
        self.authorize_account(ctx, "GetSMSAttributes")?;
        Ok(BTreeMap::new())
    }

    pub fn set_sms_attributes(
        &self,
        ctx: &SnsContext,
        attributes: &[(String, String)],
    ) -> SnsResult<()> {
        if attributes.is_empty() {
            return Err(missing("attributes"));
        }
        self.authorize_account(ctx, "SetSMSAttributes")?;
        Err(SnsError::feature_not_supported("SetSMSAttributes", SMS))
    }

    /// No number has opted out of an account that never sent an SMS.
    pub fn check_if_phone_number_is_opted_out(
        &self,
        ctx: &SnsContext,
        number: Option<&str>,
    ) -> SnsResult<bool> {
        check_account_number(number, "phoneNumber")?;
        self.authorize_account(ctx, "CheckIfPhoneNumberIsOptedOut")?;
        Ok(false)
    }

    /// Answers the (empty) list of opted-out numbers.
    pub fn list_phone_numbers_opted_out(&self, ctx: &SnsContext) -> SnsResult<()> {
        self.authorize_account(ctx, "ListPhoneNumbersOptedOut")
    }

    pub fn opt_in_phone_number(&self, ctx: &SnsContext, number: Option<&str>) -> SnsResult<()> {
        check_account_number(number, "phoneNumber")?;
        self.authorize_account(ctx, "OptInPhoneNumber")?;
        Err(SnsError::feature_not_supported("OptInPhoneNumber", SMS))
    }

    /// Answers the (empty) list of the account's origination numbers.
    pub fn list_origination_numbers(&self, ctx: &SnsContext, max: Option<&str>) -> SnsResult<()> {
        max_results(max, LIST_ORIGINATION_NUMBERS_MAX_RESULTS)?;
        self.authorize_account(ctx, "ListOriginationNumbers")
    }

    // The SMS sandbox.

    /// The account is in the SMS sandbox, as every new account is.
    pub fn get_sms_sandbox_account_status(&self, ctx: &SnsContext) -> SnsResult<bool> {
        self.authorize_account(ctx, "GetSMSSandboxAccountStatus")?;
        Ok(true)
    }

    /// Answers the (empty) list of the sandbox's destination numbers.
    pub fn list_sms_sandbox_phone_numbers(
        &self,
        ctx: &SnsContext,
        max: Option<&str>,
    ) -> SnsResult<()> {
        max_results(max, LIST_SMS_SANDBOX_MAX_RESULTS)?;
        self.authorize_account(ctx, "ListSMSSandboxPhoneNumbers")
    }

    pub fn create_sms_sandbox_phone_number(
        &self,
        ctx: &SnsContext,
        number: Option<&str>,
    ) -> SnsResult<()> {
        check_account_number(number, "PhoneNumber")?;
        self.authorize_account(ctx, "CreateSMSSandboxPhoneNumber")?;
        Err(SnsError::feature_not_supported(
            "CreateSMSSandboxPhoneNumber",
            SANDBOX,
        ))
    }

    pub fn verify_sms_sandbox_phone_number(
        &self,
        ctx: &SnsContext,
        number: Option<&str>,
        one_time_password: Option<&str>,
    ) -> SnsResult<()> {
        check_account_number(number, "PhoneNumber")?;
        one_time_password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| missing("OneTimePassword"))?;
        self.authorize_account(ctx, "VerifySMSSandboxPhoneNumber")?;
        Err(SnsError::feature_not_supported(
            "VerifySMSSandboxPhoneNumber",
            SANDBOX,
        ))
    }

    /// No number was ever added to the sandbox, so none can be deleted.
    pub fn delete_sms_sandbox_phone_number(
        &self,
        ctx: &SnsContext,
        number: Option<&str>,
    ) -> SnsResult<()> {
        let number = check_account_number(number, "PhoneNumber")?;
        self.authorize_account(ctx, "DeleteSMSSandboxPhoneNumber")?;
        Err(SnsError::new(
            SnsErrorKind::ResourceNotFound,
            format!("{number} is not in the SMS sandbox of this account"),
        ))
    }

    // Message data protection.

    /// An existing topic's data protection policy: none (an empty document).
    pub async fn get_data_protection_policy(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
    ) -> SnsResult<String> {
        self.resolve_topic(ctx, "GetDataProtectionPolicy", arn, "ResourceArn")
            .await?;
        Ok(String::new())
    }

    pub async fn put_data_protection_policy(
        &self,
        ctx: &SnsContext,
        arn: Option<&str>,
        policy: Option<&str>,
    ) -> SnsResult<()> {
        policy
            .filter(|p| !p.is_empty())
            .ok_or_else(|| missing("DataProtectionPolicy"))?;
        self.resolve_topic(ctx, "PutDataProtectionPolicy", arn, "ResourceArn")
            .await?;
        Err(SnsError::feature_not_supported(
            "PutDataProtectionPolicy",
            DATA_PROTECTION,
        ))
    }
}

/// The words of CreateTopic refusing a DataProtectionPolicy.
pub(super) fn create_topic_data_protection() -> SnsError {
    SnsError::feature_not_supported("DataProtectionPolicy", DATA_PROTECTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_arns_are_checked_by_shape() {
        let app = "arn:aws:sns:us-east-1:111111111111:app/GCM/my-app";
        assert_eq!(
            push_arn(Some(app), PushResource::Application).unwrap().1,
            "111111111111"
        );
        let endpoint = "arn:aws:sns:us-east-1:111111111111:endpoint/GCM/my-app/0f7d5971";
        assert!(push_arn(Some(endpoint), PushResource::Endpoint).is_ok());
        assert_eq!(
            push_arn(Some("nope"), PushResource::Application)
                .unwrap_err()
                .message,
            "Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1"
        );
        assert_eq!(
            push_arn(Some(endpoint), PushResource::Application)
                .unwrap_err()
                .message,
            "Invalid parameter: PlatformApplicationArn Reason: Wrong ARN format"
        );
        assert_eq!(
            push_arn(None, PushResource::Endpoint).unwrap_err().message,
            "Invalid parameter: EndpointArn Reason: cannot be empty"
        );
    }

    #[test]
    fn max_results_stay_in_range() {
        assert!(max_results(None, 30).is_ok());
        assert!(max_results(Some("30"), 30).is_ok());
        assert!(max_results(Some("31"), 30).is_err());
        assert!(max_results(Some("0"), 30).is_err());
        assert!(max_results(Some("x"), 30).is_err());
    }
}
