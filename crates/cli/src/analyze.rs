//! `copydesk analyze`: read articles, add analysis layers, write them in one of the formats
//! (the article JSON with its layers, a terminal rendering, or the scorers' formats).

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};

use anyhow::Context;
use copydesk_analyze::layers::{AmountKind, QuoteKind};
use copydesk_analyze::Options;
use copydesk_model::{Article, Span};
use copydesk_read::{read_inputs, Event};

use crate::exit;

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One article JSON object with its layers per line.
    Jsonl,
    /// A pretty-printed JSON array of articles with their layers.
    Json,
    /// The article with quotes, speakers, sources, dates and amounts marked (colours on a terminal).
    Text,
    /// One line per article for ../shared/eval/quotes/score.py.
    Quotes,
    /// One line per article for ../shared/eval/timex/score.py.
    Timex,
}

#[derive(clap::Args)]
#[command(
    after_help = "INPUT is anything `copydesk extract` reads. Relative dates resolve against the \
publication date (--published, or the article's own); without one they stay unresolved.\n\n\
Exit codes: 0 all read; 1 some inputs or records failed (each reported on stderr); 2 bad usage; 3 nothing could be read."
)]
pub struct Args {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Set the publication date (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    published: Option<String>,
    /// Field mapping for JSON lines and CSV: article_field=input_field,... (e.g. published=dct).
    #[arg(long, value_name = "SPEC")]
    map: Option<String>,
    /// Leave the token layer out of JSON output.
    #[arg(long)]
    no_tokens: bool,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

/// Articles analysed together, in parallel (rayon), then written in input order.
const BATCH: usize = 512;

pub fn run(args: Args) -> anyhow::Result<u8> {
    let opts = match crate::common::read_options(args.map.as_deref(), args.published.as_deref()) {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let colour = args.output.is_none() && std::io::stdout().is_terminal();
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let aopts = Options {
        tokens: !args.no_tokens && matches!(args.format, Format::Json | Format::Jsonl),
    };
    let mut w = Writer {
        out,
        format: args.format,
        count: 0,
        colour,
    };
    w.start()?;
    let mut batch: Vec<Article> = Vec::new();
    let mut io_error: Option<std::io::Error> = None;
    let stats = read_inputs(&args.inputs, &opts, &mut |ev| {
        if io_error.is_some() {
            return;
        }
        match ev {
            Event::Article(a) => {
                batch.push(*a);
                if batch.len() >= BATCH {
                    if let Err(e) = flush(&mut batch, &aopts, &mut w) {
                        io_error = Some(e);
                    }
                }
            }
            Event::Error(e) => eprintln!("copydesk: {e}"),
            Event::Skipped { origin, reason } => tracing::debug!("skipped {origin}: {reason}"),
            Event::InputStarted { path, .. } => tracing::info!("reading {path}"),
        }
    });
    if io_error.is_none() {
        if let Err(e) = flush(&mut batch, &aopts, &mut w) {
            io_error = Some(e);
        }
    }
    if let Some(e) = io_error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(exit::OK);
        }
        return Err(e).context("cannot write output");
    }
    w.finish()?;
    Ok(crate::common::exit_code(&stats))
}

fn flush(batch: &mut Vec<Article>, opts: &Options, w: &mut Writer) -> std::io::Result<()> {
    copydesk_analyze::analyze_all(batch, opts);
    for a in batch.drain(..) {
        w.write(&a)?;
    }
    Ok(())
}

struct Writer {
    out: Box<dyn Write>,
    format: Format,
    count: u64,
    colour: bool,
}

fn pair(s: Span) -> [usize; 2] {
    [s.start, s.end]
}

impl Writer {
    fn start(&mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    fn write(&mut self, a: &Article) -> std::io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, a)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer_pretty(&mut self.out, a)?;
            }
            Format::Quotes => {
                let l = &a.layers;
                // A partial quote inside reported speech is part of that speech's content
                // (PolNeAR's and PARC's convention), not a unit of its own.
                let quotes: Vec<_> = l
                    .quotes
                    .iter()
                    // A partial quote is part of the reported speech around it (PolNeAR's and
                    // PARC's convention: the content is the whole paraphrase), which is
                    // emitted as the indirect quote; it is not a unit of its own.
                    .filter(|q| q.kind != QuoteKind::Partial)
                    .map(|q| {
                        serde_json::json!({
                            "kind": q.kind,
                            "content": pair(q.content),
                            "cue": q.cue.map(pair),
                            "speaker": q.speaker.map(pair),
                            "speaker_name": q.speaker_name,
                        })
                    })
                    .collect();
                serde_json::to_writer(
                    &mut self.out,
                    &serde_json::json!({"id": a.id, "quotes": quotes}),
                )?;
                self.out.write_all(b"\n")?;
            }
            Format::Timex => {
                let timex: Vec<_> = a
                    .layers
                    .times
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "begin": t.span.start, "end": t.span.end, "type": t.kind.as_str(),
                            "value": t.value.clone().unwrap_or_default(),
                        })
                    })
                    .collect();
                serde_json::to_writer(
                    &mut self.out,
                    &serde_json::json!({"id": a.id, "timex": timex}),
                )?;
                self.out.write_all(b"\n")?;
            }
            Format::Text => {
                if self.count > 0 {
                    writeln!(self.out, "\n{}\n", "=".repeat(72))?;
                }
                write_text(&mut self.out, a, self.colour)?;
            }
        }
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

// Styles, lowest priority first: a later style wins where spans overlap.
const QUOTE: u8 = 1;
const AMOUNT: u8 = 2;
const TIME: u8 = 3;
const CUE: u8 = 4;
const SPEAKER: u8 = 5;
const SOURCE: u8 = 6;

fn ansi(style: u8) -> &'static str {
    match style {
        QUOTE => "\x1b[32m",
        AMOUNT => "\x1b[31m",
        TIME => "\x1b[34;4m",
        CUE => "\x1b[33m",
        SOURCE => "\x1b[35;1m",
        SPEAKER => "\x1b[36;1m",
        _ => "\x1b[0m",
    }
}

fn write_text(out: &mut dyn Write, a: &Article, colour: bool) -> std::io::Result<()> {
    let l = &a.layers;
    let text = &a.text;
    if let Some(t) = &a.title {
        writeln!(out, "{t}")?;
    }
    writeln!(
        out,
        "({}{})\n",
        a.id,
        a.published
            .as_deref()
            .map(|p| format!(", published {p}"))
            .unwrap_or_default()
    )?;
    if colour {
        let mut style = vec![0u8; text.len()];
        let mut paint = |s: Span, v: u8| {
            for x in style
                .get_mut(s.start..s.end.min(text.len()))
                .into_iter()
                .flatten()
            {
                *x = (*x).max(v);
            }
        };
        for q in &l.quotes {
            if q.kind != QuoteKind::Indirect {
                paint(q.content, QUOTE);
            }
            if let Some(c) = q.cue {
                paint(c, CUE);
            }
            if let Some(s) = q.speaker {
                paint(s, SPEAKER);
            }
        }
        for at in &l.attributions {
            paint(at.source, SOURCE);
        }
        for t in &l.times {
            paint(t.span, TIME);
        }
        for am in &l.amounts {
            paint(am.span, AMOUNT);
        }
        let mut i = 0;
        while i < text.len() {
            let s = style[i];
            let mut j = i + 1;
            while j < text.len() && (style[j] == s || !text.is_char_boundary(j)) {
                j += 1;
            }
            if s != 0 {
                write!(out, "{}{}\x1b[0m", ansi(s), &text[i..j])?;
            } else {
                out.write_all(&text.as_bytes()[i..j])?;
            }
            i = j;
        }
        writeln!(out)?;
        writeln!(
            out,
            "\n{}quote{} {}cue{} {}speaker{} {}source{} {}time{} {}amount{}",
            ansi(QUOTE),
            ansi(0),
            ansi(CUE),
            ansi(0),
            ansi(SPEAKER),
            ansi(0),
            ansi(SOURCE),
            ansi(0),
            ansi(TIME),
            ansi(0),
            ansi(AMOUNT),
            ansi(0)
        )?;
    } else {
        writeln!(out, "{text}")?;
    }
    let g = |s: Span| s.get(text).unwrap_or("?").replace('\n', " ");
    writeln!(out, "\nQuotes:")?;
    for q in &l.quotes {
        let kind = match q.kind {
            QuoteKind::Direct => "direct",
            QuoteKind::Partial => "partial",
            QuoteKind::Indirect => "indirect",
        };
        let who = match (&q.speaker_name, q.speaker) {
            (Some(n), Some(s)) if g(s) != *n => format!("{n} (\"{}\")", g(s)),
            (Some(n), _) => n.clone(),
            (None, Some(s)) => g(s),
            (None, None) => "?".into(),
        };
        let cue = q.cue.map(g).unwrap_or_default();
        writeln!(out, "  [{kind}] {who} {cue}: {}", clip(&g(q.content), 110))?;
    }
    if !l.attributions.is_empty() {
        writeln!(out, "Sources:")?;
        for at in &l.attributions {
            writeln!(
                out,
                "  {} ({:?}): {}",
                at.source_name,
                at.source_kind,
                clip(&g(at.claim), 110)
            )?;
        }
    }
    if !l.times.is_empty() {
        writeln!(out, "Times:")?;
        for t in &l.times {
            writeln!(
                out,
                "  {} -> {} {}",
                g(t.phrase.unwrap_or(t.span)),
                t.kind.as_str(),
                t.value.as_deref().unwrap_or("(unresolved)")
            )?;
        }
    }
    if !l.amounts.is_empty() {
        writeln!(out, "Amounts:")?;
        for am in &l.amounts {
            let what = match am.kind {
                AmountKind::Money => {
                    format!("{} {}", am.value, am.currency.as_deref().unwrap_or(""))
                }
                AmountKind::Percent => format!("{}%", am.value),
                AmountKind::Count => format!("{} {}", am.value, am.unit.as_deref().unwrap_or("")),
            };
            writeln!(out, "  {} -> {what}", g(am.span))?;
        }
    }
    if !l.unattributed.is_empty() {
        writeln!(out, "Unattributed claims:")?;
        for c in &l.unattributed {
            writeln!(out, "  ({}) {}", c.reason, clip(&g(c.span), 110))?;
        }
    }
    for n in &l.notes {
        writeln!(out, "Note [{}]: {}", n.layer, n.message)?;
    }
    Ok(())
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}…")
}
