//! Bad input never panics, stays linear, and says what it could not do. Timing lives in the
//! criterion bench (benches/analyze.rs); these tests assert completion and valid spans.

use chrono::NaiveDate;
use copydesk_analyze::{analyze_text, Options};
use copydesk_model::Layers;

fn check_spans(text: &str, l: &Layers) {
    for s in l.spans() {
        assert!(
            s.start <= s.end && text.get(s.start..s.end).is_some(),
            "bad span {s:?}"
        );
    }
}

fn run(text: &str) -> Layers {
    let l = analyze_text(
        text,
        NaiveDate::from_ymd_opt(2017, 3, 24),
        &Options::default(),
    );
    check_spans(text, &l);
    l
}

#[test]
fn unbalanced_and_unclosed_quotes_are_reported() {
    let l = run("He said \"this never closes. And more text follows.\n\nNext paragraph, \"fine,\" she said.");
    assert!(
        l.notes
            .iter()
            .any(|n| n.layer == "quotes" && n.message.contains("never closes")),
        "{:?}",
        l.notes
    );
    assert!(l.quotes.iter().any(|q| q.speaker.is_some()));
    let l = run("” stray closing ” marks “ and “ opening ones ” everywhere ''' `` ‘ ’ «");
    assert!(!l.notes.is_empty());
}

#[test]
fn ten_thousand_nested_quotes() {
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(if i % 2 == 0 {
            "“He said ‘"
        } else {
            "\"she said '"
        });
    }
    s.push_str("deep");
    for _ in 0..10_000 {
        s.push_str("’ ” ");
    }
    run(&s);
}

#[test]
fn a_large_paragraph_without_punctuation() {
    // 2 MB in one paragraph, no sentence punctuation: one pass, no blow-up.
    let words = [
        "said",
        "Putin",
        "the",
        "minister",
        "told",
        "reporters",
        "on",
        "Friday",
        "$",
        "5",
        "million",
        "“",
        "”",
    ];
    let mut s = String::with_capacity(2 << 20);
    let mut i = 0usize;
    while s.len() < 2 << 20 {
        s.push_str(words[i % words.len()]);
        s.push(' ');
        i = i.wrapping_mul(31).wrapping_add(7) % 1_000_003;
    }
    let l = run(&s);
    assert!(l.sentences.len() <= 2);
    assert!(l.notes.iter().any(|n| n.layer == "sentences"));
}

#[test]
fn non_english_and_odd_text() {
    run("Путин заявил: «Это абсолютно вымышленные обвинения», — сообщает ТАСС. 9,7 млн долларов.");
    run("习近平周五在北京表示，“中国将继续开放”。");
    run("مرحبا \"بالعالم\" قال");
    run("");
    run("\"");
    run("$");
    run("1,");
    run("Mr.");
    run("U.S.A.B.C.D.E.F.G.H.I.J.K.L.M.N.O.P.Q.R.S.T.U.V.W.X.Y.Z");
    run("e\u{301}\u{301}\u{301} said \u{a0}\u{a0}\n\n\n\r\n\t \"a\u{301}\" — “ ”");
    run(&"9".repeat(10_000));
    run(&"-".repeat(10_000));
    run(&"Mr. ".repeat(10_000));
    run(&"said ".repeat(10_000));
    run(&", he said".repeat(5_000));
}

#[test]
fn every_prefix_of_a_news_paragraph() {
    let text = "WASHINGTON (Reuters) — “We won’t,” said Sen. J. Smith, the Ohio Republican, on Friday. \
                According to a statement, the U.S. paid $1.13bn (£600m) — 12% more than in 2009-2010, she added.";
    for (i, _) in text.char_indices() {
        run(&text[..i]);
        run(&text[i..]);
    }
}
