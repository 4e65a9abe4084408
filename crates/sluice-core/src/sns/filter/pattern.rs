//! One match value of a policy (`"rugby"`, `{"prefix": "auto-"}`, `{"numeric": [">", 0]}`)
//! and how it judges one leaf value of a message. Leaf values come typed: a policy string
//! never matches a number and a policy number never matches a string, as in AWS's examples.

use std::net::IpAddr;

use super::limits::NUMERIC_PRECISION_DECIMAL_DIGITS;

/// A leaf value of a message: an attribute's value, an element of a `String.Array`, or a
/// scalar of a JSON body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Leaf<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Null,
}

/// A literal in a policy, matched by equality (numbers numerically).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

impl Literal {
    fn equals(&self, leaf: &Leaf<'_>) -> bool {
        match (self, leaf) {
            (Literal::Str(a), Leaf::Str(b)) => a == b,
            (Literal::Num(a), Leaf::Num(b)) => numeric_key(*a) == numeric_key(*b),
            (Literal::Bool(a), Leaf::Bool(b)) => a == b,
            (Literal::Null, Leaf::Null) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lower {
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upper {
    Lt,
    Le,
}

/// A `numeric` expression: `=`, one bound, or a lower bound followed by an upper bound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Numeric {
    Equals(f64),
    Range {
        lower: Option<(Lower, f64)>,
        upper: Option<(Upper, f64)>,
    },
}

impl Numeric {
    fn contains(&self, x: f64) -> bool {
        let x = numeric_key(x);
        match self {
            Numeric::Equals(v) => x == numeric_key(*v),
            Numeric::Range { lower, upper } => {
                let above = match lower {
                    None => true,
                    Some((Lower::Gt, v)) => x > numeric_key(*v),
                    Some((Lower::Ge, v)) => x >= numeric_key(*v),
                };
                let below = match upper {
                    None => true,
                    Some((Upper::Lt, v)) => x < numeric_key(*v),
                    Some((Upper::Le, v)) => x <= numeric_key(*v),
                };
                above && below
            }
        }
    }
}

/// An IPv4 or IPv6 network from a `cidr` pattern, host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix_bits: u8,
}

impl Cidr {
    pub(crate) fn new(addr: IpAddr, prefix_bits: u8) -> Option<Self> {
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix_bits > max {
            return None;
        }
        Some(Self {
            network: mask(addr, prefix_bits),
            prefix_bits,
        })
    }

    fn contains(&self, text: &str) -> bool {
        let Ok(addr) = text.parse::<IpAddr>() else {
            return false;
        };
        let same_family = matches!(
            (addr, self.network),
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_))
        );
        same_family && mask(addr, self.prefix_bits) == self.network
    }
}

fn mask(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

/// What `anything-but` excludes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Values(Vec<Literal>),
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pattern {
    Exact(Literal),
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    AnythingBut(AnythingBut),
    Numeric(Numeric),
    Exists(bool),
    Cidr(Cidr),
}

impl Pattern {
    /// Whether this pattern accepts `leaf`. `exists` is decided by the caller, which knows
    /// whether the key is present at all.
    pub(crate) fn matches(&self, leaf: &Leaf<'_>) -> bool {
        match self {
            Pattern::Exact(lit) => lit.equals(leaf),
            Pattern::Prefix(p) => matches!(leaf, Leaf::Str(s) if s.starts_with(p.as_str())),
            Pattern::Suffix(p) => matches!(leaf, Leaf::Str(s) if s.ends_with(p.as_str())),
            Pattern::EqualsIgnoreCase(p) => {
                matches!(leaf, Leaf::Str(s) if s.to_lowercase() == p.to_lowercase())
            }
            Pattern::AnythingBut(AnythingBut::Values(list)) => !list.iter().any(|l| l.equals(leaf)),
            Pattern::AnythingBut(AnythingBut::Prefix(p)) => {
                matches!(leaf, Leaf::Str(s) if !s.starts_with(p.as_str()))
            }
            Pattern::Numeric(n) => matches!(leaf, Leaf::Num(x) if n.contains(*x)),
            Pattern::Cidr(c) => matches!(leaf, Leaf::Str(s) if c.contains(s)),
            Pattern::Exists(_) => false,
        }
    }
}

/// Numbers compare after rounding to AWS's documented accuracy, so 0.1 + 0.2 equals 0.3 and
/// 3.015e2 equals 301.5. Within +-10^9 the scaled value is an exact integer in an f64.
pub(crate) fn numeric_key(x: f64) -> f64 {
    (x * 10f64.powi(NUMERIC_PRECISION_DECIMAL_DIGITS)).round()
}
