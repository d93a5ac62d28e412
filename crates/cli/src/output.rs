//! Writing articles and errors, and the progress bar.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use copydesk_model::Article;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A pretty-printed JSON array.
    Json,
    /// Readable text: headline, metadata, body.
    Text,
}

pub struct ArticleWriter<W: Write> {
    out: W,
    format: Format,
    count: u64,
}

impl<W: Write> ArticleWriter<W> {
    pub fn new(mut out: W, format: Format) -> std::io::Result<Self> {
        if format == Format::Json {
            out.write_all(b"[")?;
        }
        Ok(ArticleWriter { out, format, count: 0 })
    }

    pub fn write(&mut self, a: &Article) -> std::io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, a)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out.write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer_pretty(&mut self.out, a)?;
            }
            Format::Text => {
                if self.count > 0 {
                    writeln!(self.out, "\n{}\n", "=".repeat(72))?;
                }
                write_text(&mut self.out, a)?;
            }
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

fn write_text(out: &mut dyn Write, a: &Article) -> std::io::Result<()> {
    if let Some(s) = &a.section {
        writeln!(out, "[{s}]")?;
    }
    if let Some(t) = &a.title {
        writeln!(out, "{t}")?;
    }
    let mut meta = Vec::new();
    if !a.bylines.is_empty() {
        meta.push(format!("By {}", a.bylines.join(", ")));
    }
    if let Some(p) = &a.published {
        meta.push(p.clone());
    }
    if let Some(s) = &a.site {
        meta.push(s.clone());
    }
    if let Some(u) = &a.url {
        meta.push(u.clone());
    }
    if !meta.is_empty() {
        writeln!(out, "{}", meta.join(" | "))?;
    }
    writeln!(out, "({}, {})\n", a.id, a.origin)?;
    writeln!(out, "{}", a.text)?;
    for c in &a.captions {
        writeln!(out, "\n  [{}] {}", match c.kind {
            copydesk_model::CaptionKind::Caption => "caption",
            copydesk_model::CaptionKind::Credit => "credit",
        }, c.text)?;
    }
    Ok(())
}

/// A progress bar over inputs, shown only when stderr is a terminal and there is more than
/// one input or an archive to go through.
pub fn progress(total_inputs: usize, show: bool) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total_inputs as u64);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} inputs, {msg} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}
