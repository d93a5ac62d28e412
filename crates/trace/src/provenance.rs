//! One article's provenance as text for a person: the body with each reused passage
//! marked by its source, substitutions shown inline, own text plain, then the sources.

use std::fmt::Write;

use copydesk_model::Article;

use crate::TraceOutput;

pub fn render(article: &Article, articles: &[Article], out: &TraceOutput) -> String {
    let mut s = String::new();
    let mut passages: Vec<_> = out
        .passages
        .iter()
        .filter(|p| p.target == article.id)
        .collect();
    passages.sort_by_key(|p| p.begin);
    let _ = writeln!(s, "{}", article.title.as_deref().unwrap_or(&article.id));
    let _ = writeln!(
        s,
        "{} | {} | {}",
        article.id,
        article.site.as_deref().unwrap_or("(no site)"),
        article.published.as_deref().unwrap_or("(no date)")
    );
    let share = out
        .articles
        .iter()
        .find(|a| a.id == article.id)
        .map(|a| a.reused_share)
        .unwrap_or(0.0);
    let _ = writeln!(
        s,
        "reused: {:.0}% of the text, {} passages\n",
        share * 100.0,
        passages.len()
    );
    let mut sources: Vec<&str> = Vec::new();
    let mut vias: Vec<&str> = Vec::new();
    let mut pos = 0;
    let text = &article.text;
    for p in &passages {
        if p.begin < pos || p.end > text.len() {
            continue;
        }
        s.push_str(&text[pos..p.begin]);
        let n = match sources.iter().position(|x| *x == p.source) {
            Some(i) => i + 1,
            None => {
                sources.push(&p.source);
                sources.len()
            }
        };
        let via = p
            .via
            .as_deref()
            .map(|v| format!(" via {v}"))
            .unwrap_or_default();
        if let Some(v) = p.via.as_deref() {
            if !vias.contains(&v) {
                vias.push(v);
            }
        }
        let dir = if p.direction.is_some() {
            ", direction unknown"
        } else {
            ""
        };
        let _ = write!(s, "[[{n}: {} {}{via}{dir}] ", p.source, p.kind);
        let mut body = text[p.begin..p.end].to_string();
        // Show each substitution where it happened: `to` becomes `from -> to`.
        let mut at = 0;
        for e in &p.edits {
            if e.to.is_empty() {
                continue;
            }
            if let Some(k) = body[at..].find(&e.to) {
                let k = at + k;
                let shown = format!("{{{} -> {}}}", e.from, e.to);
                body.replace_range(k..k + e.to.len(), &shown);
                at = k + shown.len();
            }
        }
        s.push_str(&body);
        s.push_str("]]");
        pos = p.end;
    }
    s.push_str(&text[pos.min(text.len())..]);
    s.push_str("\n\nSources:\n");
    for (i, id) in sources.iter().enumerate() {
        let a = articles.iter().find(|a| a.id == *id);
        let _ = writeln!(
            s,
            "  [{}] {} | {} | {} | {}",
            i + 1,
            id,
            a.and_then(|a| a.site.as_deref()).unwrap_or("(no site)"),
            a.and_then(|a| a.published.as_deref())
                .unwrap_or("(no date)"),
            a.and_then(|a| a.title.as_deref()).unwrap_or("")
        );
    }
    for id in vias.iter().filter(|v| !sources.contains(v)) {
        let a = articles.iter().find(|a| a.id == *id);
        let _ = writeln!(
            s,
            "  (via) {} | {} | {}",
            id,
            a.and_then(|a| a.site.as_deref()).unwrap_or("(no site)"),
            a.and_then(|a| a.published.as_deref())
                .unwrap_or("(no date)")
        );
    }
    if sources.is_empty() {
        s.push_str("  (none: no reused passage found)\n");
    }
    s
}
