//! The sluice server: configuration, the HTTP front end and the SQS wire protocols, over
//! the domain core and the embedded store.

pub mod config;
pub mod http;
pub mod limits;
pub mod server;
pub mod sqs;

pub use config::Config;
pub use limits::Limits;
pub use server::{start, start_with_signal, RunningServer};
