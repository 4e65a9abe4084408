//! Serde helpers that accept a number either as a JSON number or as a string. The Query
//! protocol carries every value as text; the JSON protocol sends numbers. One input type
//! serves both.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Int(i64),
    Float(f64),
    Text(String),
}

pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<NumberOrText>::deserialize(d)? {
        None => Ok(None),
        Some(NumberOrText::Int(i)) => Ok(Some(i)),
        Some(NumberOrText::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Some(f as i64)),
        Some(NumberOrText::Float(f)) => Err(serde::de::Error::custom(format!(
            "{f} is not a whole number"
        ))),
        Some(NumberOrText::Text(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s} is not a valid integer"))),
    }
}
