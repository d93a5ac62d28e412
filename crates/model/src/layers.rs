//! Analysis layers: everything later stages find *about* an article's text.
//!
//! One [`Layers`] value hangs off each [`crate::Article`]. Each layer is a list of findings,
//! and every finding is a byte [`Span`] into `article.text` plus its normalised value. The
//! layers that copydesk's analyser fills are typed fields; stages added later (entities,
//! traced passages, integrity checks) either get a typed field here or put their findings in
//! [`Layers::extra`], a map of named layers of generic [`Annotation`]s, which needs no change
//! to this crate. Empty layers are left out of the JSON form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Span;

/// All analysis layers of one article. See the crate docs of `copydesk-analyze` for the JSON form.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Layers {
    /// Sentences, in order, not overlapping.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Span>,
    /// Tokens (words, numbers, punctuation), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<Span>,
    /// Direct, partial and indirect quotes with their cue and speaker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
    /// Claims credited to a medium or a document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributions: Vec<Attribution>,
    /// Sentences stating a contestable fact with nothing they are credited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unattributed: Vec<Claim>,
    /// Time expressions, normalised against the publication date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<Timex>,
    /// Money, percentages and counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<Amount>,
    /// What the analysis could not do (an unclosed quote, an unresolved date, a truncated input).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Further named layers added by later stages, each a list of generic annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<Annotation>>,
}

impl Layers {
    pub fn is_empty(&self) -> bool {
        self.sentences.is_empty()
            && self.tokens.is_empty()
            && self.quotes.is_empty()
            && self.attributions.is_empty()
            && self.unattributed.is_empty()
            && self.times.is_empty()
            && self.amounts.is_empty()
            && self.notes.is_empty()
            && self.extra.values().all(Vec::is_empty)
    }

    /// Every span of every layer, in layer order: what a check that all spans lie inside
    /// the text (tests, fuzzing, a reader of untrusted JSON) walks over.
    pub fn spans(&self) -> Vec<Span> {
        let mut out: Vec<Span> = self.sentences.iter().chain(&self.tokens).copied().collect();
        for q in &self.quotes {
            out.extend([Some(q.content), q.cue, q.speaker, q.resolved_from].into_iter().flatten());
        }
        for a in &self.attributions {
            out.extend([Some(a.source), a.cue, Some(a.claim)].into_iter().flatten());
        }
        out.extend(self.unattributed.iter().map(|c| c.span));
        for t in &self.times {
            out.extend([Some(t.span), t.phrase].into_iter().flatten());
        }
        out.extend(self.amounts.iter().map(|a| a.span));
        out.extend(self.notes.iter().filter_map(|n| n.span));
        out.extend(self.extra.values().flatten().map(|a| a.span));
        out
    }

    /// The named generic layer, created empty on first use.
    pub fn layer_mut(&mut self, name: &str) -> &mut Vec<Annotation> {
        self.extra.entry(name.to_string()).or_default()
    }
}

/// A generic finding for layers without a typed field: a span, a kind and any JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    pub span: Span,
    pub kind: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// Words set off by quotation marks as a whole statement.
    #[default]
    Direct,
    /// Quoted words inside the writer's own sentence (stressed the "great importance" of ties).
    Partial,
    /// Reported speech without quotation marks (X insisted the visit was not ...).
    Indirect,
}

/// Something someone said or wrote, reported in the article.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Quote {
    pub kind: QuoteKind,
    /// The quoted or reported words (for direct and partial quotes, inside the marks).
    pub content: Span,
    /// The reporting verb or phrase ("said", "according to").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<Span>,
    /// The mention of the speaker next to the cue, as written ("she", "the minister").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<Span>,
    /// Who the speaker is: the fullest name found for the mention, after resolving pronouns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_name: Option<String>,
    /// The mention a pronoun speaker was resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_from: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A news organisation or a journalist ("Tass", "a BBC correspondent").
    #[default]
    Media,
    /// A written or published record ("a statement", "court documents", "a report").
    Document,
}

/// A claim credited to a medium or a document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attribution {
    pub source: Span,
    pub source_kind: SourceKind,
    /// The source as written, without determiners and apposition commas.
    pub source_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<Span>,
    /// The claim the source is credited with.
    pub claim: Span,
}

/// A sentence stating a contestable fact without attribution.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Claim {
    pub span: Span,
    /// What makes it contestable (the word or amount that triggered it).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimexType {
    #[default]
    Date,
    Time,
    Duration,
    Set,
}

impl TimexType {
    pub fn as_str(&self) -> &'static str {
        match self {
            TimexType::Date => "DATE",
            TimexType::Time => "TIME",
            TimexType::Duration => "DURATION",
            TimexType::Set => "SET",
        }
    }
}

/// A time expression (TIMEX3 conventions: the span excludes prepositions such as "on").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timex {
    pub span: Span,
    #[serde(rename = "type")]
    pub kind: TimexType,
    /// TIMEX3 value (`2017-03-24`, `2016`, `P3Y`, `PRESENT_REF`, `2017-W12`), or `None` when
    /// it needs a publication date that the article does not have.
    #[serde(default)]
    pub value: Option<String>,
    /// TIMEX3 `mod` (`START`, `END`, `MID`, `APPROX`, `LESS_THAN`, `MORE_THAN`).
    #[serde(default, rename = "mod", skip_serializing_if = "Option::is_none")]
    pub modifier: Option<String>,
    /// The span with its preposition ("since 2011", "on Friday"), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<Span>,
    /// For open intervals ("since 2011": from 2011 to the publication date; "until May").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
}

/// An interval with possibly open ends, as TIMEX3 values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Interval {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AmountKind {
    Money,
    Percent,
    #[default]
    Count,
}

/// A quantity: money (value in units of `currency`), a percentage (value in percent) or a
/// count of `unit`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Amount {
    pub span: Span,
    pub kind: AmountKind,
    pub value: f64,
    /// ISO 4217 code for money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// What is counted ("people", "seats"), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Something the analysis could not do, where.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Note {
    /// The layer concerned (`quotes`, `times`, ...).
    pub layer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_layers_serialise_to_an_empty_object_and_extra_layers_round_trip() {
        let mut l = Layers::default();
        assert!(l.is_empty());
        assert_eq!(serde_json::to_string(&l).unwrap(), "{}");
        l.layer_mut("entities").push(Annotation {
            span: Span::new(0, 5),
            kind: "person".into(),
            value: serde_json::json!("Putin"),
        });
        l.times.push(Timex {
            span: Span::new(9, 15),
            value: Some("2017-03-24".into()),
            ..Default::default()
        });
        let json = serde_json::to_string(&l).unwrap();
        assert!(json.contains("\"type\":\"DATE\""), "{json}");
        let back: Layers = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        assert!(!back.is_empty());
    }
}
