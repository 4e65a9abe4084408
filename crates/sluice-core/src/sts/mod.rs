//! AWS Security Token Service: who a caller is (GetCallerIdentity) and temporary
//! credentials for the roles the configuration declares (AssumeRole).
//!
//! Temporary credentials carry everything a server needs to check them inside their
//! session token, sealed by a server key (`TokenSealer`): the secret, the role, the
//! session's name and its expiry. Any server holding the key can verify them, across
//! restarts and, later, across nodes, without storing a session anywhere.

pub mod api;
pub mod error;
pub mod roles;
mod service;
pub mod session;

pub use error::{StsError, StsErrorKind};
pub use roles::{Role, RoleConfigError, Roles};
pub use service::Sts;
pub use session::{SessionError, TokenSealer};

/// The IAM action prefix of STS.
pub const IAM_PREFIX: &str = "sts";
