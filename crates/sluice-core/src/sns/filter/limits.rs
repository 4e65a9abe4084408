//! The limits AWS documents for SNS subscription filter policies, each named once with its
//! unit. Sources: "Filter policy constraints in Amazon SNS" in the SNS developer guide, and
//! errors AWS returned in LocalStack's recorded snapshots.

/// Largest filter policy document AWS accepts ("The maximum size of a filter policy is 256 KB").
pub const FILTER_POLICY_MAX_BYTES: usize = 256 * 1024;

/// Keys a policy may name. For `MessageBody` scope only top-level keys count.
pub const FILTER_POLICY_MAX_KEYS: usize = 5;

/// Largest "total combination of values" (the product of each array's length, nested arrays
/// weighted by their depth, `$or` alternatives summed).
pub const FILTER_POLICY_MAX_COMBINATIONS: u64 = 150;

/// Numbers are compared with this many decimal digits of accuracy.
pub const NUMERIC_PRECISION_DECIMAL_DIGITS: i32 = 5;

/// AWS documents numeric values from -10^9 to 10^9. AWS was observed (by LocalStack) to
/// accept policies outside it, so Sluice does not reject them either; outside the range
/// comparison simply loses the guaranteed accuracy.
pub const NUMERIC_DOCUMENTED_MAX_ABS: f64 = 1_000_000_000.0;

/// Depth bound on the policy's nesting and on a message body Sluice walks, so that a hostile
/// document cannot exhaust the stack. serde_json already refuses deeper than 128 levels.
pub const NESTING_MAX_DEPTH: usize = 128;
