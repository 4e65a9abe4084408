//! The sluice server: configuration, the HTTP front end and the SQS wire protocols, over
//! the domain core and the embedded store.

pub mod auth;
pub mod config;
pub mod connection;
pub mod encryption;
pub mod http;
pub mod limits;
pub mod server;
pub mod sqs;
pub mod tls;

pub use config::Config;
pub use connection::ConnectionInfo;
pub use limits::Limits;
pub use server::{start, start_with_signal, RunningServer};
