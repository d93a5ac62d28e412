//! Speed of the trace stages on a generated corpus: sources, verbatim and spun copies.

use copydesk_model::Article;
use criterion::{criterion_group, criterion_main, Criterion};

fn corpus(n: usize) -> Vec<Article> {
    // Deterministic pseudo-random words; every fourth article copies an earlier one.
    let mut x: u64 = 42;
    let mut word = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        format!("w{}", x % 5000)
    };
    let mut out: Vec<Article> = Vec::new();
    for i in 0..n {
        let text = if i % 4 == 3 {
            let src = &out[i - 3].text;
            src.replace("w1", "spun")
        } else {
            (0..6)
                .map(|_| (0..60).map(|_| word()).collect::<Vec<_>>().join(" ") + ".")
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        let mut a = Article::default();
        a.id = format!("a{i:05}");
        a.site = Some(format!("site{}", i % 7));
        a.published = Some(format!("2024-01-01T{:02}:{:02}:00Z", (i / 60) % 24, i % 60));
        a.set_text(text);
        out.push(a);
    }
    out
}

fn bench(c: &mut Criterion) {
    let articles = corpus(400);
    let cfg = copydesk_trace::Config::default();
    c.bench_function("trace 400 articles", |b| {
        b.iter(|| copydesk_trace::trace(&articles, &cfg).map(|o| o.passages.len()))
    });
    let docs: Vec<_> = articles
        .iter()
        .map(|a| copydesk_trace::token::tokenize(&a.text))
        .collect();
    c.bench_function("align one spun pair", |b| {
        b.iter(|| {
            copydesk_trace::align::align(
                &docs[3],
                &docs[0],
                &copydesk_trace::AlignParams::default(),
            )
            .len()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
