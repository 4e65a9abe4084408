//! `X-Amz-Date` (ISO 8601 basic format, `yyyymmddThhmmssZ`, always UTC) to and from
//! milliseconds since the Unix epoch, with the `time` crate.

use time::macros::format_description;
use time::{format_description::FormatItem, OffsetDateTime, PrimitiveDateTime};

use super::limits::AMZ_DATE_LEN_BYTES;

const MS_PER_SEC: u64 = 1000;
/// `yyyymmddThhmmssZ`.
const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// Parses `yyyymmddThhmmssZ`; `None` for anything else, including impossible dates
/// and dates before 1970.
pub fn parse_amz_date(text: &str) -> Option<u64> {
    if text.len() != AMZ_DATE_LEN_BYTES {
        return None;
    }
    let at = PrimitiveDateTime::parse(text, AMZ_DATE).ok()?.assume_utc();
    u64::try_from(at.unix_timestamp())
        .ok()?
        .checked_mul(MS_PER_SEC)
}

/// Formats milliseconds since the epoch as `yyyymmddThhmmssZ` (sub-second part dropped).
pub fn format_amz_date(ms: u64) -> String {
    i64::try_from(ms / MS_PER_SEC)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .and_then(|at| at.format(AMZ_DATE).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160_000));
        assert_eq!(parse_amz_date("20000229T235959Z"), Some(951_868_799_000));
        assert_eq!(format_amz_date(1_440_938_160_999), "20150830T123600Z");
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "2015083XT123600Z",
            "20150230T000000Z",
            "20190229T000000Z",
            "20151301T000000Z",
            "20150830T240000Z",
            "20150830T126000Z",
            "19691231T235959Z",
            "+0150830T123600Z",
            "20150830T123600Zx",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_every_day_for_a_few_centuries() {
        let mut ms = 0u64;
        while ms < 13_000_000_000_000 {
            assert_eq!(parse_amz_date(&format_amz_date(ms)), Some(ms - ms % 1000));
            ms += 86_400_000 - 1_234;
        }
    }
}
