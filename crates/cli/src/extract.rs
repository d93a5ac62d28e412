use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::Context;
use copydesk_read::{read_inputs, Event, ReadOptions};

use crate::exit;
use crate::output::{progress, ArticleWriter, Format};

#[derive(clap::Args)]
#[command(after_help = "INPUT is any mix of files, directories (read recursively) and - for standard input. \
The format is sniffed from the content (gzip is undone first), with the extension as a hint.\n\n\
Exit codes: 0 all read; 1 some inputs or records failed (each reported on stderr); 2 bad usage; 3 nothing could be read.")]
pub struct Args {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Field mapping for JSON lines and CSV: article_field=input_field,...
    /// (fields: id, url, site, published, title, section, bylines, language, text).
    #[arg(long, value_name = "SPEC")]
    map: Option<String>,
    /// Set the URL of the article(s) read.
    #[arg(long)]
    url: Option<String>,
    /// Set the publication date (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    published: Option<String>,
    /// Set the publishing site.
    #[arg(long)]
    site: Option<String>,
    /// Write one JSON line per rejected input or record to FILE.
    #[arg(long, value_name = "FILE")]
    errors: Option<String>,
    /// Write articles to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let opts = match crate::common::read_options(args.map.as_deref(), args.published.as_deref()) {
        Ok(o) => ReadOptions { url: args.url, site: args.site, ..o },
        Err(code) => return Ok(code),
    };
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(File::create(p).with_context(|| format!("cannot create {p}"))?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = ArticleWriter::new(out, args.format)?;
    let mut errors_out = match &args.errors {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| format!("cannot create {p}"))?)),
        None => None,
    };
    let pb = progress(args.inputs.len(), true);
    let mut io_error: Option<std::io::Error> = None;
    let mut written = 0u64;
    let stats = read_inputs(&args.inputs, &opts, &mut |ev| {
        if io_error.is_some() {
            return;
        }
        match ev {
            Event::Article(a) => {
                if let Err(e) = writer.write(&a) {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        // The reader of the output is gone (| head): stop now, as a tool
                        // killed by SIGPIPE would, instead of reading the rest of the inputs.
                        if let Some(w) = errors_out.as_mut() {
                            let _ = w.flush();
                        }
                        pb.finish_and_clear();
                        std::process::exit(exit::OK.into());
                    }
                    io_error = Some(e);
                }
                written += 1;
                if written % 64 == 0 {
                    pb.set_message(format!("{written} articles"));
                }
            }
            Event::Error(e) => {
                pb.suspend(|| eprintln!("copydesk: {e}"));
                if let Some(w) = errors_out.as_mut() {
                    let _ = serde_json::to_writer(&mut *w, &e).map(|_| w.write_all(b"\n"));
                }
            }
            Event::Skipped { origin, reason } => {
                tracing::debug!("skipped {origin}: {reason}");
            }
            Event::InputStarted { path, .. } => {
                pb.inc(1);
                tracing::info!("reading {path}");
            }
        }
    });
    pb.finish_and_clear();
    if let Some(e) = io_error {
        // A closed pipe (| head) is not a failure of the reading.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(exit::OK);
        }
        return Err(e).context("cannot write output");
    }
    match writer.finish() {
        // The output was buffered and its reader left before the final flush.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write output")?,
    }
    if let Some(mut w) = errors_out {
        w.flush()?;
    }
    tracing::info!(?stats, "done");
    if stats.skipped > 0 {
        eprintln!("copydesk: {} records skipped (not articles: requests, images, ...)", stats.skipped);
    }
    Ok(crate::common::exit_code(&stats))
}
