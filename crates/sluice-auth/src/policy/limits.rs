//! Amazon SQS policy quotas, from AWS's "Amazon SQS policy quotas" page
//! (SQSDeveloperGuide/quotas-policies.html), and the AddPermission label rules from the
//! AddPermission API reference.

/// Largest queue policy document, in bytes.
pub const POLICY_MAX_BYTES: usize = 8_192;
/// Most condition entries (operator/key pairs) in one queue policy.
pub const POLICY_CONDITIONS_MAX: usize = 10;
/// Most principals named across one queue policy.
pub const POLICY_PRINCIPALS_MAX: usize = 50;
/// Most statements in one queue policy.
pub const POLICY_STATEMENTS_MAX: usize = 20;
/// Most actions in one statement.
pub const POLICY_ACTIONS_PER_STATEMENT_MAX: usize = 7;
/// Longest AddPermission label, in characters (alphanumeric, `-` and `_`).
pub const PERMISSION_LABEL_MAX_LEN: usize = 80;
