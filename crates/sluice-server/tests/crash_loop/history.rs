//! What the clients saw: every send, delivery and delete, with the instants that
//! matter to the checker and the epoch (server process, from 1) the request went to.

use std::time::Instant;

/// What became of one send or delete request entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with success.
    Acked,
    /// No answer (the connection broke, or a 5xx): it may or may not have happened.
    Unknown,
    /// Answered with an error: it did not happen.
    Refused(String),
}

pub struct Send {
    /// The unique token in the body.
    pub token: String,
    /// From the acknowledgement.
    pub message_id: Option<String>,
    pub outcome: Outcome,
    pub start: Instant,
    pub epoch: u32,
}

pub struct Delivery {
    pub token: String,
    pub message_id: String,
    pub receive_count: u32,
    pub visibility_ms: u64,
    pub start: Instant,
    pub end: Instant,
    pub epoch: u32,
}

pub struct Delete {
    pub token: String,
    pub outcome: Outcome,
    pub end: Instant,
    pub epoch: u32,
}

#[derive(Default)]
pub struct History {
    pub sends: Vec<Send>,
    pub deliveries: Vec<Delivery>,
    pub deletes: Vec<Delete>,
    /// When epoch `n + 1` was killed.
    pub kills: Vec<Instant>,
    /// Requests that got no answer.
    pub transport_errors: usize,
    /// Answers no correct server gives to this load (refusals, 5xx, bad bodies).
    pub errors: Vec<String>,
}

impl History {
    /// The number of epochs: one more than the kills.
    pub fn epochs(&self) -> u32 {
        self.kills.len() as u32 + 1
    }
}

/// The body of a message carrying `token` (padding after the bar).
pub fn body(token: &str, padding: usize) -> String {
    format!("{token}|{}", "x".repeat(padding))
}

pub fn token_of(body: &str) -> &str {
    body.split('|').next().unwrap_or(body)
}
