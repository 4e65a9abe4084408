//! How a master key is declared in the config file (`[[kms_keys]]`).

use std::path::PathBuf;

use serde::Deserialize;

/// One master key: its id, the aliases that name it, where its material is, and its
/// state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key id queues name (alone or in a key ARN), e.g. a UUID. Letters, digits,
    /// `-` and `_` only: it also names the generated key file.
    pub id: String,
    /// Alias names (`alias/orders`) that resolve to this key.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A file holding the key material (32 raw bytes or 64 hex digits). Without one
    /// the material is generated into `<data_dir>/kms/<id>.key` on first start.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// A disabled key refuses sends and receives (KMS.DisabledException); messages
    /// already stored under it are still recovered.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// A key pending deletion refuses sends and receives (KMS.InvalidStateException).
    #[serde(default)]
    pub pending_deletion: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl KeyConfig {
    /// An enabled key with generated material (for tests and examples).
    pub fn generated(id: &str, aliases: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            key_file: None,
            enabled: true,
            pending_deletion: false,
        }
    }
}
