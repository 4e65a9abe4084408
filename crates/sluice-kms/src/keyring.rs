//! The key ring: master keys by id, aliases, and the data keys in use. It resolves the
//! key a queue names (key id, key ARN, alias, alias ARN) the way KMS does, and seals
//! and opens envelopes (`envelope.rs`).
//!
//! Data keys live only in memory. Each (queue, master key) pair has one, created on
//! first use and replaced once it is older than the queue's data key reuse period, so
//! a master key wraps few keys and a data key seals a bounded number of messages. Its
//! nonces are a counter, never repeated: a data key is never loaded again after a
//! restart (openers unwrap it, but only to open).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use parking_lot::Mutex;
use sluice_core::clock::EpochMs;
use sluice_core::kinesis::StreamKey;
use sluice_core::limits::KMS_DATA_KEY_REUSE_PERIOD_DEFAULT_S;
use sluice_core::sqs::sealing::{protection, MessageSealer, Protection, SealError};
use sluice_core::sqs::store::QueueMeta;

use crate::config::KeyConfig;
use crate::envelope::{self, write_header};
use crate::material;
use crate::{DATA_KEY_ID_BYTES, KEY_BYTES, KEY_ID_MAX_BYTES, NONCE_BYTES, TAG_BYTES};

/// The id of the server's own key, used for SQS-managed SSE (SSE-SQS).
pub const SERVER_KEY_ID: &str = "sluice-sqs-managed";
/// The alias of the AWS managed key for SQS, which always exists.
pub const AWS_MANAGED_SQS_ALIAS: &str = "alias/aws/sqs";
/// The id behind [`AWS_MANAGED_SQS_ALIAS`].
const AWS_MANAGED_SQS_KEY_ID: &str = "aws-managed-sqs";
/// The alias of the AWS managed key for Kinesis, which always exists.
pub const AWS_MANAGED_KINESIS_ALIAS: &str = "alias/aws/kinesis";
/// The id behind [`AWS_MANAGED_KINESIS_ALIAS`].
const AWS_MANAGED_KINESIS_KEY_ID: &str = "aws-managed-kinesis";
/// Aliases under this prefix are AWS's; a config file may not declare them.
const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";
/// Data keys remembered for opening; past this the memory is cleared (they are
/// unwrapped again as needed), which bounds it however many rotations recovery sees.
const OPENED_DATA_KEYS_MAX: usize = 65_536;

/// A master key.
pub(crate) struct MasterKey {
    id: String,
    enabled: bool,
    pending_deletion: bool,
    cipher: Aes256Gcm,
}

/// What a data key seals for: a queue, or one incarnation of a Kinesis stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum DataKeyOwner {
    Queue(u64),
    Stream(StreamKey, EpochMs),
}

/// A data key in use for sealing.
struct DataKey {
    cipher: Aes256Gcm,
    /// The envelope header up to the nonce: the same for every item this key seals.
    header: Vec<u8>,
    created_ms: EpochMs,
    next_nonce: AtomicU64,
}

/// Master keys, aliases and data keys. Implements [`MessageSealer`].
pub struct Keyring {
    keys: HashMap<String, MasterKey>,
    aliases: HashMap<String, String>,
    sealing: Mutex<HashMap<(DataKeyOwner, String), Arc<DataKey>>>,
    opened: Mutex<HashMap<[u8; DATA_KEY_ID_BYTES], Arc<Aes256Gcm>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the material.
        f.debug_struct("Keyring")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("aliases", &self.aliases)
            .finish_non_exhaustive()
    }
}

/// What a queue's key reference resolved to.
struct Resolved<'a> {
    key: &'a MasterKey,
    reuse_period_s: u32,
}

impl Keyring {
    /// Builds the ring from the configured keys. With `key_dir` (`<data_dir>/kms`) the
    /// server's keys and keys without a key file are generated there once and read
    /// back later; without it (in memory) they are generated afresh.
    pub fn open(key_dir: Option<PathBuf>, configured: &[KeyConfig]) -> Result<Self, String> {
        let load = |name: &str| match &key_dir {
            Some(dir) => material::load_or_generate(dir, name),
            None => Ok(material::random_key()),
        };
        let mut ring = Self {
            keys: HashMap::new(),
            aliases: HashMap::new(),
            sealing: Mutex::new(HashMap::new()),
            opened: Mutex::new(HashMap::new()),
        };
        ring.insert(SERVER_KEY_ID, &load(SERVER_KEY_ID)?, true, false);
        ring.insert(
            AWS_MANAGED_SQS_KEY_ID,
            &load(AWS_MANAGED_SQS_KEY_ID)?,
            true,
            false,
        );
        ring.aliases.insert(
            AWS_MANAGED_SQS_ALIAS.to_owned(),
            AWS_MANAGED_SQS_KEY_ID.to_owned(),
        );
        ring.insert(
            AWS_MANAGED_KINESIS_KEY_ID,
            &load(AWS_MANAGED_KINESIS_KEY_ID)?,
            true,
            false,
        );
        ring.aliases.insert(
            AWS_MANAGED_KINESIS_ALIAS.to_owned(),
            AWS_MANAGED_KINESIS_KEY_ID.to_owned(),
        );
        for k in configured {
            validate_key_id(&k.id)?;
            if ring.keys.contains_key(&k.id) {
                return Err(format!("kms key {:?} is declared twice or reserved", k.id));
            }
            let material = match &k.key_file {
                Some(path) => material::read(path)?,
                None => load(&k.id)?,
            };
            ring.insert(&k.id, &material, k.enabled, k.pending_deletion);
            for alias in &k.aliases {
                validate_alias(alias)?;
                if ring.aliases.insert(alias.clone(), k.id.clone()).is_some() {
                    return Err(format!("kms alias {alias:?} is declared twice"));
                }
            }
        }
        Ok(ring)
    }

    fn insert(&mut self, id: &str, material: &[u8; KEY_BYTES], enabled: bool, pending: bool) {
        self.keys.insert(
            id.to_owned(),
            MasterKey {
                id: id.to_owned(),
                enabled,
                pending_deletion: pending,
                cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(material)),
            },
        );
    }

    /// The master key a queue's attributes name, usable or not; `None` for a queue
    /// that is not encrypted.
    fn resolve(&self, queue: &QueueMeta) -> Option<Result<Resolved<'_>, SealError>> {
        let (key, reuse_period_s) = match protection(&queue.attributes) {
            Protection::Plain => return None,
            Protection::Managed => (self.server_key(), KMS_DATA_KEY_REUSE_PERIOD_DEFAULT_S),
            Protection::Kms {
                key,
                data_key_reuse_period_s,
            } => (
                self.lookup(key, &queue.key.region, &queue.key.account_id),
                data_key_reuse_period_s,
            ),
        };
        Some(key.map(|key| Resolved {
            key,
            reuse_period_s,
        }))
    }

    fn server_key(&self) -> Result<&MasterKey, SealError> {
        self.keys
            .get(SERVER_KEY_ID)
            .ok_or_else(|| SealError::NotFound("the server's SSE-SQS key is missing".into()))
    }

    /// Resolves a KMS key reference as KMS would, in the queue's (or stream's) region and
    /// account.
    pub(crate) fn lookup(
        &self,
        reference: &str,
        region: &str,
        account: &str,
    ) -> Result<&MasterKey, SealError> {
        let arn_base = format!("arn:aws:kms:{region}:{account}:");
        let (resource, from_arn) = match reference.strip_prefix(&arn_base) {
            Some(resource) => (resource, true),
            None if reference.starts_with("arn:") => {
                return Err(SealError::NotFound(format!("Invalid arn {reference}")));
            }
            None => (reference, false),
        };
        if resource.starts_with("alias/") {
            return self
                .aliases
                .get(resource)
                .and_then(|id| self.keys.get(id))
                .ok_or_else(|| {
                    SealError::NotFound(format!("Alias {arn_base}{resource} is not found."))
                });
        }
        let id = match resource.strip_prefix("key/") {
            Some(id) => id,
            None if from_arn => {
                return Err(SealError::NotFound(format!("Invalid arn {reference}")));
            }
            None => resource,
        };
        // The server's own key and the AWS managed key are reached only by their
        // attributes and alias, as on AWS.
        self.keys
            .get(id)
            .filter(|k| k.id != SERVER_KEY_ID)
            .ok_or_else(|| SealError::NotFound(format!("Key '{arn_base}key/{id}' does not exist")))
    }

    /// The key if it can seal now (neither disabled nor pending deletion), named in
    /// errors by its ARN in `region` and `account`.
    pub(crate) fn usable<'a>(
        &self,
        region: &str,
        account: &str,
        key: &'a MasterKey,
    ) -> Result<&'a MasterKey, SealError> {
        let arn = format!("arn:aws:kms:{region}:{account}:key/{}", key.id);
        if key.pending_deletion {
            return Err(SealError::InvalidState(format!(
                "{arn} is pending deletion."
            )));
        }
        if !key.enabled {
            return Err(SealError::Disabled(format!("{arn} is disabled.")));
        }
        Ok(key)
    }

    /// The data key for (owner, master key): the current one while it is younger than
    /// its reuse period, else a new one wrapped by the master key.
    fn data_key(
        &self,
        owner: DataKeyOwner,
        master: &MasterKey,
        reuse_period_s: u32,
        now_ms: EpochMs,
    ) -> Result<Arc<DataKey>, SealError> {
        let reuse_period_ms = u64::from(reuse_period_s) * 1000;
        let mut sealing = self.sealing.lock();
        let slot = (owner, master.id.clone());
        if let Some(current) = sealing.get(&slot) {
            // The queue's period as it is now (it may have been changed since).
            if now_ms.saturating_sub(current.created_ms) < reuse_period_ms {
                return Ok(current.clone());
            }
        }
        let fresh = Arc::new(new_data_key(master, now_ms)?);
        sealing.insert(slot, fresh.clone());
        Ok(fresh)
    }

    pub(crate) fn seal_with(
        &self,
        owner: DataKeyOwner,
        master: &MasterKey,
        reuse_period_s: u32,
        plaintext: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError> {
        let data_key = self.data_key(owner, master, reuse_period_s, now_ms)?;
        let counter = data_key.next_nonce.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; NONCE_BYTES];
        nonce[NONCE_BYTES - 8..].copy_from_slice(&counter.to_be_bytes());
        let ciphertext = data_key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &data_key.header,
                },
            )
            .map_err(|_| SealError::Corrupt("encryption failed".to_owned()))?;
        let mut out = Vec::with_capacity(data_key.header.len() + NONCE_BYTES + ciphertext.len());
        out.extend_from_slice(&data_key.header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// The cipher of the data key an envelope names, unwrapping it if need be.
    fn opener(&self, e: &envelope::Envelope<'_>) -> Result<Arc<Aes256Gcm>, SealError> {
        if let Some(cipher) = self.opened.lock().get(&e.data_key_id) {
            return Ok(cipher.clone());
        }
        let master = self.keys.get(e.master_key_id).ok_or_else(|| {
            SealError::NotFound(format!(
                "the master key {:?} that sealed this item is not configured",
                e.master_key_id
            ))
        })?;
        if e.wrapped_key.len() != NONCE_BYTES + KEY_BYTES + TAG_BYTES {
            return Err(SealError::Corrupt(
                "wrapped data key has the wrong size".into(),
            ));
        }
        let (nonce, wrapped) = e.wrapped_key.split_at(NONCE_BYTES);
        let material = master
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: wrapped,
                    aad: &wrap_aad(&master.id, &e.data_key_id),
                },
            )
            .map_err(|_| {
                SealError::Corrupt(format!(
                    "the data key does not unwrap under master key {:?} (wrong key material?)",
                    master.id
                ))
            })?;
        let cipher = Arc::new(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&material)));
        let mut opened = self.opened.lock();
        if opened.len() >= OPENED_DATA_KEYS_MAX {
            opened.clear();
        }
        opened.insert(e.data_key_id, cipher.clone());
        Ok(cipher)
    }
}

/// What a wrapped data key is bound to: its master key and its own id.
fn wrap_aad(master_key_id: &str, data_key_id: &[u8; DATA_KEY_ID_BYTES]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(master_key_id.len() + DATA_KEY_ID_BYTES + 1);
    aad.extend_from_slice(master_key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(data_key_id);
    aad
}

fn new_data_key(master: &MasterKey, now_ms: EpochMs) -> Result<DataKey, SealError> {
    let material = material::random_key();
    let id: [u8; DATA_KEY_ID_BYTES] = material::random_key()[..DATA_KEY_ID_BYTES]
        .try_into()
        .expect("length fits");
    let wrap_nonce: [u8; NONCE_BYTES] = material::random_key()[..NONCE_BYTES]
        .try_into()
        .expect("length fits");
    let wrapped = master
        .cipher
        .encrypt(
            Nonce::from_slice(&wrap_nonce),
            Payload {
                msg: &material,
                aad: &wrap_aad(&master.id, &id),
            },
        )
        .map_err(|_| SealError::Corrupt("data key wrapping failed".to_owned()))?;
    let mut wrapped_key = wrap_nonce.to_vec();
    wrapped_key.extend_from_slice(&wrapped);
    let mut header = Vec::new();
    write_header(&mut header, &master.id, &id, &wrapped_key);
    Ok(DataKey {
        cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&material)),
        header,
        created_ms: now_ms,
        next_nonce: AtomicU64::new(0),
    })
}

fn validate_key_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= KEY_ID_MAX_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "kms key id {id:?} must be 1-{KEY_ID_MAX_BYTES} letters, digits, '-' or '_'"
        ))
    }
}

fn validate_alias(alias: &str) -> Result<(), String> {
    let name = alias.strip_prefix("alias/").unwrap_or("");
    if name.is_empty() || alias.starts_with(RESERVED_ALIAS_PREFIX) {
        return Err(format!(
            "kms alias {alias:?} must look like alias/NAME and not start with {RESERVED_ALIAS_PREFIX}"
        ));
    }
    Ok(())
}

impl MessageSealer for Keyring {
    fn check(&self, queue: &QueueMeta, _now_ms: EpochMs) -> Result<(), SealError> {
        match self.resolve(queue) {
            None => Ok(()),
            Some(resolved) => self
                .usable(&queue.key.region, &queue.key.account_id, resolved?.key)
                .map(|_| ()),
        }
    }

    fn seal(
        &self,
        queue: &QueueMeta,
        plaintext: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError> {
        let Some(resolved) = self.resolve(queue) else {
            return self.seal_with_server_key(queue, plaintext, now_ms);
        };
        let resolved = resolved?;
        let key = self.usable(&queue.key.region, &queue.key.account_id, resolved.key)?;
        self.seal_with(
            DataKeyOwner::Queue(queue.id),
            key,
            resolved.reuse_period_s,
            plaintext,
            now_ms,
        )
    }

    fn seal_with_server_key(
        &self,
        queue: &QueueMeta,
        plaintext: &[u8],
        now_ms: EpochMs,
    ) -> Result<Vec<u8>, SealError> {
        let key = self.server_key()?;
        self.seal_with(
            DataKeyOwner::Queue(queue.id),
            key,
            KMS_DATA_KEY_REUSE_PERIOD_DEFAULT_S,
            plaintext,
            now_ms,
        )
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let e = envelope::parse(sealed).map_err(SealError::Corrupt)?;
        let cipher = self.opener(&e)?;
        cipher
            .decrypt(
                Nonce::from_slice(&e.nonce),
                Payload {
                    msg: e.ciphertext,
                    aad: e.header,
                },
            )
            .map_err(|_| SealError::Corrupt("authentication failed (tampered or truncated)".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::sqs::attributes::QueueAttributes;
    use sluice_core::sqs::names::QueueKey;

    fn queue(id: u64, kms: Option<&str>, managed: bool) -> QueueMeta {
        let mut attributes = QueueAttributes::defaults(false);
        attributes.kms_master_key_id = kms.map(str::to_owned);
        attributes.sqs_managed_sse_enabled = managed;
        attributes.kms_data_key_reuse_period_s = 60;
        QueueMeta {
            key: QueueKey::new("us-east-1", "000000000000", &format!("q{id}")),
            id,
            attributes,
            tags: Default::default(),
            created_at_ms: 0,
            last_modified_ms: 0,
            last_purge_ms: None,
        }
    }

    fn ring() -> Keyring {
        let mut disabled = KeyConfig::generated("off", &["alias/off"]);
        disabled.enabled = false;
        let mut doomed = KeyConfig::generated("doomed", &[]);
        doomed.pending_deletion = true;
        Keyring::open(
            None,
            &[
                KeyConfig::generated("k1", &["alias/orders"]),
                disabled,
                doomed,
            ],
        )
        .unwrap()
    }

    fn data_key_id(sealed: &[u8]) -> [u8; DATA_KEY_ID_BYTES] {
        envelope::parse(sealed).unwrap().data_key_id
    }

    #[test]
    fn seal_open_round_trip_for_every_way_of_naming_a_key() {
        let ring = ring();
        for reference in [
            None,
            Some("k1"),
            Some("alias/orders"),
            Some("arn:aws:kms:us-east-1:000000000000:key/k1"),
            Some("arn:aws:kms:us-east-1:000000000000:alias/orders"),
            Some("alias/aws/sqs"),
        ] {
            let q = queue(1, reference, reference.is_none());
            ring.check(&q, 0).unwrap();
            let sealed = ring.seal(&q, b"secret body 42", 1_000).unwrap();
            assert!(!sealed.windows(6).any(|w| w == b"secret"), "{reference:?}");
            assert_eq!(ring.open(&sealed).unwrap(), b"secret body 42");
            let master = envelope::parse(&sealed).unwrap().master_key_id.to_owned();
            let expected = match reference {
                None => SERVER_KEY_ID,
                Some("alias/aws/sqs") => AWS_MANAGED_SQS_KEY_ID,
                Some(_) => "k1",
            };
            assert_eq!(master, expected);
        }
    }

    #[test]
    fn data_keys_rotate_after_the_reuse_period_and_old_ones_still_open() {
        let ring = ring();
        let q = queue(1, Some("k1"), false); // reuse period 60 s
        let a = ring.seal(&q, b"a", 10_000).unwrap();
        let b = ring.seal(&q, b"b", 69_999).unwrap();
        let c = ring.seal(&q, b"c", 70_000).unwrap();
        assert_eq!(data_key_id(&a), data_key_id(&b));
        assert_ne!(data_key_id(&b), data_key_id(&c));
        // Another queue under the same master key has its own data key.
        let other = ring
            .seal(&queue(2, Some("k1"), false), b"d", 10_000)
            .unwrap();
        assert_ne!(data_key_id(&other), data_key_id(&a));
        // Nonces never repeat under one data key.
        assert_ne!(
            envelope::parse(&a).unwrap().nonce,
            envelope::parse(&b).unwrap().nonce
        );
        // Every data key, current or replaced, still opens what it sealed.
        for (sealed, plain) in [(&a, b"a"), (&b, b"b"), (&c, b"c")] {
            assert_eq!(ring.open(sealed).unwrap(), plain);
        }
    }

    #[test]
    fn tampering_anywhere_is_refused() {
        let ring = ring();
        let sealed = ring
            .seal(&queue(1, Some("k1"), false), b"payload", 0)
            .unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(ring.open(&bad).is_err(), "byte {i} flipped still opened");
        }
        assert!(ring.open(&sealed[..sealed.len() - 1]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_open_and_never_panic() {
        use rand::{Rng, SeedableRng};
        let ring = ring();
        let good = ring.seal(&queue(1, None, true), b"payload", 0).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let mut bytes = if rng.gen_bool(0.5) {
                good.clone()
            } else {
                (0..rng.gen_range(0..200)).map(|_| rng.gen()).collect()
            };
            if !bytes.is_empty() {
                let cut = rng.gen_range(0..=bytes.len());
                bytes.truncate(cut);
                if let Some(b) = bytes.get_mut(rng.gen_range(0..=cut.max(1) - 1)) {
                    *b ^= rng.gen_range(1..=255u8);
                }
            }
            assert!(ring.open(&bytes).is_err());
        }
    }

    #[test]
    fn unknown_disabled_and_pending_keys_give_kms_errors() {
        let ring = ring();
        let err = |kms: &str| ring.check(&queue(1, Some(kms), false), 0).unwrap_err();
        assert_eq!(
            err("nope"),
            SealError::NotFound(
                "Key 'arn:aws:kms:us-east-1:000000000000:key/nope' does not exist".into()
            )
        );
        assert_eq!(
            err("alias/missing"),
            SealError::NotFound(
                "Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.".into()
            )
        );
        // A key in another account or region is not found.
        assert!(matches!(
            err("arn:aws:kms:eu-west-1:000000000000:key/k1"),
            SealError::NotFound(_)
        ));
        // The server's own key cannot be named.
        assert!(matches!(err(SERVER_KEY_ID), SealError::NotFound(_)));
        assert_eq!(
            err("alias/off"),
            SealError::Disabled("arn:aws:kms:us-east-1:000000000000:key/off is disabled.".into())
        );
        assert!(matches!(err("doomed"), SealError::InvalidState(_)));
        let q = queue(1, Some("off"), false);
        assert!(matches!(
            ring.seal(&q, b"x", 0),
            Err(SealError::Disabled(_))
        ));
        // The server's key still seals such a message (snapshots do this).
        let sealed = ring.seal_with_server_key(&q, b"x", 0).unwrap();
        assert_eq!(ring.open(&sealed).unwrap(), b"x");
        // A plain queue needs no key.
        ring.check(&queue(1, None, false), 0).unwrap();
    }

    #[test]
    fn a_disabled_key_still_opens_what_it_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let kms = Some(dir.path().join("kms"));
        let sealed = {
            let ring = Keyring::open(kms.clone(), &[KeyConfig::generated("k1", &[])]).unwrap();
            ring.seal(&queue(1, Some("k1"), false), b"kept", 0).unwrap()
        };
        let mut off = KeyConfig::generated("k1", &[]);
        off.enabled = false;
        let ring = Keyring::open(kms, &[off]).unwrap();
        assert_eq!(ring.open(&sealed).unwrap(), b"kept");
        // Under other material (the key file was replaced) it does not open.
        let other = Keyring::open(None, &[KeyConfig::generated("k1", &[])]).unwrap();
        assert!(matches!(other.open(&sealed), Err(SealError::Corrupt(_))));
        // Without the key at all it is not found.
        let none = Keyring::open(None, &[]).unwrap();
        assert!(matches!(none.open(&sealed), Err(SealError::NotFound(_))));
    }

    #[test]
    fn bad_declarations_are_refused() {
        for bad in [
            vec![KeyConfig::generated("a b", &[])],
            vec![KeyConfig::generated(SERVER_KEY_ID, &[])],
            vec![KeyConfig::generated("k", &["orders"])],
            vec![KeyConfig::generated("k", &["alias/aws/mine"])],
            vec![
                KeyConfig::generated("k", &["alias/x"]),
                KeyConfig::generated("j", &["alias/x"]),
            ],
            vec![
                KeyConfig::generated("k", &[]),
                KeyConfig::generated("k", &[]),
            ],
        ] {
            assert!(Keyring::open(None, &bad).is_err(), "{bad:?}");
        }
    }
}
