//! The Principal / NotPrincipal element of resource policies, and whether it names a
//! given caller. An account id and `arn:aws:iam::ACCOUNT:root` both stand for every
//! principal of that account; `"*"` and `{"AWS": "*"}` stand for everyone, anonymous
//! callers and service principals included (AWS documents the two forms as equivalent).

use serde_json::Value;

use super::caller::{Caller, CallerKind};
use super::error::PolicyError;

const ACCOUNT_ID_LEN: usize = 12;

/// One entry of a Principal element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalId {
    /// `"*"` or `{"AWS": "*"}`.
    Everyone,
    /// `"123456789012"` or `"arn:aws:iam::123456789012:root"`.
    Account(String),
    /// A user, role or other IAM ARN, matched exactly.
    Arn(String),
    /// `{"Service": "sns.amazonaws.com"}`.
    Service(String),
    /// `Federated` and `CanonicalUser` principals parse but never match: Sluice has no
    /// such callers.
    Other(String),
}

/// A parsed Principal element: the list of principals it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub ids: Vec<PrincipalId>,
}

impl Principals {
    pub fn parse(value: &Value) -> Result<Self, PolicyError> {
        match value {
            Value::String(s) if s == "*" => Ok(Self {
                ids: vec![PrincipalId::Everyone],
            }),
            Value::Object(map) => {
                let mut ids = Vec::new();
                for (kind, entries) in map {
                    for entry in strings(entries)? {
                        ids.push(parse_id(kind, &entry)?);
                    }
                }
                if ids.is_empty() {
                    return Err(PolicyError::InvalidPrincipal(value.to_string()));
                }
                Ok(Self { ids })
            }
            _ => Err(PolicyError::InvalidPrincipal(value.to_string())),
        }
    }

    pub fn matches(&self, caller: &Caller) -> bool {
        self.ids.iter().any(|id| id_matches(id, caller))
    }
}

fn parse_id(kind: &str, entry: &str) -> Result<PrincipalId, PolicyError> {
    let invalid = || PolicyError::InvalidPrincipal(format!("{kind}: {entry}"));
    match kind {
        "AWS" if entry == "*" => Ok(PrincipalId::Everyone),
        "AWS" if is_account_id(entry) => Ok(PrincipalId::Account(entry.to_owned())),
        "AWS" => {
            let parts: Vec<&str> = entry.splitn(6, ':').collect();
            match parts.as_slice() {
                ["arn", _, "iam", "", account, "root"] if is_account_id(account) => {
                    Ok(PrincipalId::Account((*account).to_owned()))
                }
                ["arn", _, _, _, account, resource]
                    if is_account_id(account) && !resource.is_empty() =>
                {
                    Ok(PrincipalId::Arn(entry.to_owned()))
                }
                _ => Err(invalid()),
            }
        }
        "Service" if !entry.is_empty() => Ok(PrincipalId::Service(entry.to_owned())),
        "Federated" | "CanonicalUser" if !entry.is_empty() => {
            Ok(PrincipalId::Other(entry.to_owned()))
        }
        _ => Err(invalid()),
    }
}

fn id_matches(id: &PrincipalId, caller: &Caller) -> bool {
    match id {
        PrincipalId::Everyone => true,
        PrincipalId::Account(account) => caller.has_identity() && caller.account_id == *account,
        PrincipalId::Arn(arn) => caller.has_identity() && caller.principal_arn == *arn,
        PrincipalId::Service(name) => {
            matches!(&caller.kind, CallerKind::Service(s) if s.eq_ignore_ascii_case(name))
        }
        PrincipalId::Other(_) => false,
    }
}

/// Whether `s` is an AWS account id: twelve digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == ACCOUNT_ID_LEN && s.bytes().all(|b| b.is_ascii_digit())
}

/// A string or an array of strings, as most policy elements allow.
pub fn strings(value: &Value) -> Result<Vec<String>, PolicyError> {
    let wrong = || PolicyError::WrongType {
        element: "principal, action or resource",
        expected: "a string or an array of strings",
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect(),
        _ => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Principals {
        Principals::parse(&v).unwrap()
    }

    #[test]
    fn account_forms_match_every_principal_of_the_account() {
        for p in [
            json!({"AWS": "111122223333"}),
            json!({"AWS": "arn:aws:iam::111122223333:root"}),
        ] {
            let p = parse(p);
            assert!(p.matches(&Caller::root("111122223333")));
            assert!(p.matches(&Caller::user("111122223333", "alice")));
            assert!(p.matches(&Caller::role("111122223333", "worker")));
            assert!(!p.matches(&Caller::user("444455556666", "alice")));
            assert!(!p.matches(&Caller::anonymous()));
        }
    }

    #[test]
    fn user_arn_matches_only_that_user() {
        let p = parse(json!({"AWS": ["arn:aws:iam::111122223333:user/alice"]}));
        assert!(p.matches(&Caller::user("111122223333", "alice")));
        assert!(!p.matches(&Caller::user("111122223333", "bob")));
        assert!(!p.matches(&Caller::root("111122223333")));
    }

    #[test]
    fn star_forms_match_everyone() {
        for p in [json!("*"), json!({"AWS": "*"})] {
            let p = parse(p);
            assert!(p.matches(&Caller::anonymous()));
            assert!(p.matches(&Caller::service("sns.amazonaws.com")));
            assert!(p.matches(&Caller::user("111122223333", "alice")));
        }
    }

    #[test]
    fn service_principal_matches_that_service_only() {
        let p = parse(json!({"Service": "sns.amazonaws.com"}));
        assert!(p.matches(&Caller::service("sns.amazonaws.com")));
        assert!(!p.matches(&Caller::service("s3.amazonaws.com")));
        assert!(!p.matches(&Caller::root("111122223333")));
    }

    #[test]
    fn malformed_principals_are_refused() {
        for bad in [
            json!("111122223333"),
            json!({"AWS": "alice"}),
            json!({"AWS": "1234"}),
            json!({"AWS": []}),
            json!({"Bogus": "x"}),
            json!({"AWS": 111122223333u64}),
            json!(["*"]),
        ] {
            assert!(Principals::parse(&bad).is_err(), "{bad}");
        }
    }
}
