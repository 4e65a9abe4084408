//! SIGHUP: read the configuration again (the same command line, the config file as it is
//! now) and apply what can change without a restart: the predefined queues (new ones
//! made, changed attributes and tags applied, as at start) and the identities with their
//! policies (requests from then on are checked against the new set). What changed is
//! logged; a configuration that does not load is logged and changes nothing. Listeners,
//! the data directory, TLS and limits take a restart.

use std::collections::BTreeMap;
use std::sync::Arc;

use sluice_core::sqs::Sqs;

use crate::auth::identities::Identities;
use crate::auth::Authenticator;
use crate::config::Config;

/// What a reload changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reloaded {
    pub queues_added: Vec<String>,
    pub queues_changed: Vec<String>,
    /// `+KEY`, `-KEY`, `~KEY` (see `Identities::changes_to`).
    pub identities: Vec<String>,
}

/// Reads the configuration `current` came from again and applies it.
pub async fn reload(
    current: &Config,
    sqs: &Arc<Sqs>,
    auth: &Authenticator,
) -> Result<(Config, Reloaded), String> {
    let next = Config::from_cli(current.source.clone())?;
    let identities = Identities::load(
        &next.identities,
        next.credentials_file.as_deref(),
        &next.config_dir,
    )?;
    let before: BTreeMap<&str, String> = current
        .queues
        .iter()
        .map(|q| (q.name.as_str(), format!("{q:?}")))
        .collect();
    let mut reloaded = Reloaded::default();
    for q in &next.queues {
        match before.get(q.name.as_str()) {
            None => reloaded.queues_added.push(q.name.clone()),
            Some(old) if *old != format!("{q:?}") => reloaded.queues_changed.push(q.name.clone()),
            Some(_) => {}
        }
    }
    crate::server::predefine_queues(sqs, &next).await?;
    reloaded.identities = auth.replace_identities(identities);
    Ok((next, reloaded))
}

/// Reloads on every SIGHUP while the server runs (it holds the services weakly, so a
/// stopped server's store is released).
#[cfg(unix)]
pub fn on_hangup(mut config: Config, sqs: &Arc<Sqs>, auth: &Arc<Authenticator>) {
    let (sqs, auth) = (Arc::downgrade(sqs), Arc::downgrade(auth));
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: configuration reloads are off");
        return;
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let (Some(sqs), Some(auth)) = (sqs.upgrade(), auth.upgrade()) else {
                return;
            };
            match reload(&config, &sqs, &auth).await {
                Ok((next, changed)) => {
                    tracing::info!(
                        queues_added = ?changed.queues_added,
                        queues_changed = ?changed.queues_changed,
                        identities = ?changed.identities,
                        "configuration reloaded"
                    );
                    config = next;
                }
                Err(e) => tracing::error!("configuration not reloaded: {e}"),
            }
        }
    });
}

#[cfg(not(unix))]
pub fn on_hangup(_config: Config, _sqs: &Arc<Sqs>, _auth: &Arc<Authenticator>) {}
