//! Master key material: read from a key file, or generated (256 random bits) into the
//! key directory on first start and read back on every later one. Files the server
//! writes are created with mode 0600 in a 0700 directory and synced before use, so a
//! crash cannot leave a key that sealed messages half written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::OsRng;

use crate::KEY_BYTES;

/// Key material as files hold it: 32 raw bytes, or 64 hex digits (surrounding
/// whitespace allowed).
pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<[u8; KEY_BYTES], String> {
    if bytes.len() == KEY_BYTES {
        return Ok(bytes.try_into().expect("length checked"));
    }
    let text = std::str::from_utf8(bytes).unwrap_or("").trim();
    let mut key = [0u8; KEY_BYTES];
    hex::decode_to_slice(text, &mut key).map_err(|_| {
        format!(
            "{}: a key file holds 32 raw bytes or 64 hex digits",
            path.display()
        )
    })?;
    Ok(key)
}

pub(crate) fn read(path: &Path) -> Result<[u8; KEY_BYTES], String> {
    let bytes =
        fs::read(path).map_err(|e| format!("cannot read key file {}: {e}", path.display()))?;
    parse(&bytes, path)
}

/// 256 bits from the operating system's generator.
pub(crate) fn random_key() -> [u8; KEY_BYTES] {
    let mut key = [0u8; KEY_BYTES];
    OsRng.fill_bytes(&mut key);
    key
}

/// The generated key `name` in `dir`: read if it exists, else generated and written.
pub(crate) fn load_or_generate(dir: &Path, name: &str) -> Result<[u8; KEY_BYTES], String> {
    let path = dir.join(format!("{name}.key"));
    if path.exists() {
        return read(&path);
    }
    create_private_dir(dir)?;
    let key = random_key();
    if !write_new(&path, hex::encode(key).as_bytes())? {
        // Another process generated it first: its key is the one.
        return read(&path);
    }
    tracing::info!(path = %path.display(), "generated a new master key");
    Ok(key)
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the key directory {}: {e}", dir.display()))
}

/// Writes a new file (mode 0600) through a temporary name, syncing file and directory,
/// so the key is either wholly there or not at all. It never replaces an existing file
/// (a hard link, not a rename): two processes starting on one data directory at once
/// must not each believe their own key is on disk. `false` if the file existed.
pub(crate) fn write_new(path: &Path, contents: &[u8]) -> Result<bool, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp: PathBuf = path.with_extension(format!("key.{}.tmp", std::process::id()));
    let fail = |e: std::io::Error| format!("cannot write key file {}: {e}", path.display());
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    file.write_all(contents).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    file.sync_all().map_err(fail)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(fail(e)),
    }
    if let Some(parent) = path.parent() {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(fail)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kms = dir.path().join("kms");
        let first = load_or_generate(&kms, "k1").unwrap();
        let again = load_or_generate(&kms, "k1").unwrap();
        assert_eq!(first, again);
        let mode = fs::metadata(kms.join("k1.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = fs::metadata(&kms).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_ne!(load_or_generate(&kms, "k2").unwrap(), first);
        // A file that appears meanwhile is never replaced.
        assert!(!write_new(&kms.join("k1.key"), b"other").unwrap());
        assert_eq!(read(&kms.join("k1.key")).unwrap(), first);
        let names: Vec<_> = fs::read_dir(&kms)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
    }

    #[test]
    fn raw_and_hex_files_are_read() {
        let p = Path::new("k");
        assert_eq!(parse(&[5; 32], p).unwrap(), [5; 32]);
        let hex_text = format!("  {}\n", "ab".repeat(32));
        assert_eq!(parse(hex_text.as_bytes(), p).unwrap(), [0xab; 32]);
        assert!(parse(b"short", p).is_err());
    }
}
