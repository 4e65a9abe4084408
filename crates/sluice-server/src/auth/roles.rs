//! The roles STS lets callers assume, as the config file declares them (`[[roles]]`):
//! the role's ARN, its trust policy, its permission policies (inline or in files) and
//! the longest session it allows.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sluice_core::sts::{Role, Roles};

/// One `[[roles]]` entry of the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// `arn:aws:iam::ACCOUNT:role/NAME`.
    pub arn: String,
    /// Who may assume the role (a JSON policy document whose principals are trusted).
    pub trust_policy: Option<String>,
    /// The trust policy in a file, relative to the config file's folder.
    pub trust_policy_file: Option<PathBuf>,
    /// Permission policies (JSON documents) the role's sessions hold.
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub policy_files: Vec<PathBuf>,
    /// The longest session AssumeRole may ask for, 3600-43200 (default 3600).
    pub max_session_duration_seconds: Option<u32>,
}

/// Loads the roles; any problem is an error that stops the start.
pub fn load(configs: &[RoleConfig], base_dir: &Path) -> Result<Roles, String> {
    let read = |arn: &str, file: &Path| {
        let path = base_dir.join(file);
        std::fs::read_to_string(&path)
            .map_err(|e| format!("role {arn}: cannot read {}: {e}", path.display()))
    };
    let mut roles = Vec::with_capacity(configs.len());
    for config in configs {
        let arn = &config.arn;
        let trust = match (&config.trust_policy, &config.trust_policy_file) {
            (Some(text), None) => text.clone(),
            (None, Some(file)) => read(arn, file)?,
            _ => {
                return Err(format!(
                    "role {arn}: give exactly one of trust_policy and trust_policy_file"
                ))
            }
        };
        let mut policies = config.policies.clone();
        for file in &config.policy_files {
            policies.push(read(arn, file)?);
        }
        roles.push(Role::new(
            arn,
            &trust,
            &policies,
            config.max_session_duration_seconds,
        )?);
    }
    Roles::new(roles)
}
