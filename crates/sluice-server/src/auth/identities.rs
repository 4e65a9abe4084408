//! The identities that may sign requests, as configured: an access key id and its
//! secret, the account it belongs to, the principal it acts as, and the identity
//! policies attached to that principal.
//!
//! Secrets may sit in the main config file or, to keep them out of it, in a separate
//! file in the AWS shared-credentials format (the `~/.aws/credentials` layout), where
//! the identity's access key id finds its secret. The same file can then serve the
//! clients.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sluice_auth::policy::principal::is_account_id;
use sluice_core::access::Caller;

/// A secret access key; never printed.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// One `[[identities]]` entry of the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    pub access_key_id: String,
    /// Leave out to read it from the credentials file.
    pub secret_access_key: Option<Secret>,
    pub account_id: String,
    /// The user or role ARN this key acts as; the account's root when left out.
    pub principal_arn: Option<String>,
    /// Identity policies (JSON documents) attached to the principal.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Files holding identity policies, relative to the config file's folder.
    #[serde(default)]
    pub policy_files: Vec<PathBuf>,
}

/// An identity ready to check requests against.
#[derive(Debug)]
pub struct Identity {
    pub secret: Secret,
    pub caller: Arc<Caller>,
}

/// Every configured identity by access key id. Empty: the server is open.
#[derive(Debug, Default)]
pub struct Identities {
    by_access_key: HashMap<String, Identity>,
}

impl Identities {
    /// Loads the identities: secrets from the entries or the credentials file, policy
    /// files relative to `base_dir`. Any problem is an error that stops the start.
    pub fn load(
        configs: &[IdentityConfig],
        credentials_file: Option<&Path>,
        base_dir: &Path,
    ) -> Result<Self, String> {
        let file_secrets = match credentials_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read credentials file {}: {e}", path.display()))?;
                parse_credentials_file(&text)
                    .map_err(|e| format!("invalid credentials file {}: {e}", path.display()))?
            }
            None => HashMap::new(),
        };
        let mut by_access_key = HashMap::new();
        for config in configs {
            let key = &config.access_key_id;
            if key.is_empty() {
                return Err("an identity has an empty access_key_id".to_owned());
            }
            if !is_account_id(&config.account_id) {
                return Err(format!(
                    "identity {key}: account_id must be twelve digits, not {:?}",
                    config.account_id
                ));
            }
            let secret = config
                .secret_access_key
                .clone()
                .or_else(|| file_secrets.get(key).cloned())
                .ok_or_else(|| {
                    format!("identity {key}: no secret_access_key in the config or the credentials file")
                })?;
            let mut documents = config.policies.clone();
            for file in &config.policy_files {
                let path = base_dir.join(file);
                documents.push(std::fs::read_to_string(&path).map_err(|e| {
                    format!(
                        "identity {key}: cannot read policy file {}: {e}",
                        path.display()
                    )
                })?);
            }
            let caller = Caller::new(
                &config.account_id,
                config.principal_arn.as_deref(),
                &documents,
            )
            .map_err(|e| format!("identity {key}: {e}"))?;
            let identity = Identity {
                secret,
                caller: Arc::new(caller),
            };
            if by_access_key.insert(key.clone(), identity).is_some() {
                return Err(format!("access key id {key} is configured twice"));
            }
        }
        Ok(Self { by_access_key })
    }

    /// True when no identity is configured: requests are then not authenticated.
    pub fn is_empty(&self) -> bool {
        self.by_access_key.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_access_key.len()
    }

    pub fn get(&self, access_key_id: &str) -> Option<&Identity> {
        self.by_access_key.get(access_key_id)
    }

    /// What `next` changes, access key by access key: `+KEY` added, `-KEY` removed,
    /// `~KEY` with another secret, principal or policies. Sorted.
    pub fn changes_to(&self, next: &Identities) -> Vec<String> {
        let mut changes = Vec::new();
        for (key, identity) in &next.by_access_key {
            match self.by_access_key.get(key) {
                None => changes.push(format!("+{key}")),
                Some(old)
                    if old.secret.expose() != identity.secret.expose()
                        || format!("{:?}", old.caller) != format!("{:?}", identity.caller) =>
                {
                    changes.push(format!("~{key}"))
                }
                Some(_) => {}
            }
        }
        for key in self.by_access_key.keys() {
            if !next.by_access_key.contains_key(key) {
                changes.push(format!("-{key}"));
            }
        }
        changes.sort();
        changes
    }
}

/// Reads the AWS shared-credentials layout: `[profile]` sections of `key = value`
/// lines, `#` or `;` comments. Returns each section's secret by its access key id.
fn parse_credentials_file(text: &str) -> Result<HashMap<String, Secret>, String> {
    let mut secrets = HashMap::new();
    let mut section: Option<(Option<String>, Option<String>)> = None;
    let close = |section: Option<(Option<String>, Option<String>)>,
                 secrets: &mut HashMap<String, Secret>| {
        if let Some((Some(key), Some(secret))) = section {
            secrets.insert(key, Secret(secret));
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            close(section.take(), &mut secrets);
            section = Some((None, None));
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {}: expected `name = value`", n + 1));
        };
        let Some((key, secret)) = section.as_mut() else {
            return Err(format!("line {}: a setting before any [section]", n + 1));
        };
        match name.trim() {
            "aws_access_key_id" => *key = Some(value.trim().to_owned()),
            "aws_secret_access_key" => *secret = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    close(section, &mut secrets);
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_pairs_keys_with_secrets_per_section() {
        let text = "\
# shared credentials
[alice]
aws_access_key_id = AKIAALICE
aws_secret_access_key = alice-secret
region = us-east-1

[bob]
aws_secret_access_key=bob-secret
aws_access_key_id=AKIABOB
[incomplete]
aws_access_key_id = AKIANOSECRET
";
        let secrets = parse_credentials_file(text).unwrap();
        assert_eq!(secrets.len(), 2);
        assert_eq!(secrets["AKIAALICE"].expose(), "alice-secret");
        assert_eq!(secrets["AKIABOB"].expose(), "bob-secret");
        assert!(parse_credentials_file("aws_access_key_id = x\n").is_err());
        assert!(parse_credentials_file("[a]\nnot a setting\n").is_err());
    }

    #[test]
    fn identities_take_secrets_from_the_file_and_refuse_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        std::fs::write(
            &creds,
            "[a]\naws_access_key_id=AKIAA\naws_secret_access_key=sa\n",
        )
        .unwrap();
        let entry = |key: &str| IdentityConfig {
            access_key_id: key.to_owned(),
            secret_access_key: None,
            account_id: "111111111111".to_owned(),
            principal_arn: None,
            policies: vec![],
            policy_files: vec![],
        };
        let ids = Identities::load(&[entry("AKIAA")], Some(&creds), dir.path()).unwrap();
        assert_eq!(ids.get("AKIAA").unwrap().secret.expose(), "sa");
        let err = Identities::load(&[entry("AKIAB")], Some(&creds), dir.path()).unwrap_err();
        assert!(err.contains("AKIAB"), "{err}");
        let twice = Identities::load(&[entry("AKIAA"), entry("AKIAA")], Some(&creds), dir.path());
        assert!(twice.unwrap_err().contains("twice"));
        let mut bad_account = entry("AKIAA");
        bad_account.account_id = "12".to_owned();
        assert!(Identities::load(&[bad_account], Some(&creds), dir.path()).is_err());
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let shown = format!("{:?}", Secret::new("do-not-print"));
        assert!(!shown.contains("do-not-print"));
    }
}
