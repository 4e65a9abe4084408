//! Reads a filter policy document into conditions, rejecting it with AWS's words where AWS
//! would. The order of checks follows what AWS reports first: JSON syntax, then each rule
//! as it is read, then nesting under `MessageAttributes` scope, then the key count, then
//! the total combination of values. `$or` is expanded here, once, into alternatives of
//! plain conditions, so matching never walks the policy's JSON.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::error::FilterPolicyError;
use super::json::Json;
use super::limits::{
    FILTER_POLICY_MAX_BYTES, FILTER_POLICY_MAX_COMBINATIONS, FILTER_POLICY_MAX_KEYS,
};
use super::pattern::{AnythingBut, Cidr, Literal, Lower, Numeric, Pattern, Upper};
use super::FilterScope;

const OR_KEY: &str = "$or";

/// One key's test: the key (nested keys joined with `.`) and the match values, any of which
/// may accept it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) path: String,
    pub(crate) patterns: Vec<Pattern>,
}

/// Conditions that must all hold; a policy is a list of these alternatives.
pub(crate) type Branch = Vec<Condition>;

/// The policy as written, before `$or` is expanded.
enum Node {
    Leaf(Vec<Pattern>),
    Object(Fields),
    Or(Vec<Fields>),
}

type Fields = Vec<(String, Node)>;

type Result<T> = std::result::Result<T, FilterPolicyError>;

pub(crate) fn parse(text: &str, scope: FilterScope) -> Result<Vec<Branch>> {
    if text.len() > FILTER_POLICY_MAX_BYTES {
        // Unconfirmed wording: AWS documents the limit but no recorded error text was found.
        return Err(FilterPolicyError::policy("Filter policy is too long"));
    }
    let value: Json = serde_json::from_str(text)
        .map_err(|_| FilterPolicyError::policy("failed to parse JSON."))?;
    let Json::Obj(map) = value else {
        // Unconfirmed wording: AWS's text for a policy that is JSON but not an object.
        return Err(FilterPolicyError::policy(
            "Filter policy must be a JSON object",
        ));
    };
    let fields = parse_fields(&map)?;
    if scope == FilterScope::MessageAttributes && is_nested(&fields) {
        return Err(FilterPolicyError::bare(
            "Filter policy scope MessageAttributes does not support nested filter policy",
        ));
    }
    if top_level_keys(&fields).len() > FILTER_POLICY_MAX_KEYS {
        return Err(FilterPolicyError::policy(
            "Filter policy can not have more than 5 keys",
        ));
    }
    if combinations(&fields, 1, 1) > FILTER_POLICY_MAX_COMBINATIONS {
        return Err(FilterPolicyError::policy("Filter policy is too complex"));
    }
    Ok(expand(&fields, ""))
}

fn parse_fields(map: &[(String, Json)]) -> Result<Fields> {
    let mut fields = Vec::with_capacity(map.len());
    for (key, value) in map {
        let node = match value {
            Json::Arr(alts)
                if key == OR_KEY && !alts.is_empty() && alts.iter().all(Json::is_object) =>
            {
                let mut parsed = Vec::with_capacity(alts.len());
                for alt in alts {
                    if let Json::Obj(m) = alt {
                        parsed.push(parse_fields(m)?);
                    }
                }
                Node::Or(parsed)
            }
            Json::Obj(child) => Node::Object(parse_fields(child)?),
            Json::Arr(items) => {
                if items.is_empty() {
                    // Wording from LocalStack's validator; not seen in a recorded AWS answer.
                    return Err(FilterPolicyError::policy("Empty arrays are not allowed"));
                }
                Node::Leaf(items.iter().map(parse_match).collect::<Result<_>>()?)
            }
            _ => {
                return Err(FilterPolicyError::policy(format!(
                    "\"{key}\" must be an object or an array"
                )))
            }
        };
        fields.push((key.clone(), node));
    }
    Ok(fields)
}

fn literal(value: &Json) -> Option<Literal> {
    match value {
        Json::Str(s) => Some(Literal::Str(s.clone())),
        Json::Num(n, _) => Some(Literal::Num(*n)),
        Json::Bool(b) => Some(Literal::Bool(*b)),
        Json::Null => Some(Literal::Null),
        Json::Arr(_) | Json::Obj(_) => None,
    }
}

fn not_a_match_value() -> FilterPolicyError {
    FilterPolicyError::policy("Match value must be String, number, true, false, or null")
}

fn parse_match(value: &Json) -> Result<Pattern> {
    if let Some(lit) = literal(value) {
        return Ok(Pattern::Exact(lit));
    }
    let Json::Obj(expr) = value else {
        return Err(not_a_match_value());
    };
    let mut entries = expr.iter();
    let Some((op, arg)) = entries.next() else {
        // Unconfirmed wording: an empty match expression `{}`.
        return Err(FilterPolicyError::policy("Empty objects are not allowed"));
    };
    let pattern = match op.as_str() {
        "prefix" => Pattern::Prefix(string_arg(op, arg)?),
        "suffix" => Pattern::Suffix(string_arg(op, arg)?),
        "equals-ignore-case" => Pattern::EqualsIgnoreCase(string_arg(op, arg)?),
        "anything-but" => Pattern::AnythingBut(parse_anything_but(arg)?),
        "exists" => match arg {
            Json::Bool(b) => Pattern::Exists(*b),
            _ => {
                return Err(FilterPolicyError::policy(
                    "exists match pattern must be either true or false.",
                ))
            }
        },
        "numeric" => Pattern::Numeric(parse_numeric(arg)?),
        "cidr" => Pattern::Cidr(parse_cidr(arg)?),
        other => {
            return Err(FilterPolicyError::policy(format!(
                "Unrecognized match type {other}"
            )))
        }
    };
    if entries.next().is_some() {
        return Err(FilterPolicyError::policy(
            "Only one key allowed in match expression",
        ));
    }
    Ok(pattern)
}

fn string_arg(op: &str, arg: &Json) -> Result<String> {
    match arg {
        Json::Str(s) => Ok(s.clone()),
        _ => Err(FilterPolicyError::policy(format!(
            "{op} match pattern must be a string"
        ))),
    }
}

fn parse_anything_but(arg: &Json) -> Result<AnythingBut> {
    match arg {
        Json::Arr(items) => {
            if items.is_empty() {
                // Unconfirmed wording for `{"anything-but": []}`.
                return Err(FilterPolicyError::policy("Empty arrays are not allowed"));
            }
            let values = items
                .iter()
                .map(|v| literal(v).ok_or_else(not_a_match_value));
            Ok(AnythingBut::Values(values.collect::<Result<_>>()?))
        }
        Json::Obj(expr) => {
            let mut entries = expr.iter();
            let Some((op, inner)) = entries.next() else {
                // Unconfirmed wording for `{"anything-but": {}}`.
                return Err(FilterPolicyError::policy("Empty objects are not allowed"));
            };
            // AWS (recorded 2024) accepts only `prefix` here; `suffix`, `exists` and the rest
            // are "Unsupported anything-but pattern".
            if op != "prefix" {
                return Err(FilterPolicyError::policy(format!(
                    "Unsupported anything-but pattern: {op}"
                )));
            }
            let prefix = string_arg(op, inner)?;
            if entries.next().is_some() {
                // Unconfirmed wording: two operators inside anything-but.
                return Err(FilterPolicyError::policy(
                    "Only one key allowed in match expression",
                ));
            }
            Ok(AnythingBut::Prefix(prefix))
        }
        scalar => Ok(AnythingBut::Values(vec![
            literal(scalar).ok_or_else(not_a_match_value)?
        ])),
    }
}

/// How AWS prints a token of a numeric expression in its errors: strings bare, the rest as
/// JSON.
fn token(value: &Json) -> String {
    match value {
        Json::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number_after(op: &str, value: Option<&Json>) -> Result<f64> {
    match value {
        Some(Json::Num(n, _)) => Ok(*n),
        _ => {
            let name = if op == "=" { "equals" } else { op };
            Err(FilterPolicyError::policy(format!(
                "Value of {name} must be numeric"
            )))
        }
    }
}

fn parse_numeric(arg: &Json) -> Result<Numeric> {
    let Json::Arr(items) = arg else {
        // Unconfirmed wording for a `numeric` that is not an array.
        return Err(FilterPolicyError::policy(
            "Value of numeric must be an array.",
        ));
    };
    let Some(first) = items.first() else {
        return Err(FilterPolicyError::policy(
            "Invalid member in numeric match: ]",
        ));
    };
    let Json::Str(op) = first else {
        return Err(FilterPolicyError::policy(format!(
            "Invalid member in numeric match: {}",
            token(first)
        )));
    };
    let lower = match op.as_str() {
        "=" => None,
        ">" => Some(Lower::Gt),
        ">=" => Some(Lower::Ge),
        "<" | "<=" => None,
        other => {
            return Err(FilterPolicyError::policy(format!(
                "Unrecognized numeric range operator: {other}"
            )))
        }
    };
    let first_value = number_after(op, items.get(1))?;
    if items.len() == 2 {
        return Ok(match op.as_str() {
            "=" => Numeric::Equals(first_value),
            "<" => Numeric::Range {
                lower: None,
                upper: Some((Upper::Lt, first_value)),
            },
            "<=" => Numeric::Range {
                lower: None,
                upper: Some((Upper::Le, first_value)),
            },
            _ => Numeric::Range {
                lower: lower.map(|l| (l, first_value)),
                upper: None,
            },
        });
    }
    let Some(lower) = lower else {
        return Err(FilterPolicyError::policy(
            "Too many elements in numeric expression",
        ));
    };
    let second = &items[2];
    let Json::Str(op2) = second else {
        return Err(FilterPolicyError::policy(format!(
            "Bad value in numeric range: {}",
            token(second)
        )));
    };
    let upper = match op2.as_str() {
        "<" => Upper::Lt,
        "<=" => Upper::Le,
        other => {
            return Err(FilterPolicyError::policy(format!(
                "Bad numeric range operator: {other}"
            )))
        }
    };
    let second_value = number_after(op2, items.get(3))?;
    if second_value <= first_value {
        return Err(FilterPolicyError::policy("Bottom must be less than top"));
    }
    if items.len() > 4 {
        return Err(FilterPolicyError::policy(
            "Too many terms in numeric range expression",
        ));
    }
    Ok(Numeric::Range {
        lower: Some((lower, first_value)),
        upper: Some((upper, second_value)),
    })
}

/// Error texts from LocalStack's validator, which mirrors AWS's; not seen in a recorded AWS
/// answer, so unconfirmed.
fn parse_cidr(arg: &Json) -> Result<Cidr> {
    let Json::Str(text) = arg else {
        return Err(FilterPolicyError::policy(
            "prefix match pattern must be a string",
        ));
    };
    let mut parts = text.split('/');
    let (Some(addr), Some(bits), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(FilterPolicyError::policy(
            "Malformed CIDR, one '/' required",
        ));
    };
    let bad_bits = || FilterPolicyError::policy("Malformed CIDR, mask bits must be an integer");
    let bits: u8 = bits.parse().map_err(|_| bad_bits())?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| FilterPolicyError::policy(format!("Nonstandard IP address: {addr}")))?;
    Cidr::new(addr, bits).ok_or_else(bad_bits)
}

fn is_nested(fields: &Fields) -> bool {
    fields.iter().any(|(_, node)| match node {
        Node::Leaf(_) => false,
        Node::Object(_) => true,
        Node::Or(alts) => alts.iter().any(is_nested),
    })
}

/// The keys that count against the limit: top-level keys, with a top-level `$or` counting
/// the distinct top-level keys of its alternatives. (How AWS counts keys inside `$or` is
/// unconfirmed.)
fn top_level_keys(fields: &Fields) -> BTreeSet<&str> {
    let mut keys = BTreeSet::new();
    for (key, node) in fields {
        match node {
            Node::Or(alts) => alts.iter().for_each(|alt| keys.extend(top_level_keys(alt))),
            _ => {
                keys.insert(key.as_str());
            }
        }
    }
    keys
}

/// AWS's "total combination of values": each array multiplies the running total by its
/// length times its nesting depth; `$or` alternatives each start from the running total and
/// are summed. Saturating, so a hostile policy cannot overflow.
fn combinations(fields: &Fields, depth: u64, mut total: u64) -> u64 {
    for (_, node) in fields {
        total = match node {
            Node::Leaf(patterns) => total
                .saturating_mul(patterns.len() as u64)
                .saturating_mul(depth),
            Node::Object(child) => combinations(child, depth + 1, total),
            Node::Or(alts) => alts
                .iter()
                .map(|alt| combinations(alt, depth, total))
                .fold(0u64, u64::saturating_add),
        };
    }
    total
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Every alternative the policy accepts, `$or` multiplied out. The combination limit has
/// already bounded how many there can be.
fn expand(fields: &Fields, prefix: &str) -> Vec<Branch> {
    let mut branches: Vec<Branch> = vec![Vec::new()];
    for (key, node) in fields {
        let choices: Vec<Branch> = match node {
            Node::Leaf(patterns) => {
                vec![vec![Condition {
                    path: join(prefix, key),
                    patterns: patterns.clone(),
                }]]
            }
            Node::Object(child) => expand(child, &join(prefix, key)),
            Node::Or(alts) => alts.iter().flat_map(|alt| expand(alt, prefix)).collect(),
        };
        branches = branches
            .iter()
            .flat_map(|branch| {
                choices.iter().map(move |choice| {
                    let mut next = branch.clone();
                    next.extend(choice.iter().cloned());
                    next
                })
            })
            .collect();
    }
    branches
}
