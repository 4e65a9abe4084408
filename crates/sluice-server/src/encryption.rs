//! Wiring of server-side encryption at rest: the key service (`sluice-kms`) is built
//! from the `[[kms_keys]]` config section, with its generated keys under
//! `<data_dir>/kms` (in memory: generated afresh at every start).

use std::sync::Arc;

use sluice_kms::Keyring;

use crate::config::Config;

/// The folder under the data directory that holds generated master keys.
pub const KEY_DIR_NAME: &str = "kms";

/// Opens the key ring the store seals with and the service checks keys against.
/// Relative key file paths start from the config file's folder.
pub fn open_keyring(config: &Config) -> Result<Arc<Keyring>, String> {
    let keys: Vec<_> = config
        .kms_keys
        .iter()
        .cloned()
        .map(|mut k| {
            k.key_file = k.key_file.map(|p| config.config_dir.join(p));
            k
        })
        .collect();
    let key_dir = config.data_dir.as_ref().map(|d| d.join(KEY_DIR_NAME));
    let ring = Keyring::open(key_dir, &keys).map_err(|e| format!("key service: {e}"))?;
    Ok(Arc::new(ring))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Cli;

    fn config_from(dir: &std::path::Path, toml: &str) -> Result<Config, String> {
        let path = dir.join("sluice.toml");
        std::fs::write(&path, toml).unwrap();
        Config::from_cli(Cli {
            config: Some(path),
            ..Cli::default()
        })
    }

    #[test]
    fn keys_come_from_the_config_file_with_paths_relative_to_it() {
        use sluice_core::sqs::sealing::MessageSealer;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        std::fs::write(dir.path().join("keys/a.key"), "cd".repeat(32)).unwrap();
        let data = dir.path().join("data");
        let config = config_from(
            dir.path(),
            &format!(
                r#"
data_dir = "{}"
[[kms_keys]]
id = "a"
aliases = ["alias/a"]
key_file = "keys/a.key"
[[kms_keys]]
id = "b"
enabled = false
"#,
                data.display()
            ),
        )
        .unwrap();
        assert_eq!(config.kms_keys.len(), 2);
        assert!(!config.kms_keys[1].enabled);
        let ring = open_keyring(&config).unwrap();
        // "b" and the server's keys were generated into the data directory; "a" was read.
        assert!(data.join("kms/b.key").exists());
        assert!(data.join("kms/sluice-sqs-managed.key").exists());
        assert!(!data.join("kms/a.key").exists());
        let _ = ring.open(&[]).unwrap_err();
    }

    #[test]
    fn bad_key_declarations_stop_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            config_from(dir.path(), "[[kms_keys]]\nid = \"a\"\nkeyfile = \"x\"\n").unwrap_err();
        assert!(err.contains("keyfile"), "{err}");
        let config = config_from(
            dir.path(),
            "in_memory = true\n[[kms_keys]]\nid = \"a\"\nkey_file = \"missing.key\"\n",
        )
        .unwrap();
        let err = open_keyring(&config).unwrap_err();
        assert!(err.contains("missing.key"), "{err}");
    }
}
