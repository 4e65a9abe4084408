//! SIGHUP: read the configuration again (the same command line, the config file as it is
//! now) and apply what can change without a restart: the declared queues, topics (with
//! their queue subscriptions) and streams (new ones made, changed settings applied, as at
//! start; see `predefined.rs`) and the identities with their policies (requests from then
//! on are checked against the new set). What changed is logged; a configuration that does
//! not load is logged and changes nothing. Listeners, the data directory, TLS and limits
//! take a restart.

use std::sync::{Arc, Weak};

use sluice_core::kinesis::Kinesis;
use sluice_core::sns::Sns;
use sluice_core::sqs::Sqs;

use crate::auth::identities::Identities;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::predefined::{changes, Declared};

/// What a reload changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reloaded {
    pub queues_added: Vec<String>,
    pub queues_changed: Vec<String>,
    pub topics_added: Vec<String>,
    pub topics_changed: Vec<String>,
    pub streams_added: Vec<String>,
    pub streams_changed: Vec<String>,
    /// `+KEY`, `-KEY`, `~KEY` (see `Identities::changes_to`).
    pub identities: Vec<String>,
}

/// What a reload acts on.
pub struct Services {
    pub sqs: Arc<Sqs>,
    pub sns: Arc<Sns>,
    pub kinesis: Arc<Kinesis>,
    pub auth: Arc<Authenticator>,
}

/// Reads the configuration `current` came from again and applies it.
pub async fn reload(current: &Config, services: &Services) -> Result<(Config, Reloaded), String> {
    let next = Config::from_cli(current.source.clone())?;
    let identities = Identities::load(
        &next.identities,
        next.credentials_file.as_deref(),
        &next.config_dir,
    )?;
    let (queues_added, queues_changed) = changes(&current.queues, &next.queues, |q| &q.name);
    let (topics_added, topics_changed) = changes(&current.topics, &next.topics, |t| &t.name);
    let (streams_added, streams_changed) = changes(&current.streams, &next.streams, |s| &s.name);
    Declared {
        sqs: &services.sqs,
        sns: &services.sns,
        kinesis: &services.kinesis,
    }
    .apply(&next)
    .await?;
    let identities = services.auth.replace_identities(identities);
    Ok((
        next,
        Reloaded {
            queues_added,
            queues_changed,
            topics_added,
            topics_changed,
            streams_added,
            streams_changed,
            identities,
        },
    ))
}

/// The services, held weakly so that a stopped server's store is released.
struct Held {
    sqs: Weak<Sqs>,
    sns: Weak<Sns>,
    kinesis: Weak<Kinesis>,
    auth: Weak<Authenticator>,
}

impl Held {
    fn new(services: &Services) -> Self {
        Self {
            sqs: Arc::downgrade(&services.sqs),
            sns: Arc::downgrade(&services.sns),
            kinesis: Arc::downgrade(&services.kinesis),
            auth: Arc::downgrade(&services.auth),
        }
    }

    /// The services, while the server still runs.
    fn get(&self) -> Option<Services> {
        Some(Services {
            sqs: self.sqs.upgrade()?,
            sns: self.sns.upgrade()?,
            kinesis: self.kinesis.upgrade()?,
            auth: self.auth.upgrade()?,
        })
    }
}

/// Reloads on every SIGHUP while the server runs.
#[cfg(unix)]
pub fn on_hangup(mut config: Config, services: Services) {
    use tokio::signal::unix::{signal, SignalKind};
    let held = Held::new(&services);
    drop(services);
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: configuration reloads are off");
        return;
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let Some(services) = held.get() else {
                return;
            };
            match reload(&config, &services).await {
                Ok((next, changed)) => {
                    tracing::info!(
                        queues_added = ?changed.queues_added,
                        queues_changed = ?changed.queues_changed,
                        topics_added = ?changed.topics_added,
                        topics_changed = ?changed.topics_changed,
                        streams_added = ?changed.streams_added,
                        streams_changed = ?changed.streams_changed,
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
pub fn on_hangup(_config: Config, _services: Services) {}
