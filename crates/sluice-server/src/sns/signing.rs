//! The server's SNS signing identity, opened on first use (an RSA key takes a moment to
//! generate, and a server that never publishes should not pay for it at start), and the
//! certificate it serves at `SIGNING_CERT_PATH` so clients can check signatures.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sluice_core::clock::{Clock, SystemClock};
use sluice_kms::SnsSigningIdentity;
use tokio::sync::OnceCell;

/// The identity kept in `key_dir` (`{data_dir}/kms`), or held in memory without one.
pub struct SigningKey {
    key_dir: Option<PathBuf>,
    identity: OnceCell<Arc<SnsSigningIdentity>>,
}

impl SigningKey {
    pub fn new(key_dir: Option<PathBuf>) -> Self {
        Self {
            key_dir,
            identity: OnceCell::new(),
        }
    }

    pub async fn get(&self) -> Result<Arc<SnsSigningIdentity>, String> {
        self.identity
            .get_or_try_init(|| async {
                let dir = self.key_dir.clone();
                let now_ms = SystemClock.now_ms();
                let identity = tokio::task::spawn_blocking(move || {
                    SnsSigningIdentity::open(dir.as_deref(), now_ms)
                })
                .await
                .map_err(|e| e.to_string())??;
                Ok(Arc::new(identity))
            })
            .await
            .cloned()
    }

    /// The certificate as PEM (GET, no authentication: it is public).
    pub async fn certificate_response(&self) -> Response {
        match self.get().await {
            Ok(identity) => (
                [(header::CONTENT_TYPE, "application/x-pem-file")],
                identity.certificate_pem().to_owned(),
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "SNS signing identity unavailable");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        }
    }
}
