//! The roles callers may assume, as the configuration declares them: each role's ARN,
//! the trust policy that says who may assume it, the permission policies its sessions
//! hold, and the longest session it allows.

use std::collections::HashMap;
use std::sync::Arc;

use sluice_auth::policy::PolicyDocument;

use crate::access::parse_policies;
use crate::limits::{STS_SESSION_DURATION_DEFAULT_S, STS_SESSION_DURATION_MAX_S};

/// A role that can be assumed.
#[derive(Debug)]
pub struct Role {
    pub arn: String,
    pub account_id: String,
    /// The name after `role/`, without a path.
    pub name: String,
    pub trust_policy: PolicyDocument,
    pub policies: Vec<Arc<PolicyDocument>>,
    pub max_session_duration_s: u32,
}

/// Why a role's configuration was refused.
pub type RoleConfigError = String;

impl Role {
    /// A role from its ARN (`arn:aws:iam::ACCOUNT:role/[PATH/]NAME`), trust policy,
    /// permission policies (JSON documents) and longest session (`None`: one hour).
    pub fn new(
        arn: &str,
        trust_policy: &str,
        policies: &[String],
        max_session_duration_s: Option<u32>,
    ) -> Result<Self, RoleConfigError> {
        let (account_id, name) = parse_role_arn(arn)
            .ok_or_else(|| format!("role {arn}: expected arn:aws:iam::ACCOUNT:role/NAME"))?;
        let trust_policy = PolicyDocument::parse(trust_policy)
            .map_err(|e| format!("role {arn}: trust policy: {e}"))?;
        let policies = parse_policies(policies).map_err(|e| format!("role {arn}: {e}"))?;
        let max_session_duration_s =
            max_session_duration_s.unwrap_or(STS_SESSION_DURATION_DEFAULT_S);
        if !(STS_SESSION_DURATION_DEFAULT_S..=STS_SESSION_DURATION_MAX_S)
            .contains(&max_session_duration_s)
        {
            return Err(format!(
                "role {arn}: max_session_duration_seconds must be {STS_SESSION_DURATION_DEFAULT_S} to {STS_SESSION_DURATION_MAX_S}"
            ));
        }
        Ok(Self {
            arn: arn.to_owned(),
            account_id,
            name,
            trust_policy,
            policies,
            max_session_duration_s,
        })
    }
}

/// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME` → the account and the name (without path).
pub fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (valid_account && !name.is_empty()).then(|| (account.to_owned(), name.to_owned()))
}

/// Every configured role, by ARN.
#[derive(Debug, Default)]
pub struct Roles {
    by_arn: HashMap<String, Arc<Role>>,
}

impl Roles {
    pub fn new(roles: Vec<Role>) -> Result<Self, RoleConfigError> {
        let mut by_arn = HashMap::new();
        for role in roles {
            let arn = role.arn.clone();
            if by_arn.insert(arn.clone(), Arc::new(role)).is_some() {
                return Err(format!("role {arn} is declared twice"));
            }
        }
        Ok(Self { by_arn })
    }

    pub fn get(&self, arn: &str) -> Option<&Arc<Role>> {
        self.by_arn.get(arn)
    }

    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_name_an_account_and_a_role() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::111122223333:role/app/worker"),
            Some(("111122223333".to_owned(), "worker".to_owned()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::111122223333:user/alice"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::1:role/r"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::111122223333:role/"), None);
    }
}
