//! The STS service: GetCallerIdentity and AssumeRole, and the check of temporary
//! credentials presented with later requests.

use std::sync::Arc;

use sluice_auth::policy::PolicyDocument;

use super::api::*;
use super::error::{StsError, StsErrorKind};
use super::roles::{parse_role_arn, Roles};
use super::session::{new_key_pair, SessionClaims, SessionError, TokenSealer};
use crate::access::{role_id, Access, Caller, Resource};
use crate::clock::EpochMs;
use crate::limits::*;

/// The IAM action AssumeRole needs.
pub const ASSUME_ROLE_ACTION: &str = "sts:AssumeRole";

/// STS over the configured roles and the server's token key.
#[derive(Debug)]
pub struct Sts {
    roles: Roles,
    sealer: Arc<dyn TokenSealer>,
}

impl Sts {
    pub fn new(roles: Roles, sealer: Arc<dyn TokenSealer>) -> Self {
        Self { roles, sealer }
    }

    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    /// Who the caller is. `caller`: the authenticated (or, on an open server, the
    /// session's) principal; `None` for an open server's anonymous caller, who is the
    /// root of `account_id`. Every caller may ask; AWS requires no permission.
    pub fn get_caller_identity(
        &self,
        caller: Option<&Caller>,
        account_id: &str,
    ) -> GetCallerIdentityOutput {
        match caller {
            Some(caller) => GetCallerIdentityOutput {
                user_id: caller.user_id.clone(),
                account: caller.account_id.clone(),
                arn: caller.arn.clone(),
            },
            None => GetCallerIdentityOutput {
                user_id: account_id.to_owned(),
                account: account_id.to_owned(),
                arn: format!("arn:aws:iam::{account_id}:root"),
            },
        }
    }

    /// Issues temporary credentials for a role. `access`: the authenticated caller,
    /// whom the role's trust policy must admit; `None` on an open server, where any
    /// well-formed role ARN may be assumed and the session acts in the role's account.
    pub fn assume_role(
        &self,
        access: Option<&Access>,
        input: AssumeRoleInput,
        now: EpochMs,
    ) -> Result<AssumeRoleOutput, StsError> {
        let role_arn = input
            .role_arn
            .as_deref()
            .ok_or_else(|| StsError::missing("roleArn"))?;
        let session_name = input
            .role_session_name
            .as_deref()
            .ok_or_else(|| StsError::missing("roleSessionName"))?;
        ROLE_ARN.check(role_arn)?;
        ROLE_SESSION_NAME.check(session_name)?;
        let duration_s = parse_duration(input.duration_seconds.as_deref())?;
        if let Some(external_id) = &input.external_id {
            EXTERNAL_ID.check(external_id)?;
        }
        let packed_policy_size = match &input.policy {
            Some(policy) => Some(check_session_policy(policy)?),
            None => None,
        };
        let role = self.roles.get(role_arn);
        if let Some(access) = access {
            let account = parse_role_arn(role_arn).map(|(a, _)| a).unwrap_or_default();
            let resource = Resource {
                arn: role_arn,
                account_id: &account,
            };
            access
                .decide(
                    ASSUME_ROLE_ACTION,
                    resource,
                    role.map(|r| &r.trust_policy),
                    now,
                )
                .map_err(|denial| StsError::new(StsErrorKind::AccessDenied, denial.message))?;
        }
        let (account_id, role_name) = match role {
            Some(role) => (role.account_id.clone(), role.name.clone()),
            None => parse_role_arn(role_arn).ok_or_else(|| {
                StsError::new(
                    StsErrorKind::ValidationError,
                    format!("{role_arn} is invalid"),
                )
            })?,
        };
        let max_s = role.map_or(STS_SESSION_DURATION_DEFAULT_S, |r| r.max_session_duration_s);
        if duration_s > max_s {
            return Err(StsError::new(
                StsErrorKind::ValidationError,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let (access_key_id, secret_access_key) = new_key_pair();
        let claims = SessionClaims {
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            role_arn: role_arn.to_owned(),
            account_id: account_id.clone(),
            role_name: role_name.clone(),
            session_name: session_name.to_owned(),
            expires_at_ms: now + u64::from(duration_s) * 1_000,
        };
        let session_token = claims.seal(self.sealer.as_ref());
        let role_arn_plain = format!("arn:aws:iam::{account_id}:role/{role_name}");
        Ok(AssumeRoleOutput {
            credentials: Credentials {
                access_key_id,
                secret_access_key,
                session_token,
                expiration_ms: claims.expires_at_ms,
            },
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: format!("{}:{session_name}", role_id(&role_arn_plain)),
                arn: format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"),
            },
            packed_policy_size,
        })
    }

    /// The session behind temporary credentials presented at `now`, as a caller
    /// holding its role's permission policies, and the secret its requests are signed
    /// with.
    pub fn session(
        &self,
        access_key_id: &str,
        token: &str,
        now: EpochMs,
    ) -> Result<(Arc<Caller>, String), SessionError> {
        let claims = SessionClaims::open(self.sealer.as_ref(), token, access_key_id, now)?;
        let policies: Vec<Arc<PolicyDocument>> = self
            .roles
            .get(&claims.role_arn)
            .map(|role| role.policies.clone())
            .unwrap_or_default();
        let caller = Caller::role_session(
            &claims.account_id,
            &claims.role_name,
            &claims.session_name,
            policies,
        );
        Ok((Arc::new(caller), claims.secret_access_key))
    }
}

/// A string member's model constraints: its length in characters and, when `pattern`
/// is given, the characters its pattern allows.
struct StringRule {
    member: &'static str,
    min_len: usize,
    max_len: usize,
    pattern: Option<Pattern>,
}

/// A pattern as the model writes it, and the test of one character against it.
type Pattern = (&'static str, fn(char) -> bool);

impl StringRule {
    fn check(&self, value: &str) -> Result<(), StsError> {
        let len = value.chars().count();
        let broken = if len < self.min_len {
            format!(
                "Member must have length greater than or equal to {}",
                self.min_len
            )
        } else if len > self.max_len {
            format!(
                "Member must have length less than or equal to {}",
                self.max_len
            )
        } else {
            match self.pattern {
                Some((pattern, allowed)) if !value.chars().all(allowed) => {
                    format!("Member must satisfy regular expression pattern: {pattern}")
                }
                _ => return Ok(()),
            }
        };
        Err(StsError::validation(value, self.member, &broken))
    }
}

const ROLE_ARN: StringRule = StringRule {
    member: "roleArn",
    min_len: STS_ROLE_ARN_MIN_LEN,
    max_len: STS_ROLE_ARN_MAX_LEN,
    pattern: None,
};

const ROLE_SESSION_NAME: StringRule = StringRule {
    member: "roleSessionName",
    min_len: STS_ROLE_SESSION_NAME_MIN_LEN,
    max_len: STS_ROLE_SESSION_NAME_MAX_LEN,
    pattern: Some(("[\\w+=,.@-]*", |c| {
        c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
    })),
};

const EXTERNAL_ID: StringRule = StringRule {
    member: "externalId",
    min_len: STS_EXTERNAL_ID_MIN_LEN,
    max_len: STS_EXTERNAL_ID_MAX_LEN,
    pattern: Some(("[\\w+=,.@:\\/-]*", |c| {
        c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
    })),
};

/// DurationSeconds: a whole number of seconds, at least 900; the role's maximum is
/// checked once the role is known.
fn parse_duration(text: Option<&str>) -> Result<u32, StsError> {
    let Some(text) = text else {
        return Ok(STS_SESSION_DURATION_DEFAULT_S);
    };
    let seconds: i64 = text.parse().map_err(|_| {
        StsError::new(
            StsErrorKind::ValidationError,
            format!("Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must be a number"),
        )
    })?;
    if seconds < i64::from(STS_SESSION_DURATION_MIN_S) {
        return Err(StsError::validation(
            text,
            "durationSeconds",
            &format!(
                "Member must have value greater than or equal to {STS_SESSION_DURATION_MIN_S}"
            ),
        ));
    }
    if seconds > i64::from(STS_SESSION_DURATION_MAX_S) {
        return Err(StsError::validation(
            text,
            "durationSeconds",
            &format!("Member must have value less than or equal to {STS_SESSION_DURATION_MAX_S}"),
        ));
    }
    Ok(seconds as u32)
}

/// A session policy must parse as a policy; its packed size is reported as a
/// percentage of the allowed size, as AWS reports it.
fn check_session_policy(policy: &str) -> Result<u32, StsError> {
    if policy.chars().count() > STS_SESSION_POLICY_MAX_LEN {
        return Err(StsError::validation(
            policy,
            "policy",
            &format!("Member must have length less than or equal to {STS_SESSION_POLICY_MAX_LEN}"),
        ));
    }
    PolicyDocument::parse(policy).map_err(|_| {
        StsError::new(
            StsErrorKind::MalformedPolicyDocument,
            "The policy is not in the valid JSON format.",
        )
    })?;
    let percent = (policy.len() * 100).div_ceil(STS_SESSION_POLICY_MAX_LEN);
    Ok(percent.min(100) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sts::roles::Role;
    use crate::sts::session::tests::TestSealer;

    const ROLE: &str = "arn:aws:iam::111111111111:role/worker";
    const TRUST_ALICE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:AssumeRole"}]}"#;

    fn sts() -> Sts {
        let role = Role::new(ROLE, TRUST_ALICE, &[], Some(7_200)).unwrap();
        Sts::new(Roles::new(vec![role]).unwrap(), Arc::new(TestSealer(9)))
    }

    fn input(arn: &str, name: &str, duration: Option<&str>) -> AssumeRoleInput {
        AssumeRoleInput {
            role_arn: Some(arn.to_owned()),
            role_session_name: Some(name.to_owned()),
            duration_seconds: duration.map(str::to_owned),
            ..Default::default()
        }
    }

    fn access(principal: &str) -> Access {
        Access::new(Arc::new(
            Caller::new("111111111111", Some(principal), &[]).unwrap(),
        ))
    }

    #[test]
    fn the_trust_policy_decides_who_may_assume() {
        let sts = sts();
        let alice = access("arn:aws:iam::111111111111:user/alice");
        let out = sts
            .assume_role(Some(&alice), input(ROLE, "s1", None), 1_000)
            .expect("alice is trusted");
        assert_eq!(
            out.assumed_role_user.arn,
            "arn:aws:sts::111111111111:assumed-role/worker/s1"
        );
        assert_eq!(out.credentials.expiration_ms, 1_000 + 3_600_000);
        let bob = access("arn:aws:iam::111111111111:user/bob");
        let denied = sts
            .assume_role(Some(&bob), input(ROLE, "s1", None), 1_000)
            .unwrap_err();
        assert_eq!(denied.kind, StsErrorKind::AccessDenied);
        assert!(
            denied.message.contains("sts:assumerole"),
            "{}",
            denied.message
        );
        let unknown = sts
            .assume_role(
                Some(&alice),
                input("arn:aws:iam::111111111111:role/none", "s1", None),
                0,
            )
            .unwrap_err();
        assert_eq!(unknown.kind, StsErrorKind::AccessDenied);
    }

    #[test]
    fn sessions_act_as_the_role_until_they_expire() {
        let sts = sts();
        let out = sts
            .assume_role(None, input(ROLE, "s1", Some("900")), 0)
            .unwrap();
        let c = &out.credentials;
        let (caller, secret) = sts
            .session(&c.access_key_id, &c.session_token, 899_999)
            .unwrap();
        assert_eq!(secret, c.secret_access_key);
        assert_eq!(caller.arn, out.assumed_role_user.arn);
        assert_eq!(caller.user_id, out.assumed_role_user.assumed_role_id);
        assert_eq!(
            sts.session(&c.access_key_id, &c.session_token, 900_000)
                .unwrap_err(),
            SessionError::Expired
        );
    }

    #[test]
    fn an_open_server_lets_any_role_be_assumed_in_its_account() {
        let out = sts()
            .assume_role(
                None,
                input("arn:aws:iam::222222222222:role/any", "s2", None),
                0,
            )
            .unwrap();
        assert_eq!(
            out.assumed_role_user.arn,
            "arn:aws:sts::222222222222:assumed-role/any/s2"
        );
    }

    #[test]
    fn durations_and_names_are_checked_as_aws_checks_them() {
        let sts = sts();
        let e = sts
            .assume_role(None, input(ROLE, "s1", Some("899")), 0)
            .unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        );
        let e = sts
            .assume_role(None, input(ROLE, "s1", Some("7201")), 0)
            .unwrap_err();
        assert_eq!(
            e.message,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        );
        assert!(sts
            .assume_role(None, input(ROLE, "s1", Some("7200")), 0)
            .is_ok());
        let e = sts
            .assume_role(None, input(ROLE, "bad name", None), 0)
            .unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        );
        let e = sts
            .assume_role(None, AssumeRoleInput::default(), 0)
            .unwrap_err();
        assert_eq!(e.kind, StsErrorKind::ValidationError);
    }
}
