//! Timestamps: the logs write ISO-8601 UTC (`2026-03-18T09:31:52.776Z`); seqch keeps
//! milliseconds since the Unix epoch.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Parses an RFC 3339 timestamp to milliseconds since the epoch. The common
/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z` form is parsed by hand (it is on every line); other offsets go
/// through jiff.
pub fn parse_ts_ms(s: &str) -> Option<u64> {
    fast_utc(s.as_bytes()).or_else(|| {
        let ts: Timestamp = s.parse().ok()?;
        u64::try_from(ts.as_millisecond()).ok()
    })
}

fn fast_utc(b: &[u8]) -> Option<u64> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        b[r].iter().try_fold(0u64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0u64;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + u64::from(b[i] - b'0');
            }
            i += 1;
        }
        for _ in (i - start).min(3)..3 {
            millis *= 10;
        }
    }
    if i + 1 != b.len() || b[i] != b'Z' {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    let secs = days.checked_mul(86_400)? + (hour * 3600 + minute * 60 + second) as i64;
    u64::try_from(secs).ok().map(|s| s * 1000 + millis)
}

// Howard Hinnant's days_from_civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats milliseconds since the epoch as `2026-03-18T09:31:52.776Z`.
pub fn format_ts_ms(ms: u64) -> String {
    match Timestamp::from_millisecond(ms as i64) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => String::new(),
    }
}

/// The calendar day (`2026-03-18`) of `ms` in `tz`, and the milliseconds that day spans in
/// `tz` (`start..end`), so that the next rows of the same day need no time zone conversion.
pub fn day_span(ms: u64, tz: &TimeZone) -> (std::ops::Range<u64>, String) {
    let Ok(ts) = Timestamp::from_millisecond(ms as i64) else {
        return (ms..ms + 1, String::new());
    };
    let zoned = ts.to_zoned(tz.clone());
    let millis = |z: Result<jiff::Zoned, jiff::Error>| {
        z.map(|z| z.timestamp().as_millisecond().max(0) as u64)
    };
    let span = match (
        millis(zoned.start_of_day()),
        millis(zoned.tomorrow().and_then(|t| t.start_of_day())),
    ) {
        (Ok(start), Ok(end)) => start..end,
        _ => ms..ms + 1,
    };
    (span, zoned.date().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_log_forms() {
        assert_eq!(parse_ts_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            parse_ts_ms("2026-03-18T09:31:52.776Z"),
            Some(1_773_826_312_776)
        );
        assert_eq!(parse_ts_ms("2026-03-18T09:31:52Z"), Some(1_773_826_312_000));
        assert_eq!(
            parse_ts_ms("2026-03-18T09:31:52.7Z"),
            Some(1_773_826_312_700)
        );
        assert_eq!(
            parse_ts_ms("2026-03-18T09:31:52.776123Z"),
            Some(1_773_826_312_776)
        );
        assert_eq!(
            parse_ts_ms("2026-03-18T10:31:52.776+01:00"),
            Some(1_773_826_312_776)
        );
        assert_eq!(parse_ts_ms("yesterday"), None);
        assert_eq!(format_ts_ms(1_773_826_312_776), "2026-03-18T09:31:52.776Z");
    }

    #[test]
    fn days_follow_the_time_zone() {
        let ms = parse_ts_ms("2026-03-18T23:30:00Z").unwrap();
        let utc_start = parse_ts_ms("2026-03-18T00:00:00Z").unwrap();
        assert_eq!(
            day_span(ms, &TimeZone::UTC),
            (utc_start..utc_start + 86_400_000, "2026-03-18".to_owned())
        );
        let tokyo_start = parse_ts_ms("2026-03-18T15:00:00Z").unwrap();
        assert_eq!(
            day_span(ms, &TimeZone::get("Asia/Tokyo").unwrap()),
            (
                tokyo_start..tokyo_start + 86_400_000,
                "2026-03-19".to_owned()
            )
        );
        // The day the clocks go forward has 23 hours.
        let ms = parse_ts_ms("2026-03-29T12:00:00Z").unwrap();
        let (span, date) = day_span(ms, &TimeZone::get("Europe/Berlin").unwrap());
        assert_eq!(date, "2026-03-29");
        assert_eq!(span.start, parse_ts_ms("2026-03-28T23:00:00Z").unwrap());
        assert_eq!(span.end - span.start, 23 * 3_600_000);
    }
}
