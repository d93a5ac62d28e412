//! Feed dates to RFC 3339. Feeds say dates in RFC 822/2822 (RSS `pubDate`), W3C-DTF (`dc:date`)
//! or RFC 3339 (Atom, JSON Feed), and real feeds bend all three: local weekday and month names,
//! `Z` or US zone names in RFC 822, 12-hour clocks, missing seconds. The original offset is
//! kept, since it says where the story was filed.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat};

/// The date as RFC 3339 (or a bare `YYYY-MM-DD` when only the day is given), or `None` when
/// it cannot be read.
pub fn normalise(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(format(dt));
    }
    iso(s)
        .or_else(|| DateTime::parse_from_rfc2822(s).ok().map(format))
        .or_else(|| loose(s))
}

fn format(dt: DateTime<FixedOffset>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// W3C-DTF and near-ISO forms.
fn iso(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    if bytes.len() < 10 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return None;
    }
    let with_offset = s
        .strip_suffix(['Z', 'z'])
        .map(|p| format!("{p}+00:00"))
        .unwrap_or_else(|| s.to_string());
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(&with_offset, f) {
            return Some(format(dt));
        }
    }
    // No offset: UTC is the only reading that does not invent a zone.
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(format(n.and_utc().fixed_offset()));
        }
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.format("%Y-%m-%d").to_string());
    }
    None
}

/// RFC 822 as feeds really write it: tokens in any order, local names, AM/PM, zone names.
fn loose(s: &str) -> Option<String> {
    let (mut day, mut month, mut year) = (None::<u32>, None::<u32>, None::<i32>);
    let mut time: Option<(u32, u32, u32)> = None;
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    for tok in s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let lower = tok.to_lowercase();
        let lower = lower.trim_end_matches('.');
        if tok.contains(':') && tok.starts_with(|c: char| c.is_ascii_digit()) {
            let mut parts = tok.split(':');
            let h = parts.next()?.parse().ok()?;
            let m = parts.next()?.parse().ok()?;
            let sec = parts
                .next()
                .map(|p| p.split('.').next().unwrap_or("0").parse().unwrap_or(0))
                .unwrap_or(0);
            time = Some((h, m, sec));
        } else if (tok.starts_with('+') || tok.starts_with('-')) && tok.len() >= 3 {
            let digits: String = tok[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let (h, m) = match digits.len() {
                4 => (
                    digits[..2].parse::<i32>().ok()?,
                    digits[2..].parse::<i32>().ok()?,
                ),
                2 => (digits.parse::<i32>().ok()?, 0),
                _ => continue,
            };
            let sign = if tok.starts_with('-') { -1 } else { 1 };
            offset = Some(sign * (h * 3600 + m * 60));
        } else if tok.chars().all(|c| c.is_ascii_digit()) {
            let n: i64 = tok.parse().ok()?;
            if tok.len() == 4 {
                year = Some(n as i32);
            } else if tok.len() <= 2 && day.is_none() {
                day = Some(n as u32);
            } else if tok.len() == 2 && year.is_none() {
                year = Some(if n < 50 {
                    2000 + n as i32
                } else {
                    1900 + n as i32
                });
            }
        } else if lower == "am" || lower == "pm" {
            pm = Some(lower == "pm");
        } else if let Some(m) = month_number(lower) {
            month = month.or(Some(m));
        } else if let Some(o) = zone_offset(lower) {
            offset = Some(o);
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let Some((mut h, m, sec)) = time else {
        return Some(date.format("%Y-%m-%d").to_string());
    };
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let t = NaiveTime::from_hms_opt(h, m, sec.min(59))?;
    let off = FixedOffset::east_opt(offset.unwrap_or(0))?;
    let dt = NaiveDateTime::new(date, t)
        .and_local_timezone(off)
        .single()?;
    Some(format(dt))
}

/// English, German, French, Italian, Spanish, Portuguese and Dutch month names.
fn month_number(w: &str) -> Option<u32> {
    let w: String = w.chars().take(4).collect();
    if w.starts_with("juin") {
        return Some(6);
    }
    if w.starts_with("juil") {
        return Some(7);
    }
    let p: String = w.chars().take(3).collect();
    Some(match p.as_str() {
        "jan" | "gen" | "ene" => 1,
        "feb" | "fév" | "fev" => 2,
        "mar" | "mär" | "mrz" => 3,
        "apr" | "avr" | "abr" => 4,
        "may" | "mai" | "mag" | "mei" => 5,
        "jun" | "giu" => 6,
        "jul" | "lug" => 7,
        "aug" | "ago" | "aoû" | "aou" => 8,
        "sep" | "set" => 9,
        "oct" | "okt" | "ott" | "out" => 10,
        "nov" => 11,
        "dec" | "dic" | "dez" | "déc" => 12,
        _ => return None,
    })
}

fn zone_offset(w: &str) -> Option<i32> {
    let h = match w {
        "z" | "ut" | "utc" | "gmt" => 0,
        "est" => -5,
        "edt" => -4,
        "cst" => -6,
        "cdt" => -5,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        "bst" | "cet" => 1,
        "cest" | "eet" => 2,
        "eest" | "msk" => 3,
        _ => return None,
    };
    Some(h * 3600)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn the_forms_real_feeds_use() {
        let cases = [
            (
                "Tue, 02 Mar 2021 23:39:15 +0100",
                "2021-03-02T23:39:15+01:00",
            ),
            ("Thu, 25 Feb 2021 10:15:00 +0000", "2021-02-25T10:15:00Z"),
            ("Fri, 13 Apr 2001 19:23:02 GMT", "2001-04-13T19:23:02Z"),
            ("Tue, 15 Nov 2022 20:15:04 Z", "2022-11-15T20:15:04Z"),
            (
                "mer, 16 nov 2022 00:38:15 +0100",
                "2022-11-16T00:38:15+01:00",
            ),
            ("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z"),
            ("Mon, 5 Jun 2023 08:00 EDT", "2023-06-05T08:00:00-04:00"),
            ("2023-01-25T19:03:02+01:00", "2023-01-25T19:03:02+01:00"),
            ("2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"),
            ("2023-01-25T19:03+01:00", "2023-01-25T19:03:00+01:00"),
            (
                "2017-05-17T08:02:12.250-0700",
                "2017-05-17T08:02:12.250-07:00",
            ),
            ("2020-05-24 21:51:16", "2020-05-24T21:51:16Z"),
            ("2017-03-24", "2017-03-24"),
            ("24 März 2017", "2017-03-24"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input).as_deref(), Some(want), "{input}");
        }
        for bad in ["", "yesterday", "Mon, 45 Foo 2021", "2021-02-30", "99:99"] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
    }
}
