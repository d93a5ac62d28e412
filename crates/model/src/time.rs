//! Publication times. Stored as RFC 3339 strings in the model (a day alone, `2017-03-24`,
//! is allowed when that is all a source says); compared as UTC instants.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Parses the forms that `published` may hold: RFC 3339 date-time, a date-time without an
/// offset (taken as UTC), or a bare day (midnight UTC).
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(ndt.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        if s.len() == 10 {
            return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_corpora_use() {
        assert_eq!(
            parse_instant("2023-05-23T23:10:01Z").unwrap().to_rfc3339(),
            "2023-05-23T23:10:01+00:00"
        );
        assert_eq!(
            parse_instant("2023-11-07T02:00:00-05:00").unwrap().to_rfc3339(),
            "2023-11-07T07:00:00+00:00"
        );
        assert!(parse_instant("2017-03-24").is_some());
        assert!(parse_instant("2017-03-24 10:00:00").is_some());
        assert!(parse_instant("yesterday").is_none());
        assert!(parse_instant("2017-13-40").is_none());
    }
}
