//! Condition operators: their names, the `...IfExists` suffix, the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers, and how one request value is tested against one
//! policy value. Negated operators are stored as their positive twin plus a flag, because
//! AWS defines them as "matches none of the listed values", not as a per-value test.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

use super::time::parse_epoch_ms;
use crate::policy::glob;

/// The comparison an operator makes, without its negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    /// ArnEquals and ArnLike: AWS documents both as segment-wise wildcard matching.
    ArnLike,
    /// `Null`: tests whether the key is present, never its value.
    Null,
}

/// How a multivalued request key is combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// No qualifier: the key is treated as a set of alternatives.
    Single,
    /// `ForAnyValue:` - at least one request value must pass.
    ForAnyValue,
    /// `ForAllValues:` - every request value must pass (vacuously true when absent).
    ForAllValues,
}

/// A parsed operator such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub comparison: Comparison,
    pub negated: bool,
    pub if_exists: bool,
    pub qualifier: SetQualifier,
}

const IF_EXISTS_SUFFIX: &str = "IfExists";
const FOR_ANY_VALUE_PREFIX: &str = "ForAnyValue:";
const FOR_ALL_VALUES_PREFIX: &str = "ForAllValues:";

impl Operator {
    /// Parses an operator name as written in a policy; `None` for an unknown one.
    pub fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix(FOR_ANY_VALUE_PREFIX) {
            (SetQualifier::ForAnyValue, rest)
        } else if let Some(rest) = name.strip_prefix(FOR_ALL_VALUES_PREFIX) {
            (SetQualifier::ForAllValues, rest)
        } else {
            (SetQualifier::Single, name)
        };
        let (base, if_exists) = match rest.strip_suffix(IF_EXISTS_SUFFIX) {
            Some(base) => (base, true),
            None => (rest, false),
        };
        use Comparison::*;
        let (comparison, negated) = match base {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (NumericEquals, false),
            "NumericNotEquals" => (NumericEquals, true),
            "NumericLessThan" => (NumericLessThan, false),
            "NumericLessThanEquals" => (NumericLessThanEquals, false),
            "NumericGreaterThan" => (NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
            "DateEquals" => (DateEquals, false),
            "DateNotEquals" => (DateEquals, true),
            "DateLessThan" => (DateLessThan, false),
            "DateLessThanEquals" => (DateLessThanEquals, false),
            "DateGreaterThan" => (DateGreaterThan, false),
            "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
            "Bool" => (Bool, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            "ArnEquals" | "ArnLike" => (ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
            "Null" => (Null, false),
            _ => return None,
        };
        // Null asks whether the key exists, so "IfExists" or a set qualifier makes no sense.
        if comparison == Null && (if_exists || qualifier != SetQualifier::Single) {
            return None;
        }
        Some(Self {
            comparison,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// Checks that a policy value fits its operator (a number for Numeric*, a date for
/// Date*, ...), so a malformed policy is refused when it is set rather than silently
/// never matching.
pub fn policy_value_is_valid(comparison: Comparison, value: &str) -> bool {
    use Comparison::*;
    match comparison {
        StringEquals | StringEqualsIgnoreCase | StringLike | ArnLike => true,
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => parse_number(value).is_some(),
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => parse_epoch_ms(value).is_some(),
        Bool | Null => parse_bool(value).is_some(),
        IpAddress => parse_network(value).is_some(),
    }
}

/// The positive test of one request value against one policy value. A request value of
/// the wrong type (a non-number for NumericEquals) simply does not match.
pub fn compare(comparison: Comparison, policy: &str, request: &str) -> bool {
    use Comparison::*;
    match comparison {
        StringEquals => policy == request,
        StringEqualsIgnoreCase => policy.to_lowercase() == request.to_lowercase(),
        StringLike => glob::matches(policy, request, false),
        ArnLike => glob::arn_matches(policy, request),
        NumericEquals => numbers(policy, request).is_some_and(|(p, r)| r == p),
        NumericLessThan => numbers(policy, request).is_some_and(|(p, r)| r < p),
        NumericLessThanEquals => numbers(policy, request).is_some_and(|(p, r)| r <= p),
        NumericGreaterThan => numbers(policy, request).is_some_and(|(p, r)| r > p),
        NumericGreaterThanEquals => numbers(policy, request).is_some_and(|(p, r)| r >= p),
        DateEquals => dates(policy, request).is_some_and(|(p, r)| r == p),
        DateLessThan => dates(policy, request).is_some_and(|(p, r)| r < p),
        DateLessThanEquals => dates(policy, request).is_some_and(|(p, r)| r <= p),
        DateGreaterThan => dates(policy, request).is_some_and(|(p, r)| r > p),
        DateGreaterThanEquals => dates(policy, request).is_some_and(|(p, r)| r >= p),
        Bool => parse_bool(policy).is_some_and(|p| parse_bool(request) == Some(p)),
        IpAddress => match (parse_network(policy), IpAddr::from_str(request.trim())) {
            (Some(net), Ok(ip)) => net.contains(&ip),
            _ => false,
        },
        // Presence is decided by the caller; Null never compares values.
        Null => false,
    }
}

fn parse_number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn numbers(policy: &str, request: &str) -> Option<(f64, f64)> {
    Some((parse_number(policy)?, parse_number(request)?))
}

fn dates(policy: &str, request: &str) -> Option<(i64, i64)> {
    Some((parse_epoch_ms(policy)?, parse_epoch_ms(request)?))
}

pub fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A CIDR block, or a bare address taken as a single-host block.
fn parse_network(value: &str) -> Option<IpNet> {
    let value = value.trim();
    IpNet::from_str(value)
        .ok()
        .or_else(|| IpAddr::from_str(value).ok().map(IpNet::from))
}
