//! Acceptance on the reference article (../shared/data/seed/article.txt, published
//! 2017-03-24): the quotes, speakers, reported speech, media attributions, times and money
//! that issue 3 lists, each with its span.

use copydesk_analyze::layers::{AmountKind, Quote, QuoteKind, SourceKind, TimexType};
use copydesk_analyze::{analyze, Options};
use copydesk_model::Article;
use copydesk_read::{read_inputs, Event, ReadOptions};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/seed/article.txt"
);

fn seed() -> Option<Article> {
    if !std::path::Path::new(SEED).exists() {
        eprintln!("skipping: {SEED} not found (the shared data folder is not beside the project)");
        return None;
    }
    let opts = ReadOptions {
        published: Some("2017-03-24".into()),
        ..Default::default()
    };
    let mut out = None;
    read_inputs(&[SEED.to_string()], &opts, &mut |ev| {
        if let Event::Article(a) = ev {
            out.get_or_insert(*a);
        }
    });
    let mut a = out.expect("the seed article reads");
    analyze(&mut a, &Options::default());
    Some(a)
}

fn text_of<'a>(a: &'a Article, s: copydesk_model::Span) -> &'a str {
    s.get(&a.text)
        .expect("span on char boundaries inside the text")
}

fn quote<'a>(a: &'a Article, content: &str) -> &'a Quote {
    a.layers
        .quotes
        .iter()
        .find(|q| q.kind != QuoteKind::Indirect && text_of(a, q.content) == content)
        .unwrap_or_else(|| panic!("no quote {content:?}; quotes: {:#?}", a.layers.quotes))
}

fn assert_speaker(a: &Article, q: &Quote, name: &str, mention: Option<&str>) {
    let got = q.speaker_name.as_deref().unwrap_or("");
    assert!(
        got.contains(name),
        "quote {:?}: speaker {got:?}, expected {name:?}",
        text_of(a, q.content)
    );
    if let Some(m) = mention {
        assert_eq!(text_of(a, q.speaker.expect("speaker mention")), m);
    }
}

#[test]
fn direct_and_partial_quotes_with_speakers() {
    let Some(a) = seed() else { return };
    let q = quote(&a, "great importance");
    assert_eq!(q.kind, QuoteKind::Partial);
    assert_speaker(&a, q, "Putin", None);
    assert_eq!(text_of(&a, q.cue.unwrap()), "stressed");

    let q = quote(&a, "absolutely fictional");
    assert_eq!(q.kind, QuoteKind::Partial);
    assert_speaker(&a, q, "Lavrov", None);

    let q = quote(
        &a,
        "I know that you represent quite a fast-developing spectrum of European political forces",
    );
    assert_eq!(q.kind, QuoteKind::Direct);
    assert_speaker(&a, q, "Putin", Some("Putin"));
    assert_eq!(text_of(&a, q.cue.unwrap()), "added");

    let military = a
        .layers
        .quotes
        .iter()
        .find(|q| text_of(&a, q.content).starts_with("Military conflicts"))
        .expect("the Military conflicts quote");
    assert!(text_of(&a, military.content).ends_with("terrorist organizations"));
    assert_eq!(military.kind, QuoteKind::Direct);
    assert_speaker(&a, military, "Le Pen", Some("she"));
    assert_eq!(text_of(&a, military.cue.unwrap()), "said");
    assert!(text_of(&a, military.resolved_from.expect("resolved pronoun")).contains("Pen"));

    let pleaded = a
        .layers
        .quotes
        .iter()
        .find(|q| text_of(&a, q.content).starts_with("I've pleaded at every level"))
        .expect("the I've pleaded quote");
    assert_eq!(pleaded.kind, QuoteKind::Direct);
    assert_speaker(&a, pleaded, "Le Pen", Some("she"));
    assert_eq!(text_of(&a, pleaded.cue.unwrap()), "added");

    for c in ["populist", "realist or anti-globalist"] {
        let q = quote(&a, c);
        assert_eq!(q.kind, QuoteKind::Partial);
        assert_speaker(&a, q, "Lavrov", None);
    }
}

#[test]
fn reported_speech() {
    let Some(a) = seed() else { return };
    let indirect: Vec<&Quote> = a
        .layers
        .quotes
        .iter()
        .filter(|q| q.kind == QuoteKind::Indirect)
        .collect();
    let sj = indirect
        .iter()
        .find(|q| q.speaker_name.as_deref() == Some("Wallerand de Saint-Just"))
        .expect("indirect speech by Wallerand de Saint-Just");
    assert_eq!(
        text_of(&a, sj.content),
        "Le Pen's visit is not a campaign fundraising exercise"
    );
    assert_eq!(text_of(&a, sj.cue.unwrap()), "insisted");
    let lavrov: Vec<_> = indirect
        .iter()
        .filter(|q| q.speaker_name.as_deref() == Some("Sergei Lavrov"))
        .collect();
    assert!(
        lavrov.iter().any(|q| text_of(&a, q.content)
            .starts_with("allegations that Russian Federation was interfering")),
        "{lavrov:#?}"
    );
    assert!(lavrov
        .iter()
        .any(|q| text_of(&a, q.content).starts_with("Le Pen was not a \"populist\"")));
}

#[test]
fn attributions_to_media_cover_their_claims() {
    let Some(a) = seed() else { return };
    let find = |name: &str| {
        a.layers
            .attributions
            .iter()
            .find(|x| x.source_name.contains(name))
            .unwrap_or_else(|| panic!("no attribution to {name}: {:#?}", a.layers.attributions))
    };
    let tass = find("Tass");
    assert_eq!(tass.source_kind, SourceKind::Media);
    assert_eq!(
        text_of(&a, tass.source),
        "Russian state-run news agency Tass"
    );
    let claim = text_of(&a, tass.claim);
    assert!(
        claim.starts_with("Russian President Vladimir Putin stressed")
            && claim.ends_with("at the Kremlin on Friday"),
        "{claim}"
    );

    let canard = find("Le Canard Enchaîné");
    assert_eq!(canard.source_kind, SourceKind::Media);
    let claim = text_of(&a, canard.claim);
    assert!(
        claim.starts_with("that Mike Turner")
            && claim.ends_with("Le Pen's Russian Federation connections"),
        "{claim}"
    );

    let bbc = find("BBC correspondent");
    assert_eq!(text_of(&a, bbc.source), "a BBC correspondent");
    assert_eq!(
        text_of(&a, bbc.claim),
        "The Kremlin also looks favourably on Ms Le Pen"
    );
    assert_eq!(
        a.layers.attributions.len(),
        3,
        "{:#?}",
        a.layers.attributions
    );
}

#[test]
fn times_resolve_against_the_publication_date() {
    let Some(a) = seed() else { return };
    let t = &a.layers.times;
    let has = |phrase: &str, span: &str, value: &str| {
        let found = t.iter().any(|x| {
            text_of(&a, x.span) == span
                && x.phrase
                    .map(|p| text_of(&a, p))
                    .unwrap_or(text_of(&a, x.span))
                    == phrase
                && x.value.as_deref() == Some(value)
                && x.kind == TimexType::Date
        });
        assert!(found, "no {phrase:?} -> {value}: {t:#?}");
    };
    has("on Friday", "Friday", "2017-03-24");
    has("Last year", "Last year", "2016");
    has("On March 23", "March 23", "2017-03-23");
    has("since 2011", "2011", "2011");
    has("In 2014", "2014", "2014");
    has("on Thursday", "Thursday", "2017-03-23");
    let since = t.iter().find(|x| text_of(&a, x.span) == "2011").unwrap();
    let iv = since
        .interval
        .as_ref()
        .expect("since 2011 is an open interval");
    assert_eq!(
        (iv.from.as_deref(), iv.to.as_deref()),
        (Some("2011"), Some("2017-03-24"))
    );
    // The only other time expression is the "2014 annexation" (a correct DATE).
    assert_eq!(t.len(), 7, "{t:#?}");
}

#[test]
fn money_is_the_loan_only() {
    let Some(a) = seed() else { return };
    let money: Vec<_> = a
        .layers
        .amounts
        .iter()
        .filter(|x| x.kind == AmountKind::Money)
        .collect();
    assert_eq!(money.len(), 1, "{money:#?}");
    assert_eq!(text_of(&a, money[0].span), "$9.7 million");
    assert_eq!(money[0].value, 9_700_000.0);
    assert_eq!(money[0].currency.as_deref(), Some("USD"));
}

#[test]
fn without_a_date_times_are_kept_unresolved() {
    let Some(mut a) = seed() else { return };
    a.published = None;
    analyze(&mut a, &Options::default());
    let friday = a
        .layers
        .times
        .iter()
        .find(|x| text_of(&a, x.span) == "Friday")
        .expect("Friday kept");
    assert_eq!(friday.value, None);
    let y = a
        .layers
        .times
        .iter()
        .find(|x| text_of(&a, x.span) == "2011")
        .unwrap();
    assert_eq!(y.value.as_deref(), Some("2011"));
    assert!(a
        .layers
        .notes
        .iter()
        .any(|n| n.layer == "times" && n.message.contains("unresolved")));
}
