//! Time expressions (TIMEX3 extents, types and values), normalised against the publication
//! date.
//!
//! Rules match token sequences at each position, longest first. Relative expressions resolve
//! against the publication date; an expression whose day or year is implicit ("Friday",
//! "March 23", "August") resolves towards the past, as news mostly reports what happened
//! (HeidelTime's news strategy), unless the clause around it is future ("will", "next",
//! "scheduled"). Without a publication date the expression is kept and its value is `None`.

use chrono::{Datelike, Duration, NaiveDate};
use copydesk_model::layers::{Interval, Note, Timex, TimexType};
use copydesk_model::Span;

use crate::doc::{month_of, weekday_of, Doc};
use crate::tokens::Kind;

/// A value that may need the publication date.
enum Val {
    Fixed(String),
    /// Needs the date: computed from it.
    Rel(Box<dyn Fn(NaiveDate, bool) -> String>),
}

struct M {
    a: usize,
    b: usize,
    ty: TimexType,
    val: Val,
    modifier: Option<&'static str>,
}

fn num_word(w: &str) -> Option<u32> {
    let lw = w.to_ascii_lowercase();
    let v = match lw.as_str() {
        "one" | "a" | "an" | "single" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        "hundred" => 100,
        "dozen" => 12,
        _ => {
            if let Some((t, u)) = lw.split_once('-') {
                return Some(num_word(t)? + num_word(u)?);
            }
            if !lw.is_empty() && lw.len() <= 4 && lw.bytes().all(|b| b.is_ascii_digit()) {
                return lw.parse().ok();
            }
            return None;
        }
    };
    Some(v)
}

fn vague_number(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "several" | "few" | "many" | "some" | "couple" | "recent" | "numerous"
    )
}

/// Unit word -> (TIMEX3 duration letter, is time-of-day unit).
fn unit(w: &str) -> Option<(&'static str, bool)> {
    let lw = w.to_ascii_lowercase();
    let lw = lw
        .strip_suffix("'")
        .or_else(|| lw.strip_suffix("’"))
        .unwrap_or(&lw)
        .to_string();
    let base = lw.strip_suffix('s').unwrap_or(&lw);
    Some(match base {
        "year" => ("Y", false),
        "month" => ("M", false),
        "week" => ("W", false),
        "day" => ("D", false),
        "decade" => ("DE", false),
        "century" | "centurie" => ("CE", false),
        "hour" => ("H", true),
        "minute" => ("M", true),
        "second" => ("S", true),
        "weekend" => ("WE", false),
        "quarter" => ("Q", false),
        _ => return None,
    })
}

fn duration_value(n: Option<u32>, u: &str, time: bool) -> String {
    let n = n.map(|x| x.to_string()).unwrap_or_else(|| "X".into());
    match (u, time) {
        ("DE", _) => {
            if n == "X" {
                "PXDE".into()
            } else {
                format!("P{}Y", n.parse::<u32>().unwrap_or(1) * 10)
            }
        }
        ("CE", _) => {
            if n == "X" {
                "PXCE".into()
            } else {
                format!("P{}Y", n.parse::<u32>().unwrap_or(1) * 100)
            }
        }
        ("Q", _) => {
            if n == "X" {
                "PXQ".into()
            } else {
                format!("P{}M", n.parse::<u32>().unwrap_or(1) * 3)
            }
        }
        (u, true) => format!("PT{n}{u}"),
        (u, false) => format!("P{n}{u}"),
    }
}

fn ymd(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn iso_week(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{:04}-W{:02}", w.year(), w.week())
}

fn shift_months(d: NaiveDate, months: i32) -> (i32, u32) {
    let m0 = d.year() * 12 + d.month0() as i32 + months;
    (m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1)
}

/// The weekday `wd` (0 = Monday) nearest `dct` in the given direction (same day allowed
/// unless `strict`).
fn weekday_near(dct: NaiveDate, wd: u32, future: bool, strict: bool) -> NaiveDate {
    let cur = dct.weekday().num_days_from_monday() as i64;
    let wd = wd as i64;
    if future {
        let mut diff = (wd - cur).rem_euclid(7);
        if diff == 0 && strict {
            diff = 7;
        }
        dct + Duration::days(diff)
    } else {
        let mut diff = (cur - wd).rem_euclid(7);
        if diff == 0 && strict {
            diff = 7;
        }
        dct - Duration::days(diff)
    }
}

fn season_code(w: &str) -> Option<&'static str> {
    Some(match w.to_ascii_lowercase().as_str() {
        "summer" => "SU",
        "winter" => "WI",
        "spring" => "SP",
        "autumn" | "fall" => "FA",
        _ => return None,
    })
}

fn part_of_day(w: &str) -> Option<&'static str> {
    Some(match w.to_ascii_lowercase().as_str() {
        "morning" => "MO",
        "afternoon" => "AF",
        "evening" => "EV",
        "night" => "NI",
        _ => return None,
    })
}

/// Is the clause around tokens `a..=b` about the future?
fn future_context(doc: &Doc, a: usize, b: usize) -> bool {
    let Some(s) = doc.sentence_of(a) else {
        return false;
    };
    let lo = a.saturating_sub(10).max(s.t0);
    let hi = (b + 6).min(s.t1);
    (lo..hi).any(|k| {
        doc.is_word(k) && {
            let w = doc.w(k);
            doc.is(
                k,
                &[
                    "will",
                    "shall",
                    "upcoming",
                    "scheduled",
                    "planned",
                    "plans",
                    "plan",
                    "due",
                    "expected",
                    "tomorrow",
                    "next",
                    "until",
                    "through",
                    "won't",
                ],
            ) || w.ends_with("'ll")
                || w.ends_with("’ll")
                || (doc.is(k, &["going"]) && doc.is(k + 1, &["to"]))
                || (doc.is(k, &["is", "are"]) && doc.is(k + 1, &["to"]))
        }
    })
}

pub fn find(doc: &Doc, dct: Option<NaiveDate>, notes: &mut Vec<Note>) -> Vec<Timex> {
    let n = doc.toks.len();
    let mut out = Vec::new();
    let mut unresolved = 0usize;
    let mut i = 0;
    while i < n {
        if !matches!(doc.toks[i].kind, Kind::Word | Kind::Num) {
            i += 1;
            continue;
        }
        // Year ranges written as one token: "2009-2010", "1957-58".
        if let Some(pair) = year_range(doc, i) {
            out.extend(pair);
            i += 1;
            continue;
        }
        if !could_start(doc, i) {
            i += 1;
            continue;
        }
        let Some(m) = match_at(doc, i) else {
            i += 1;
            continue;
        };
        let future = future_context(doc, m.a, m.b);
        let value = match (&m.val, dct) {
            (Val::Fixed(s), _) => Some(s.clone()),
            (Val::Rel(f), Some(d)) => Some(f(d, future)),
            (Val::Rel(_), None) => {
                unresolved += 1;
                None
            }
        };
        let span = doc.span(m.a, m.b);
        let mut t = Timex {
            span,
            kind: m.ty,
            value,
            modifier: m.modifier.map(str::to_string),
            ..Default::default()
        };
        if m.a > 0 && doc.sent_of[m.a - 1] == doc.sent_of[m.a] {
            let p = m.a - 1;
            if doc.is(
                p,
                &[
                    "on",
                    "in",
                    "since",
                    "until",
                    "till",
                    "by",
                    "from",
                    "during",
                    "before",
                    "after",
                    "at",
                    "for",
                    "through",
                    "throughout",
                    "within",
                ],
            ) {
                t.phrase = Some(Span::new(doc.toks[p].start, span.end));
                if doc.is(p, &["since", "from"]) && t.kind == TimexType::Date {
                    t.interval = Some(Interval {
                        from: t.value.clone(),
                        to: dct.map(ymd),
                    });
                } else if doc.is(p, &["until", "till"]) && t.kind == TimexType::Date {
                    t.interval = Some(Interval {
                        from: None,
                        to: t.value.clone(),
                    });
                }
            }
        }
        out.push(t);
        i = m.b + 1;
    }
    if unresolved > 0 {
        notes.push(Note {
            layer: "times".into(),
            span: None,
            message: format!(
                "{unresolved} relative time expression(s) left unresolved: no publication date"
            ),
        });
    }
    out
}

/// Words that can open a time expression (besides numbers, months and weekdays).
const TRIGGERS: &[&str] = &[
    "the", "a", "an", "last", "this", "next", "past", "coming", "previous", "following", "current", "that",
    "earlier", "later", "early", "late", "mid", "almost", "nearly", "about", "approximately", "roughly", "around",
    "more", "less", "fewer", "at", "every", "each", "today", "yesterday", "tomorrow", "tonight", "now", "currently",
    "nowadays", "recently", "lately", "annually", "yearly", "daily", "weekly", "monthly", "recent", "years",
    "months", "weeks", "days", "decades", "hours", "minutes", "one", "two", "three", "four", "five", "six", "seven",
    "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "ninety",
    "hundred", "dozen", "several", "few", "many", "some", "couple", "numerous", "single",
];

/// A cheap test run on every token before the rules: most words cannot start a time
/// expression, and the rules allocate.
fn could_start(doc: &Doc, i: usize) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| TRIGGERS.iter().copied().collect());
    let t = &doc.toks[i];
    if matches!(t.kind, Kind::Num) {
        return true;
    }
    let w = doc.w(i);
    let first = w.chars().next().unwrap_or(' ');
    if first.is_uppercase() {
        return month_of(w).is_some() || weekday_of(w).is_some() || set.contains(w.to_ascii_lowercase().as_str());
    }
    if set.contains(w) {
        return true;
    }
    // "two-year", "mid-2011"
    w.split_once('-').is_some_and(|(a, _)| a == "mid" || set.contains(a) || a.bytes().all(|b| b.is_ascii_digit()))
}

fn lw(doc: &Doc, i: usize) -> String {
    if i < doc.toks.len() {
        doc.w(i).to_ascii_lowercase()
    } else {
        String::new()
    }
}

fn year_of(doc: &Doc, i: usize) -> Option<i32> {
    if i >= doc.toks.len() || !matches!(doc.toks[i].kind, Kind::Num) {
        return None;
    }
    let w = doc.w(i);
    if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = w.parse().ok()?;
        if (1000..=2199).contains(&y) {
            return Some(y);
        }
    }
    None
}

fn day_of(doc: &Doc, i: usize) -> Option<u32> {
    if i >= doc.toks.len() {
        return None;
    }
    let w = doc.w(i);
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn match_at(doc: &Doc, i: usize) -> Option<M> {
    // Modifiers that belong to the expression: "early December", "late last July".
    let (modifier, start) = match lw(doc, i).as_str() {
        "early" => (Some("START"), i + 1),
        "late" => (Some("END"), i + 1),
        "mid" => (Some("MID"), i + 1),
        "almost" | "nearly" => (Some("LESS_THAN"), i + 1),
        "about" | "approximately" | "roughly" | "around" => (Some("APPROX"), i + 1),
        "more" if doc.is(i + 1, &["than"]) => (Some("MORE_THAN"), i + 2),
        "less" | "fewer" if doc.is(i + 1, &["than"]) => (Some("LESS_THAN"), i + 2),
        "at" if doc.is(i + 1, &["least"]) => (Some("MORE_THAN"), i + 2),
        _ => (None, i),
    };
    if start != i {
        let m = core(doc, start)?;
        // Only keep a modifier the expression can carry.
        let ok = match modifier {
            Some("START") | Some("END") | Some("MID") => m.ty == TimexType::Date,
            _ => m.ty == TimexType::Duration,
        };
        if !ok {
            return None;
        }
        return Some(M {
            a: i,
            modifier,
            ..m
        });
    }
    core(doc, i)
}

fn core(doc: &Doc, i: usize) -> Option<M> {
    let n = doc.toks.len();
    if i >= n {
        return None;
    }
    let w = doc.w(i);
    let l = w.to_ascii_lowercase();
    let fixed = |a, b, ty, v: String| {
        Some(M {
            a,
            b,
            ty,
            val: Val::Fixed(v),
            modifier: None,
        })
    };
    let rel = |a, b, ty, f: Box<dyn Fn(NaiveDate, bool) -> String>| {
        Some(M {
            a,
            b,
            ty,
            val: Val::Rel(f),
            modifier: None,
        })
    };

    // "mid-2011", "mid-March"
    if let Some(rest) = l.strip_prefix("mid-") {
        if let Ok(y) = rest.parse::<i32>() {
            if (1000..2200).contains(&y) {
                return Some(M {
                    a: i,
                    b: i,
                    ty: TimexType::Date,
                    val: Val::Fixed(format!("{y:04}")),
                    modifier: Some("MID"),
                });
            }
        }
    }

    // Month names: "March 23", "March 23, 2017", "May 2010", "August".
    if let Some(mo) = month_of(w) {
        let may_ok = !doc.is(i, &["may", "march"]) || {
            let prev_ok = i > 0
                && doc.is(
                    i - 1,
                    &[
                        "in", "since", "last", "next", "this", "early", "late", "mid", "until",
                        "by", "of", "from", "through", "before", "after", "during", "that", "each",
                        "every",
                    ],
                );
            prev_ok || day_of(doc, i + 1).is_some() || year_of(doc, i + 1).is_some()
        };
        if may_ok && !(w.ends_with('.') && w.len() <= 3) {
            if let Some(d) = day_of(doc, i + 1) {
                let mut b = i + 1;
                let mut year = None;
                let k = if doc.punct(b + 1, ",") { b + 2 } else { b + 1 };
                if let Some(y) = year_of(doc, k) {
                    year = Some(y);
                    b = k;
                }
                return match year {
                    Some(y) => fixed(i, b, TimexType::Date, format!("{y:04}-{mo:02}-{d:02}")),
                    None => rel(
                        i,
                        b,
                        TimexType::Date,
                        Box::new(move |dct, fut| {
                            let y = implicit_year(dct, mo, Some(d), fut);
                            format!("{y:04}-{mo:02}-{d:02}")
                        }),
                    ),
                };
            }
            if let Some(y) = year_of(doc, i + 1) {
                return fixed(i, i + 1, TimexType::Date, format!("{y:04}-{mo:02}"));
            }
            if doc.punct(i + 1, ",") {
                if let Some(y) = year_of(doc, i + 2) {
                    return fixed(i, i + 2, TimexType::Date, format!("{y:04}-{mo:02}"));
                }
            }
            if !w.ends_with('.') {
                return rel(
                    i,
                    i,
                    TimexType::Date,
                    Box::new(move |dct, fut| {
                        format!("{:04}-{mo:02}", implicit_year(dct, mo, None, fut))
                    }),
                );
            }
        }
    }
    // "23 March 2017"
    if let Some(d) = day_of(doc, i) {
        if i + 1 < n {
            if let Some(mo) = month_of(doc.w(i + 1)) {
                if let Some(y) = year_of(doc, i + 2) {
                    return fixed(i, i + 2, TimexType::Date, format!("{y:04}-{mo:02}-{d:02}"));
                }
                return rel(
                    i,
                    i + 1,
                    TimexType::Date,
                    Box::new(move |dct, fut| {
                        format!("{:04}-{mo:02}-{d:02}", implicit_year(dct, mo, Some(d), fut))
                    }),
                );
            }
        }
    }

    // Weekdays, with a part of the day: "Friday", "Friday afternoon", "Sunday night".
    if doc.is_cap(i) {
        if let Some(wd) = weekday_of(w) {
            if let Some(pod) = doc.get(i + 1).and_then(|_| part_of_day(doc.w(i + 1))) {
                return rel(
                    i,
                    i + 1,
                    TimexType::Time,
                    Box::new(move |dct, fut| {
                        format!("{}T{pod}", ymd(weekday_near(dct, wd, fut, false)))
                    }),
                );
            }
            return rel(
                i,
                i,
                TimexType::Date,
                Box::new(move |dct, fut| ymd(weekday_near(dct, wd, fut, false))),
            );
        }
    }

    // Clock times: "8 PM", "10:30 a.m.", "15:00 GMT Saturday".
    if matches!(doc.toks[i].kind, Kind::Num) {
        let (h, mi) = match w.split_once(':') {
            Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok(), m.parse::<u32>().ok()),
            Some(_) => (None, None),
            None => (w.parse::<u32>().ok(), Some(0)),
        };
        if let (Some(mut h), Some(mi)) = (h, mi) {
            let mut b = i;
            let ampm = doc.get(i + 1).map(|_| lw(doc, i + 1)).unwrap_or_default();
            let has_colon = w.contains(':');
            let mut ok = has_colon && h < 24 && mi < 60;
            if matches!(ampm.as_str(), "pm" | "p.m." | "am" | "a.m.") && h <= 12 {
                if ampm.starts_with('p') && h < 12 {
                    h += 12;
                } else if ampm.starts_with('a') && h == 12 {
                    h = 0;
                }
                b = i + 1;
                ok = true;
            }
            if ok {
                if doc.is(
                    b + 1,
                    &[
                        "GMT", "UTC", "BST", "ET", "EST", "EDT", "PT", "PST", "CET", "local",
                    ],
                ) {
                    b += 1;
                }
                let wd = doc.get(b + 1).and_then(|_| {
                    if doc.is_cap(b + 1) {
                        weekday_of(doc.w(b + 1))
                    } else {
                        None
                    }
                });
                if wd.is_some() {
                    b += 1;
                }
                let hm = if mi == 0 && !has_colon {
                    format!("{h:02}")
                } else {
                    format!("{h:02}:{mi:02}")
                };
                return rel(
                    i,
                    b,
                    TimexType::Time,
                    Box::new(move |dct, fut| {
                        let d = match wd {
                            Some(wd) => weekday_near(dct, wd, fut, false),
                            None => dct,
                        };
                        format!("{}T{hm}", ymd(d))
                    }),
                );
            }
        }
    }

    // Years and decades: "2014", "1990s", "the 20th century".
    if let Some(y) = year_of(doc, i) {
        let prev_money = i > 0 && matches!(doc.w(i - 1), "$" | "£" | "€" | "¥");
        let next = lw(doc, i + 1);
        let next_unit = matches!(
            next.as_str(),
            "%" | "percent"
                | "per"
                | "people"
                | "votes"
                | "troops"
                | "jobs"
                | "members"
                | "dollars"
                | "euros"
                | "pounds"
                | "times"
                | "feet"
                | "miles"
                | "km"
                | "metres"
                | "meters"
                | "tonnes"
                | "tons"
                | "units"
                | "cars"
                | "homes"
                | "students"
                | "workers"
                | "employees"
                | "seats"
                | "points"
        );
        if !prev_money && !next_unit && !doc.punct(i + 1, "%") {
            return fixed(i, i, TimexType::Date, format!("{y:04}"));
        }
    }
    if matches!(doc.toks[i].kind, Kind::Num) && w.len() == 5 && w.ends_with('s') {
        if let Ok(y) = w[..4].parse::<i32>() {
            if (1000..2200).contains(&y) && y % 10 == 0 {
                return fixed(i, i, TimexType::Date, format!("{:03}", y / 10));
            }
        }
    }
    if let Some(c) = day_of(doc, i) {
        if doc.is(i + 1, &["century"]) && doc.w(i).len() > 2 {
            return fixed(i, i + 1, TimexType::Date, format!("{:02}", c - 1));
        }
    }

    // Deictic words.
    match l.as_str() {
        "today" => return rel(i, i, TimexType::Date, Box::new(|d, _| ymd(d))),
        "yesterday" => {
            return rel(
                i,
                i,
                TimexType::Date,
                Box::new(|d, _| ymd(d - Duration::days(1))),
            )
        }
        "tomorrow" => {
            return rel(
                i,
                i,
                TimexType::Date,
                Box::new(|d, _| ymd(d + Duration::days(1))),
            )
        }
        "tonight" => {
            return rel(
                i,
                i,
                TimexType::Time,
                Box::new(|d, _| format!("{}TNI", ymd(d))),
            )
        }
        "now" | "currently" | "nowadays" => {
            // "now" as a discourse marker ("Now, ...") still refers to the present.
            return fixed(i, i, TimexType::Date, "PRESENT_REF".into());
        }
        "recently" | "lately" => return fixed(i, i, TimexType::Date, "PAST_REF".into()),
        "annually" | "yearly" => return fixed(i, i, TimexType::Set, "P1Y".into()),
        "daily" => return fixed(i, i, TimexType::Set, "P1D".into()),
        "weekly" => return fixed(i, i, TimexType::Set, "P1W".into()),
        "monthly" => return fixed(i, i, TimexType::Set, "P1M".into()),
        _ => {}
    }

    // "the past", "the future", "at the time"
    if l == "the" && doc.is(i + 1, &["past"]) && !doc.is_word(i + 2) {
        return fixed(i, i + 1, TimexType::Date, "PAST_REF".into());
    }
    if l == "the" && doc.is(i + 1, &["future"]) {
        return fixed(i, i + 1, TimexType::Date, "FUTURE_REF".into());
    }

    // "every morning", "each week"
    if matches!(l.as_str(), "every" | "each") && i + 1 < n {
        let nx = lw(doc, i + 1);
        if let Some(p) = part_of_day(&nx) {
            return fixed(i, i + 1, TimexType::Set, format!("XXXX-XX-XXT{p}"));
        }
        if let Some((u, t)) = unit(&nx) {
            if !nx.ends_with('s') {
                return fixed(i, i + 1, TimexType::Set, duration_value(Some(1), u, t));
            }
        }
        if let Some(wd) = weekday_of(doc.w(i + 1)) {
            return fixed(i, i + 1, TimexType::Set, format!("XXXX-WXX-{}", wd + 1));
        }
        if let Some(s) = season_code(&nx) {
            return fixed(i, i + 1, TimexType::Set, format!("XXXX-{s}"));
        }
    }

    // "this morning", "last night"
    if matches!(l.as_str(), "this" | "last" | "yesterday") && i + 1 < n {
        if let Some(p) = part_of_day(&lw(doc, i + 1)) {
            let back = if l == "this" || (l == "last" && p != "NI") {
                0
            } else {
                1
            };
            return rel(
                i,
                i + 1,
                TimexType::Time,
                Box::new(move |d, _| format!("{}T{p}", ymd(d - Duration::days(back)))),
            );
        }
    }

    // Determiner + calendar unit: "last year", "this week", "next month", "the last week",
    // "last summer", "last May", "last Friday", "this fiscal year", "earlier this year".
    let (det_a, det_k, det) = {
        let mut a = i;
        let mut k = i;
        if l == "the"
            && doc.is(
                i + 1,
                &[
                    "last",
                    "past",
                    "next",
                    "coming",
                    "previous",
                    "following",
                    "same",
                    "current",
                ],
            )
        {
            k = i + 1;
        }
        if l == "earlier" || l == "later" {
            if doc.is(i + 1, &["this", "last", "next"]) {
                k = i + 1;
            } else {
                a = usize::MAX;
            }
        }
        (a, k, lw(doc, k))
    };
    if det_a != usize::MAX
        && matches!(
            det.as_str(),
            "last"
                | "this"
                | "next"
                | "past"
                | "coming"
                | "previous"
                | "following"
                | "current"
                | "that"
        )
    {
        let with_the = det_k > i && l == "the";
        let mut u = det_k + 1;
        if doc.is(
            u,
            &["fiscal", "financial", "calendar", "school", "academic"],
        ) {
            u += 1;
        }
        if u < n {
            let uw = doc.w(u).to_string();
            let ulw = uw.to_ascii_lowercase();
            let dir: i32 = match det.as_str() {
                "last" | "past" | "previous" => -1,
                "next" | "coming" | "following" => 1,
                _ => 0,
            };
            // Numbers make a duration: "the past two years", "the next few months".
            let num = num_word(&uw).filter(|_| !doc.is(u, &["a", "an"])).or(None);
            let vague = vague_number(&uw) || (ulw == "few" && false);
            let (num_tok, unit_tok) = if (num.is_some() || vague) && u + 1 < n {
                (Some(u), u + 1)
            } else if doc.is(u, &["a"]) && doc.is(u + 1, &["few", "couple"]) {
                (Some(u + 1), u + 2 + usize::from(doc.is(u + 2, &["of"])))
            } else {
                (None, u)
            };
            if unit_tok < n {
                if let Some((un, time)) = unit(doc.w(unit_tok)) {
                    // "the next decade", "the past century": a stretch of time, not a date.
                    if matches!(un, "DE" | "CE") && with_the {
                        return fixed(
                            i,
                            unit_tok,
                            TimexType::Duration,
                            duration_value(Some(1), un, time),
                        );
                    }
                    let plural = lw(doc, unit_tok).ends_with('s');
                    if num_tok.is_some() || plural {
                        let nv = num_tok
                            .and_then(|t| num_word(doc.w(t)).filter(|_| !vague_number(doc.w(t))));
                        let nv = if num_tok.is_some() && nv.is_none() {
                            None
                        } else {
                            nv.or(Some(1))
                        };
                        let nv = if plural && num_tok.is_none() {
                            None
                        } else {
                            nv
                        };
                        return fixed(
                            if with_the { i } else { det_k },
                            unit_tok,
                            TimexType::Duration,
                            duration_value(nv, un, time),
                        );
                    }
                    if det == "past" && with_the {
                        return fixed(
                            i,
                            unit_tok,
                            TimexType::Duration,
                            duration_value(Some(1), un, time),
                        );
                    }
                    if matches!(det.as_str(), "following" | "same" | "that") {
                        if det == "following" {
                            return fixed(
                                i,
                                unit_tok,
                                TimexType::Duration,
                                duration_value(Some(1), un, time),
                            );
                        }
                        return None;
                    }
                    let a = if with_the {
                        i
                    } else if det_k > i {
                        i
                    } else {
                        det_k
                    };
                    let d = dir;
                    let un_s = un;
                    return rel(
                        a,
                        unit_tok,
                        TimexType::Date,
                        Box::new(move |dct, _| match un_s {
                            "Y" => format!("{:04}", dct.year() + d),
                            "M" => {
                                let (y, m) = shift_months(dct, d);
                                format!("{y:04}-{m:02}")
                            }
                            "W" => iso_week(dct + Duration::weeks(d as i64)),
                            "D" => ymd(dct + Duration::days(d as i64)),
                            "WE" => format!("{}-WE", iso_week(dct + Duration::weeks(d as i64))),
                            "DE" => format!("{:03}", (dct.year() / 10) + d),
                            "CE" => format!("{:02}", (dct.year() / 100) + d),
                            "Q" => {
                                let q = dct.month0() as i32 / 3 + d;
                                let (y, q) = (dct.year() + q.div_euclid(4), q.rem_euclid(4) + 1);
                                format!("{y:04}-Q{q}")
                            }
                            _ => ymd(dct),
                        }),
                    );
                }
                if let Some(s) = season_code(doc.w(unit_tok)) {
                    let d = dir;
                    return rel(
                        det_k,
                        unit_tok,
                        TimexType::Date,
                        Box::new(move |dct, _| {
                            // The season named "last" is the latest one before the date.
                            let cur_season_start = match s {
                                "SP" => 3,
                                "SU" => 6,
                                "FA" => 9,
                                _ => 12,
                            };
                            let mut y = dct.year();
                            if d < 0 && dct.month() < cur_season_start + 3 {
                                y -= 1;
                            } else if d > 0 && dct.month() >= cur_season_start {
                                y += 1;
                            }
                            format!("{y:04}-{s}")
                        }),
                    );
                }
                if let Some(mo) = month_of(doc.w(unit_tok)) {
                    let d = dir;
                    return rel(
                        det_k,
                        unit_tok,
                        TimexType::Date,
                        Box::new(move |dct, _| {
                            let y = match d {
                                -1 => {
                                    if mo < dct.month() {
                                        dct.year()
                                    } else {
                                        dct.year() - 1
                                    }
                                }
                                1 => {
                                    if mo > dct.month() {
                                        dct.year()
                                    } else {
                                        dct.year() + 1
                                    }
                                }
                                _ => dct.year(),
                            };
                            format!("{y:04}-{mo:02}")
                        }),
                    );
                }
                if doc.is_cap(unit_tok) {
                    if let Some(wd) = weekday_of(doc.w(unit_tok)) {
                        let d = dir;
                        return rel(
                            det_k,
                            unit_tok,
                            TimexType::Date,
                            Box::new(move |dct, fut| match d {
                                -1 => ymd(weekday_near(dct, wd, false, true)),
                                1 => ymd(weekday_near(dct, wd, true, true)),
                                _ => ymd(weekday_near(dct, wd, fut, false)),
                            }),
                        );
                    }
                }
            }
        }
    }

    // Number + unit: "five years", "90 days", "a month", "two-year", "three years ago".
    let mut num_tok = None;
    let mut a = i;
    let mut k = i;
    if l == "the"
        && (num_word(&lw(doc, i + 1)).is_some_and(|_| !doc.is(i + 1, &["a", "an"]))
            || doc.is(i + 1, &["last", "past"]))
    {
        k = i + 1;
    }
    if doc.is(k, &["a", "an"]) && doc.is(k + 1, &["mere", "full", "few", "couple"]) {
        if doc.is(k + 1, &["few", "couple"]) {
            num_tok = Some(k + 1);
            k += 2;
            if doc.is(k, &["of"]) {
                k += 1;
            }
        } else {
            k += 2;
        }
    } else if num_word(&lw(doc, k)).is_some() || vague_number(&lw(doc, k)) {
        num_tok = Some(k);
        k += 1;
        // "24 hours" after "a mere": the number follows.
    } else if k != i {
        a = usize::MAX;
    }
    if a != usize::MAX && num_tok.is_none() && k > i && num_word(&lw(doc, k)).is_some() {
        num_tok = Some(k);
        k += 1;
    }
    if a != usize::MAX {
        if let Some(nt) = num_tok {
            if k < n && !doc.punct(k, "%") {
                if let Some((un, time)) = unit(doc.w(k)) {
                    // Years as numbers ("2014 years") are unlikely; keep to small numbers.
                    let nv = if vague_number(doc.w(nt)) {
                        None
                    } else {
                        num_word(doc.w(nt))
                    };
                    if nv.is_none_or(|v| v < 1000) {
                        if doc.is(k + 1, &["ago"]) {
                            let v = nv.unwrap_or(0);
                            let unit_s = un;
                            if nv.is_none() {
                                return fixed(a, k + 1, TimexType::Date, "PAST_REF".into());
                            }
                            return rel(
                                a,
                                k + 1,
                                TimexType::Date,
                                Box::new(move |dct, _| match unit_s {
                                    "Y" => format!("{:04}", dct.year() - v as i32),
                                    "M" => {
                                        let (y, m) = shift_months(dct, -(v as i32));
                                        format!("{y:04}-{m:02}")
                                    }
                                    "W" => iso_week(dct - Duration::weeks(v as i64)),
                                    "D" => ymd(dct - Duration::days(v as i64)),
                                    "DE" => format!("{:04}", dct.year() - 10 * v as i32),
                                    _ => ymd(dct),
                                }),
                            );
                        }
                        let ty = TimexType::Duration;
                        return fixed(a, k, ty, duration_value(nv, un, time));
                    }
                }
            }
        }
    }
    // Hyphenated durations: "two-year", "four-week", "10-day".
    if let Some((nw, uw)) = l.rsplit_once('-') {
        if let (Some(v), Some((un, time))) = (num_word(nw), unit(uw)) {
            if !uw.ends_with('s') {
                return fixed(i, i, TimexType::Duration, duration_value(Some(v), un, time));
            }
        }
    }
    // Bare plural units: "for years", "in recent weeks", "minutes".
    if matches!(
        l.as_str(),
        "years" | "months" | "weeks" | "days" | "decades" | "hours" | "minutes"
    ) {
        if let Some((un, time)) = unit(&l) {
            let a = if i > 0 && doc.is(i - 1, &["recent"]) {
                i - 1
            } else {
                i
            };
            return fixed(a, i, TimexType::Duration, duration_value(None, un, time));
        }
    }
    if l == "recent" {
        if let Some((un, time)) = doc.get(i + 1).and_then(|_| unit(doc.w(i + 1))) {
            if lw(doc, i + 1).ends_with('s') {
                return fixed(
                    i,
                    i + 1,
                    TimexType::Duration,
                    duration_value(None, un, time),
                );
            }
        }
    }
    None
}

/// The year of a month (and day) given without one: the latest such date on or before the
/// publication date, or the next one after it in a future context.
fn implicit_year(dct: NaiveDate, month: u32, day: Option<u32>, future: bool) -> i32 {
    let y = dct.year();
    let d = day.unwrap_or(1);
    let this = NaiveDate::from_ymd_opt(y, month, d.min(28)).unwrap_or(dct);
    let same_month = month == dct.month();
    if future {
        if this < dct && !same_month {
            y + 1
        } else {
            y
        }
    } else if this > dct && !same_month {
        y - 1
    } else if same_month && day.is_some_and(|d| d > dct.day() + 7) {
        y - 1
    } else {
        y
    }
}

/// "2009-2010" and "1957-58" as two DATE expressions with their own byte spans.
fn year_range(doc: &Doc, i: usize) -> Option<[Timex; 2]> {
    if !matches!(doc.toks[i].kind, Kind::Num) {
        return None;
    }
    let w = doc.w(i);
    let (a, b) = w.split_once('-')?;
    if a.len() != 4
        || !(b.len() == 4 || b.len() == 2)
        || !a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let y1: i32 = a.parse().ok()?;
    let y2: i32 = if b.len() == 2 {
        (y1 / 100) * 100 + b.parse::<i32>().ok()?
    } else {
        b.parse().ok()?
    };
    if !(1000..2200).contains(&y1) || y2 <= y1 {
        return None;
    }
    let s = doc.toks[i].start;
    let t = |start: usize, end: usize, y: i32| Timex {
        span: Span::new(start, end),
        kind: TimexType::Date,
        value: Some(format!("{y:04}")),
        ..Default::default()
    };
    Some([t(s, s + 4, y1), t(s + 5, s + 5 + b.len(), y2)])
}
