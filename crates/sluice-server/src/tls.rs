//! TLS for the HTTPS listener: which certificate it serves (PEM files named in the
//! settings, or a development certificate generated once and kept), and the rustls
//! acceptor built from it.
//!
//! rustls runs on the `ring` provider, named explicitly rather than taken from a
//! process-wide default: when another crate in the build enables a second provider,
//! rustls cannot pick a default on its own.
//!
//! The development certificate (`--tls-self-signed`) is kept beside the data so clients
//! that trust it once keep trusting it: on start it is reused while it stays valid for
//! every name it must cover, and only otherwise generated anew.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

/// Where the HTTPS listener listens unless told otherwise: the port after the plain
/// listener's default.
pub const DEFAULT_TLS_LISTEN: &str = "127.0.0.1:9325";
/// The folder under the data directory that holds the development certificate.
pub const SELF_SIGNED_DATA_SUBDIR: &str = "tls";
/// The folder under the system's temporary directory that holds the development
/// certificate when the server keeps no data directory (`--in-memory`).
pub const SELF_SIGNED_TEMP_SUBDIR: &str = "sluice-tls";
/// The development certificate: the file clients are told to trust.
pub const SELF_SIGNED_CERT_FILE: &str = "self-signed-cert.pem";
/// The development certificate's private key (owner-readable only on Unix).
pub const SELF_SIGNED_KEY_FILE: &str = "self-signed-key.pem";
/// Names every development certificate covers, besides the configured ones.
pub const SELF_SIGNED_DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// How long a new development certificate is valid. Kept to a year: some clients refuse
/// certificates valid for much longer.
pub const SELF_SIGNED_VALIDITY_DAYS: u64 = 365;
/// How long before its start a new development certificate is already valid, so a client
/// whose clock is a little behind the server's accepts it.
pub const SELF_SIGNED_BACKDATE_DAYS: u64 = 1;
/// A kept development certificate with less validity left than this is replaced at
/// start, so it does not expire under a running server.
pub const SELF_SIGNED_RENEW_BEFORE_DAYS: u64 = 30;
/// Tries at writing a consistent certificate and key pair when other servers sharing the
/// folder write theirs at the same moment.
pub const SELF_SIGNED_WRITE_ATTEMPTS: usize = 3;
/// ALPN's name for HTTP/2 over TLS.
pub const ALPN_HTTP2: &[u8] = b"h2";
/// ALPN's name for HTTP/1.1.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The HTTPS listener's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub listen: SocketAddr,
    pub identity: Identity,
    /// Serve HTTPS only: the plain listener is not opened.
    pub only: bool,
}

/// Which certificate the HTTPS listener serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A PEM certificate chain (leaf first) and its PEM private key.
    Files { cert: PathBuf, key: PathBuf },
    /// A development certificate kept in `dir`, covering the default names and `names`.
    SelfSigned { dir: PathBuf, names: Vec<String> },
}

/// The TLS settings as given (flag, environment or file), before they are checked.
#[derive(Debug, Default, Clone)]
pub struct TlsSettings {
    pub listen: Option<SocketAddr>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub self_signed: bool,
    pub only: bool,
}

impl TlsSettings {
    /// The HTTPS listener to run, if any. TLS is on when a certificate source is named:
    /// `cert` with `key`, or `self_signed`. The development certificate goes under the
    /// data directory, or the temporary directory without one, and also covers the host
    /// of `base_url` and the listener's own address when it is a specific one.
    pub fn resolve(
        self,
        data_dir: Option<&Path>,
        base_url: Option<&str>,
    ) -> Result<Option<TlsConfig>, String> {
        let identity = match (self.cert, self.key, self.self_signed) {
            (Some(_), _, true) | (_, Some(_), true) => {
                return Err("tls_self_signed cannot be combined with tls_cert/tls_key".into())
            }
            (Some(cert), Some(key), false) => Some(Identity::Files { cert, key }),
            (Some(_), None, false) => return Err("tls_cert needs tls_key".into()),
            (None, Some(_), false) => return Err("tls_key needs tls_cert".into()),
            (None, None, true) => None, // filled in below, once the address is known
            (None, None, false) => {
                if self.listen.is_some() || self.only {
                    return Err("tls_listen and tls_only need a certificate: \
                                tls_cert and tls_key, or tls_self_signed"
                        .into());
                }
                return Ok(None);
            }
        };
        let listen = self
            .listen
            .unwrap_or_else(|| DEFAULT_TLS_LISTEN.parse().expect("valid address"));
        let identity = identity.unwrap_or_else(|| {
            let dir = match data_dir {
                Some(dir) => dir.join(SELF_SIGNED_DATA_SUBDIR),
                None => std::env::temp_dir().join(SELF_SIGNED_TEMP_SUBDIR),
            };
            let mut names = Vec::new();
            if let Some(host) = base_url.and_then(url_host) {
                names.push(host);
            }
            if !listen.ip().is_unspecified() {
                names.push(listen.ip().to_string());
            }
            Identity::SelfSigned { dir, names }
        });
        Ok(Some(TlsConfig {
            listen,
            identity,
            only: self.only,
        }))
    }
}

/// The host of a URL such as `https://sqs.example.com:9325/`, without brackets.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// Why the HTTPS listener could not get its certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("the private key in {key} does not fit the certificate in {cert}: {reason}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
    #[error("cannot build the TLS configuration: {0}")]
    Config(String),
    #[error("cannot generate the development certificate: {0}")]
    Generate(String),
    #[error(
        "{path} is not a safe place for the development certificate's key: \
         it must belong to this user and be writable by no one else"
    )]
    UnsafeFolder { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the HTTPS listener serves with.
pub struct Loaded {
    pub acceptor: TlsAcceptor,
    /// The certificate file: the one clients of a development certificate trust.
    pub cert_path: PathBuf,
    /// SHA-256 of the leaf certificate, colon-separated hex as browsers show it.
    pub fingerprint: String,
    /// Whether this is a development certificate generated by this start.
    pub generated: bool,
}

/// Loads (or, for a development certificate, reuses or generates) the certificate and
/// builds the acceptor. `now_ms` is the wall clock, for the development certificate's
/// validity.
pub fn load(identity: &Identity, now_ms: u64) -> Result<Loaded, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (pair, cert_path, generated) = match identity {
        Identity::Files { cert, key } => (read_pair(&provider, cert, key)?, cert.clone(), false),
        Identity::SelfSigned { dir, names } => {
            let (pair, generated) = self_signed(&provider, dir, names, now_ms)?;
            (pair, dir.join(SELF_SIGNED_CERT_FILE), generated)
        }
    };
    let fingerprint = fingerprint(&pair.chain[0]);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(pair.chain, pair.key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    // In the server's order of preference: a client offering both gets HTTP/2.
    config.alpn_protocols = vec![ALPN_HTTP2.to_vec(), ALPN_HTTP1.to_vec()];
    Ok(Loaded {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_path,
        fingerprint,
        generated,
    })
}

/// An HTTP version a TLS handshake settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    Http1,
    Http2,
}

/// The HTTP version ALPN settled on a finished handshake; `None` when the client offered
/// no protocol, so the connection's first bytes tell.
pub fn negotiated(session: &rustls::ServerConnection) -> Option<HttpVersion> {
    match session.alpn_protocol()? {
        ALPN_HTTP2 => Some(HttpVersion::Http2),
        _ => Some(HttpVersion::Http1),
    }
}

/// SHA-256 of a certificate's DER, as `AB:CD:...`.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    Sha256::digest(cert.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A certificate chain with the key that fits its leaf.
struct Pair {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn read_pair(provider: &CryptoProvider, cert: &Path, key: &Path) -> Result<Pair, TlsError> {
    let unreadable = |path: &Path, reason: String| TlsError::Read {
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| unreadable(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_owned(),
        });
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| unreadable(key, e.to_string()))?;
    let mismatch = |reason: String| TlsError::Mismatch {
        cert: cert.to_owned(),
        key: key.to_owned(),
        reason,
    };
    let signing_key = provider
        .key_provider
        .load_private_key(key_der.clone_key())
        .map_err(|e| mismatch(e.to_string()))?;
    CertifiedKey::new(chain.clone(), signing_key)
        .keys_match()
        .map_err(|e| mismatch(e.to_string()))?;
    Ok(Pair {
        chain,
        key: key_der,
    })
}

/// The development certificate in `dir`: the kept one while it stays valid for every
/// name, else a new one. The pair served is always the pair read back from the files,
/// so it is the one clients trust even when another server wrote the folder meanwhile.
/// Returns whether it was generated.
fn self_signed(
    provider: &Arc<CryptoProvider>,
    dir: &Path,
    extra_names: &[String],
    now_ms: u64,
) -> Result<(Pair, bool), TlsError> {
    let cert_path = dir.join(SELF_SIGNED_CERT_FILE);
    let key_path = dir.join(SELF_SIGNED_KEY_FILE);
    let mut names: Vec<String> = SELF_SIGNED_DEFAULT_NAMES
        .iter()
        .map(|n| n.to_string())
        .collect();
    for name in extra_names {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let renew_at_ms = now_ms.saturating_add(SELF_SIGNED_RENEW_BEFORE_DAYS * DAY_MS);
    let usable = |pair: &Pair| {
        covers(provider, &pair.chain[0], &names, now_ms)
            && covers(provider, &pair.chain[0], &names, renew_at_ms)
    };
    create_private_dir(dir)?;
    if let Ok(pair) = read_pair(provider, &cert_path, &key_path) {
        if usable(&pair) {
            return Ok((pair, false));
        }
    }
    let mut last_error = None;
    for _ in 0..SELF_SIGNED_WRITE_ATTEMPTS {
        let (cert_pem, key_pem) = generate(&names, now_ms)?;
        // The key first: a reader that sees the new certificate finds its key too.
        write_atomically(&key_path, key_pem.as_bytes(), true)?;
        write_atomically(&cert_path, cert_pem.as_bytes(), false)?;
        match read_pair(provider, &cert_path, &key_path) {
            Ok(pair) if usable(&pair) => return Ok((pair, true)),
            Ok(_) => last_error = Some("the certificate written is not valid".to_owned()),
            Err(e) => last_error = Some(e.to_string()),
        }
    }
    Err(TlsError::Generate(format!(
        "{} changed while it was written: {}",
        dir.display(),
        last_error.unwrap_or_default()
    )))
}

/// Whether a client trusting `cert` itself would accept it for each of `names` at
/// `at_ms`: the same check a client makes, so a kept certificate is reused exactly
/// when its clients would still accept it.
fn covers(
    provider: &Arc<CryptoProvider>,
    cert: &CertificateDer<'static>,
    names: &[String],
    at_ms: u64,
) -> bool {
    let mut roots = RootCertStore::empty();
    if roots.add(cert.clone()).is_err() {
        return false;
    }
    let Ok(verifier) =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()
    else {
        return false;
    };
    let at = UnixTime::since_unix_epoch(Duration::from_millis(at_ms));
    names.iter().all(|name| {
        ServerName::try_from(name.as_str()).is_ok_and(|server_name| {
            verifier
                .verify_server_cert(cert, &[], &server_name, &[], at)
                .is_ok()
        })
    })
}

/// A new self-signed certificate for `names` (DNS names or IP addresses) and its key,
/// both PEM.
fn generate(names: &[String], now_ms: u64) -> Result<(String, String), TlsError> {
    let failed = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(failed)?;
    let now = time::OffsetDateTime::from_unix_timestamp((now_ms / 1000) as i64)
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    params.not_before = now - time::Duration::days(SELF_SIGNED_BACKDATE_DAYS as i64);
    params.not_after = now + time::Duration::days(SELF_SIGNED_VALIDITY_DAYS as i64);
    let mut subject = rcgen::DistinguishedName::new();
    subject.push(rcgen::DnType::CommonName, "sluice development certificate");
    params.distinguished_name = subject;
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let cert = params.self_signed(&key).map_err(failed)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Creates `dir` (owner-only on Unix) if needed, and checks that nobody else could have
/// put a key there: the temporary directory is shared, and a planted key would let its
/// author impersonate the server.
fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    let failed = |source| TlsError::Write {
        path: dir.to_owned(),
        source,
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        builder.mode(0o700);
        builder.create(dir).map_err(failed)?;
        // Our own user id, from a file we create (std has no getuid).
        let probe = dir.join(format!(".owner-probe-{}", uuid::Uuid::new_v4().simple()));
        let mine = fs::File::create_new(&probe)
            .and_then(|file| file.metadata())
            .map(|meta| meta.uid());
        let _ = fs::remove_file(&probe);
        let mine = mine.map_err(failed)?;
        let folder = fs::metadata(dir).map_err(failed)?;
        if folder.uid() != mine || folder.mode() & 0o002 != 0 {
            return Err(TlsError::UnsafeFolder {
                path: dir.to_owned(),
            });
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        builder.create(dir).map_err(failed)
    }
}

/// Writes `path` through a temporary file and a rename, so no reader sees half a file.
fn write_atomically(path: &Path, contents: &[u8], private: bool) -> Result<(), TlsError> {
    let failed = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let temp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(failed(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: u64 = 1_800_000_000_000;

    fn settings() -> TlsSettings {
        TlsSettings::default()
    }

    #[test]
    fn tls_is_off_unless_a_certificate_is_named() {
        assert_eq!(settings().resolve(None, None), Ok(None));
        let err = TlsSettings {
            only: true,
            ..settings()
        }
        .resolve(None, None)
        .unwrap_err();
        assert!(err.contains("tls_self_signed"), "{err}");
        let err = TlsSettings {
            cert: Some("c.pem".into()),
            ..settings()
        }
        .resolve(None, None)
        .unwrap_err();
        assert!(err.contains("tls_key"), "{err}");
        let err = TlsSettings {
            cert: Some("c.pem".into()),
            key: Some("k.pem".into()),
            self_signed: true,
            ..settings()
        }
        .resolve(None, None)
        .unwrap_err();
        assert!(err.contains("cannot be combined"), "{err}");
    }

    #[test]
    fn self_signed_goes_under_the_data_dir_and_covers_configured_hosts() {
        let config = TlsSettings {
            self_signed: true,
            listen: Some("10.1.2.3:443".parse().unwrap()),
            ..settings()
        }
        .resolve(
            Some(Path::new("/var/lib/sluice")),
            Some("https://sqs.example.com:9325/"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            config.identity,
            Identity::SelfSigned {
                dir: PathBuf::from("/var/lib/sluice/tls"),
                names: vec!["sqs.example.com".into(), "10.1.2.3".into()],
            }
        );
        assert_eq!(url_host("http://[::1]:9324"), Some("::1".into()));
        assert_eq!(url_host("localhost:1"), Some("localhost".into()));
    }

    #[test]
    fn settings_come_from_the_file_and_flags_win() {
        use crate::config::{Cli, Config};
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tls.toml");
        fs::write(
            &path,
            "in_memory = true\ntls_listen = \"127.0.0.1:8443\"\ntls_cert = \"c.pem\"\n\
             tls_key = \"k.pem\"\ntls_only = true\n",
        )
        .unwrap();
        let path = path.to_str().unwrap();
        let from_file =
            Config::from_cli(Cli::try_parse_from(["sluice", "--config", path]).unwrap())
                .unwrap()
                .tls
                .unwrap();
        assert_eq!(
            from_file,
            TlsConfig {
                listen: "127.0.0.1:8443".parse().unwrap(),
                identity: Identity::Files {
                    cert: "c.pem".into(),
                    key: "k.pem".into()
                },
                only: true,
            }
        );
        let cli = Cli::try_parse_from([
            "sluice",
            "--config",
            path,
            "--tls-listen",
            "127.0.0.1:9443",
            "--tls-cert",
            "flag.pem",
        ])
        .unwrap();
        let flagged = Config::from_cli(cli).unwrap().tls.unwrap();
        assert_eq!(flagged.listen.port(), 9443);
        assert_eq!(
            flagged.identity,
            Identity::Files {
                cert: "flag.pem".into(),
                key: "k.pem".into()
            }
        );
        let defaulted = Config::from_cli(
            Cli::try_parse_from(["sluice", "--in-memory", "--tls-self-signed"]).unwrap(),
        )
        .unwrap()
        .tls
        .unwrap();
        assert_eq!(defaulted.listen, DEFAULT_TLS_LISTEN.parse().unwrap());
        assert!(!defaulted.only);
        assert!(matches!(
            defaulted.identity,
            Identity::SelfSigned { dir, .. } if dir == std::env::temp_dir().join(SELF_SIGNED_TEMP_SUBDIR)
        ));
    }

    #[test]
    fn development_certificate_is_kept_while_valid_and_renewed_near_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let identity = Identity::SelfSigned {
            dir: dir.path().to_owned(),
            names: vec!["sqs.internal".into()],
        };
        let first = load(&identity, NOW_MS).unwrap();
        assert!(first.generated);
        assert_eq!(first.cert_path, dir.path().join(SELF_SIGNED_CERT_FILE));
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        // A restart a month later reuses it.
        let again = load(&identity, NOW_MS + 30 * DAY_MS).unwrap();
        assert!(!again.generated);
        assert_eq!(again.fingerprint, first.fingerprint);
        // A name it does not cover, or too little validity left, means a new one.
        let more = Identity::SelfSigned {
            dir: dir.path().to_owned(),
            names: vec!["other.internal".into()],
        };
        let renamed = load(&more, NOW_MS + 30 * DAY_MS).unwrap();
        assert!(renamed.generated);
        let near_expiry = NOW_MS + 30 * DAY_MS + (SELF_SIGNED_VALIDITY_DAYS - 10) * DAY_MS;
        let renewed = load(&more, near_expiry).unwrap();
        assert!(renewed.generated);
        assert_ne!(renewed.fingerprint, renamed.fingerprint);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let identity = Identity::SelfSigned {
            dir: dir.path().to_owned(),
            names: Vec::new(),
        };
        assert!(matches!(
            load(&identity, NOW_MS),
            Err(TlsError::UnsafeFolder { .. })
        ));
    }

    #[test]
    fn mismatched_or_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (cert_a, _) = generate(&["localhost".into()], NOW_MS).unwrap();
        let (_, key_b) = generate(&["localhost".into()], NOW_MS).unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        fs::write(&cert, cert_a).unwrap();
        fs::write(&key, key_b).unwrap();
        let files = Identity::Files {
            cert: cert.clone(),
            key: key.clone(),
        };
        assert!(matches!(
            load(&files, NOW_MS),
            Err(TlsError::Mismatch { .. })
        ));
        fs::write(&cert, "not a certificate").unwrap();
        assert!(matches!(
            load(&files, NOW_MS),
            Err(TlsError::NoCertificate { .. })
        ));
        let missing = Identity::Files {
            cert: dir.path().join("absent.pem"),
            key,
        };
        assert!(matches!(load(&missing, NOW_MS), Err(TlsError::Read { .. })));
    }
}
