//! Dates for the Date* condition operators. IAM accepts ISO 8601 (`2009-01-31`,
//! `2009-01-31T12:00Z`, `2024-05-01T10:00:00.000+02:00`) and epoch seconds; both become
//! epoch milliseconds so they compare as numbers. Parsing is the `time` crate's; the
//! clock is never read here.

use time::format_description::well_known::Iso8601;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

const MS_PER_S: i64 = 1_000;

/// Parses an IAM date value to epoch milliseconds; `None` when it is neither form.
pub fn parse_epoch_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<i64>().ok()?.checked_mul(MS_PER_S);
    }
    let at = if let Ok(at) = OffsetDateTime::parse(value, &Iso8601::DEFAULT) {
        at
    } else if let Ok(at) = PrimitiveDateTime::parse(value, &Iso8601::DEFAULT) {
        // No zone: taken as UTC, as IAM does.
        at.assume_utc()
    } else {
        Date::parse(value, format_description!("[year]-[month]-[day]"))
            .ok()?
            .midnight()
            .assume_utc()
    };
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Formats epoch seconds as aws:CurrentTime does: `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_iso8601(epoch_s: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch_s)
        .ok()
        .and_then(|at| {
            at.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms_and_epoch_agree() {
        let expected = Some(1_233_403_200_000); // 2009-01-31T12:00:00Z
        assert_eq!(parse_epoch_ms("2009-01-31T12:00Z"), expected);
        assert_eq!(parse_epoch_ms("2009-01-31T12:00:00Z"), expected);
        assert_eq!(parse_epoch_ms("2009-01-31T12:00:00.000Z"), expected);
        assert_eq!(parse_epoch_ms("2009-01-31T14:00:00+02:00"), expected);
        assert_eq!(parse_epoch_ms("2009-01-31T07:00:00-0500"), expected);
        assert_eq!(parse_epoch_ms("1233403200"), expected);
        assert_eq!(parse_epoch_ms("2009-01-31"), Some(1_233_360_000_000));
        assert_eq!(
            parse_epoch_ms("2009-01-31T12:00:00.5Z"),
            Some(1_233_403_200_500)
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "yesterday",
            "2009-13-01",
            "2009-02-29",
            "2009-01-31T25:00Z",
            "2009-1-31",
            "1.5",
        ] {
            assert_eq!(parse_epoch_ms(bad), None, "{bad}");
        }
        assert!(parse_epoch_ms("2008-02-29").is_some());
    }

    #[test]
    fn formats_round_trip() {
        for s in [0, 951_782_400, 1_233_403_200, 4_102_444_799] {
            assert_eq!(parse_epoch_ms(&format_iso8601(s)), Some(s * MS_PER_S));
        }
        assert_eq!(format_iso8601(0), "1970-01-01T00:00:00Z");
    }
}
