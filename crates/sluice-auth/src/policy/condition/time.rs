//! Dates for the Date* condition operators. IAM accepts ISO 8601 (`2009-01-31`,
//! `2009-01-31T12:00Z`, `2024-05-01T10:00:00.000+02:00`) and epoch seconds; both become
//! epoch milliseconds so they compare as numbers. Written by hand to keep the crate free
//! of a date library and of the system clock.

const MS_PER_S: i64 = 1_000;
const S_PER_MIN: i64 = 60;
const S_PER_HOUR: i64 = 3_600;
const S_PER_DAY: i64 = 86_400;

/// Parses an IAM date value to epoch milliseconds; `None` when it is neither form.
pub fn parse_epoch_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<i64>().ok()?.checked_mul(MS_PER_S);
    }
    parse_iso8601_ms(value)
}

fn parse_iso8601_ms(value: &str) -> Option<i64> {
    let (date, rest) = match value.find(['T', 't']) {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    };
    let mut date_parts = date.split('-');
    let year: i64 = digits(date_parts.next()?, 4)?;
    let month: i64 = digits(date_parts.next()?, 2)?;
    let day: i64 = digits(date_parts.next()?, 2)?;
    if date_parts.next().is_some()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * S_PER_DAY * MS_PER_S;
    let Some(rest) = rest else {
        return Some(ms);
    };
    // Split the zone off the time: `Z`, `+hh:mm`, `-hh:mm`, or none (taken as UTC).
    let (time, offset_s) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
        let zone = &rest[i + 1..];
        let (h, m) = zone
            .split_once(':')
            .unwrap_or((zone.get(..2)?, zone.get(2..)?));
        let (h, m): (i64, i64) = (digits(h, 2)?, digits(m, 2)?);
        (&rest[..i], sign * (h * S_PER_HOUR + m * S_PER_MIN))
    } else {
        (rest, 0)
    };
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock_parts = clock.split(':');
    let hour: i64 = digits(clock_parts.next()?, 2)?;
    let minute: i64 = digits(clock_parts.next()?, 2)?;
    let second: i64 = match clock_parts.next() {
        Some(s) => digits(s, 2)?,
        None => 0,
    };
    if clock_parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let millis = if fraction.is_empty() {
        0
    } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
        // Only the first three digits matter at millisecond resolution.
        let padded = format!("{:0<3}", &fraction[..fraction.len().min(3)]);
        padded.parse::<i64>().ok()?
    } else {
        return None;
    };
    ms += ((hour * S_PER_HOUR + minute * S_PER_MIN + second) - offset_s) * MS_PER_S + millis;
    Some(ms)
}

fn digits(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats epoch seconds as aws:CurrentTime does: `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_iso8601(epoch_s: i64) -> String {
    let (year, month, day) = civil_from_days(epoch_s.div_euclid(S_PER_DAY));
    let s = epoch_s.rem_euclid(S_PER_DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        s / S_PER_HOUR,
        s % S_PER_HOUR / S_PER_MIN,
        s % S_PER_MIN
    )
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
