//! The sluice server: configuration, the HTTP front end shared by every service, and
//! each service's wire module (SQS, STS), over the domain core and the embedded store.

pub mod admin;
pub mod admin_auth;
pub mod auth;
pub mod config;
pub mod connection;
pub mod console;
pub mod encryption;
pub mod front;
pub mod idle;
pub mod kinesis;
pub mod limits;
pub mod metrics;
pub mod predefined;
pub mod reload;
pub mod server;
pub mod sns;
pub mod sqs;
pub mod sts;
pub mod tls;
pub mod wire;

pub use config::Config;
pub use connection::ConnectionInfo;
pub use limits::Limits;
pub use server::{start, start_with_signal, RunningServer};
