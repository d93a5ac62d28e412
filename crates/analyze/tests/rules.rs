//! Small hand-written cases for each layer's rules (the real-data checks are the scorers').

use chrono::NaiveDate;
use copydesk_analyze::layers::{AmountKind, QuoteKind, SourceKind, TimexType};
use copydesk_analyze::{analyze_text, Options};

fn day() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2017, 3, 24) // a Friday
}

#[test]
fn amounts_with_currencies_and_nothing_inside_words() {
    let t = "It paid €2bn, £1,400 and 1.2 trillion roubles; US$5m went to G7 MP3 Covid-19 funds, up 12% or 3.5 per cent, for 45 workers.";
    let l = analyze_text(t, day(), &Options::default());
    let got: Vec<(&str, AmountKind, f64, Option<&str>)> = l
        .amounts
        .iter()
        .map(|a| {
            (
                a.span.get(t).unwrap(),
                a.kind,
                a.value,
                a.currency.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("€2bn", AmountKind::Money, 2e9, Some("EUR")),
            ("£1,400", AmountKind::Money, 1400.0, Some("GBP")),
            (
                "1.2 trillion roubles",
                AmountKind::Money,
                1.2e12,
                Some("RUB")
            ),
            ("US$5m", AmountKind::Money, 5e6, Some("USD")),
            ("12%", AmountKind::Percent, 12.0, None),
            ("3.5 per cent", AmountKind::Percent, 3.5, None),
            ("45 workers", AmountKind::Count, 45.0, None),
        ]
    );
}

#[test]
fn times_resolve_towards_the_past_unless_the_clause_is_future() {
    let t = "He left on Monday and returned in August. He will speak on Monday. Three years ago it began; \
             talks lasted two weeks, ended last week and resume next month. It happened on 3 May 2015.";
    let l = analyze_text(t, day(), &Options::default());
    let v: Vec<(&str, TimexType, &str)> = l
        .times
        .iter()
        .map(|x| {
            (
                x.span.get(t).unwrap(),
                x.kind,
                x.value.as_deref().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        v,
        [
            ("Monday", TimexType::Date, "2017-03-20"),
            ("August", TimexType::Date, "2016-08"),
            ("Monday", TimexType::Date, "2017-03-27"),
            ("Three years ago", TimexType::Date, "2014"),
            ("two weeks", TimexType::Duration, "P2W"),
            ("last week", TimexType::Date, "2017-W11"),
            ("next month", TimexType::Date, "2017-04"),
            ("3 May 2015", TimexType::Date, "2015-05-03"),
        ]
    );
}

#[test]
fn quotes_cues_speakers_and_documents() {
    let t = "MOSCOW (Reuters) - \"We will not yield,\" said Sen. John Smith (R-Ohio), the party's leader.\n\n\
             Mr. Smith added: \"Never.\"\n\n\
             The ministry paid the fee, according to a statement. Officials said the talks had failed.";
    let l = analyze_text(t, day(), &Options::default());
    let g = |s: copydesk_model::Span| s.get(t).unwrap();
    let q0 = &l.quotes[0];
    assert_eq!(
        (q0.kind, g(q0.content), g(q0.cue.unwrap())),
        (QuoteKind::Direct, "We will not yield,", "said")
    );
    assert_eq!(q0.speaker_name.as_deref(), Some("John Smith"));
    let never = l.quotes.iter().find(|q| g(q.content) == "Never.").unwrap();
    assert_eq!(never.speaker_name.as_deref(), Some("John Smith"));
    let officials = l
        .quotes
        .iter()
        .find(|q| q.kind == QuoteKind::Indirect && g(q.speaker.unwrap()) == "Officials")
        .unwrap();
    assert_eq!(g(officials.content), "the talks had failed");
    assert_eq!(l.attributions.len(), 1);
    assert_eq!(l.attributions[0].source_kind, SourceKind::Document);
    assert_eq!(g(l.attributions[0].claim), "The ministry paid the fee");
    assert_eq!(g(l.extra["datelines"][0].span), "MOSCOW (Reuters) -");
}

#[test]
fn quotes_across_paragraphs_and_unspoken_titles() {
    let t = "\"We will not yield. We never have.\n\n\"And we never will,\" Smith said.\n\n\
             She starred in her latest film, \"Trainwreck.\"\n\n\
             FAREWELL—\"The club will close at the end of December,\" by Ben Sisario.";
    let l = analyze_text(t, day(), &Options::default());
    let g = |s: copydesk_model::Span| s.get(t).unwrap();
    let direct: Vec<&str> = l
        .quotes
        .iter()
        .filter(|q| q.kind == QuoteKind::Direct)
        .map(|q| g(q.content))
        .collect();
    // One statement over two paragraphs is one quote, spoken by Smith.
    assert_eq!(
        direct,
        ["We will not yield. We never have.\n\n\"And we never will,"]
    );
    assert_eq!(l.quotes[0].speaker_name.as_deref(), Some("Smith"));
    // A film title and a headline after a dash are nobody's statement.
    assert!(l
        .quotes
        .iter()
        .filter(|q| g(q.content) == "Trainwreck." || g(q.content).starts_with("The club"))
        .all(|q| q.kind == QuoteKind::Partial));
}
