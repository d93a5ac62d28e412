//! `copydesk trace` and `copydesk provenance`: read a corpus, trace reuse with
//! copydesk-trace, write its records (or show one article's provenance).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use copydesk_model::Article;
use copydesk_read::{read_inputs, Event};
use copydesk_trace::{Config, TraceOutput};

use crate::exit;

#[derive(clap::Args)]
#[command(
    after_help = "Writes DIR/passages.jsonl, articles.jsonl, substitutions.jsonl, families.jsonl and report.json.\n\
A passage names as `source` the earliest article holding its text and as `via` the nearer copy it was \
most likely taken from. When either article has no usable date (or both have the same), the passage \
carries `\"direction\": \"unknown\"`: the two share the text, and no claim is made on who copied whom.\n\
Duplicate ids: the first article read with an id wins; later ones are reported and skipped."
)]
pub struct Args {
    /// Corpus files or directories (anything `extract` reads; typically JSON lines).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output directory (created if missing).
    #[arg(long)]
    out: String,
    #[command(flatten)]
    tuning: Tuning,
}

#[derive(clap::Args, Clone)]
pub struct Tuning {
    /// Field mapping for JSON lines and CSV: article_field=input_field,...
    #[arg(long, value_name = "SPEC")]
    map: Option<String>,
    /// Fingerprint records held in memory before the grouping spills to disk.
    #[arg(long, value_name = "N")]
    memory_records: Option<usize>,
    /// Directory for spill files (default: the system temporary directory).
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<String>,
    /// Expert tuning, key=value,... (keys: ngram, sample, min_shared, anchor, merge_gap, ...;
    /// see copydesk_trace::Config::tune). Also read from COPYDESK_TRACE_TUNE.
    #[arg(long, value_name = "SPEC", hide = true)]
    tune: Option<String>,
}

#[derive(clap::Args)]
pub struct ProvenanceArgs {
    /// The article id.
    id: String,
    /// The corpus holding the article and its possible sources.
    #[arg(long, required = true, num_args = 1..)]
    corpus: Vec<String>,
    #[command(flatten)]
    tuning: Tuning,
}

fn config(t: &Tuning) -> anyhow::Result<Config> {
    let mut cfg = Config::default();
    let spec = t
        .tune
        .clone()
        .or_else(|| std::env::var("COPYDESK_TRACE_TUNE").ok())
        .unwrap_or_default();
    cfg.tune(&spec).map_err(anyhow::Error::msg)?;
    if let Some(m) = t.memory_records {
        cfg.group.memory_records = m;
    }
    cfg.group.spill_dir = t.spill_dir.as_ref().map(Into::into);
    Ok(cfg)
}

/// Reads the corpus; returns the articles (duplicate ids dropped) and the error count.
fn load(inputs: &[String], t: &Tuning) -> anyhow::Result<Result<(Vec<Article>, u64), u8>> {
    let opts = match crate::common::read_options(t.map.as_deref(), None) {
        Ok(o) => o,
        Err(code) => return Ok(Err(code)),
    };
    let mut articles = Vec::new();
    let stats = read_inputs(inputs, &opts, &mut |ev| match ev {
        Event::Article(a) => articles.push(*a),
        Event::Error(e) => eprintln!("copydesk: {e}"),
        Event::Skipped { origin, reason } => tracing::debug!("skipped {origin}: {reason}"),
        Event::InputStarted { path, .. } => tracing::info!("reading {path}"),
    });
    let (articles, dropped) = copydesk_trace::dedup_ids(articles);
    if !dropped.is_empty() {
        eprintln!(
            "copydesk: {} articles with an id already read were skipped (the first one wins), e.g. {}",
            dropped.len(),
            dropped.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    for a in &articles {
        if a.published.is_some()
            && a.published
                .as_deref()
                .and_then(copydesk_model::time::parse_instant)
                .is_none()
        {
            eprintln!(
                "copydesk: {}: unparseable date {:?}: no direction claimed for its pairs",
                a.origin,
                a.published.as_deref().unwrap_or("")
            );
        }
    }
    Ok(Ok((articles, stats.errors)))
}

fn write_jsonl<T: serde::Serialize>(dir: &Path, name: &str, rows: &[T]) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut w = BufWriter::new(
        File::create(&path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    for r in rows {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let (articles, errors) = match load(&args.inputs, &args.tuning)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    if articles.is_empty() {
        eprintln!("copydesk: no articles read");
        return Ok(exit::FAILED);
    }
    let out: TraceOutput =
        copydesk_trace::trace(&articles, &config(&args.tuning)?).context("trace failed")?;
    let dir = Path::new(&args.out);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_jsonl(dir, "passages.jsonl", &out.passages)?;
    write_jsonl(dir, "articles.jsonl", &out.articles)?;
    write_jsonl(dir, "substitutions.jsonl", &out.substitutions)?;
    write_jsonl(dir, "families.jsonl", &out.families)?;
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&out.report)? + "\n",
    )?;
    let r = &out.report;
    if r.grouping.groups_capped > 0 {
        eprintln!(
            "copydesk: {} fingerprints shared by more than {} articles (largest: {}) were paired with the earliest and nearest holders only",
            r.grouping.groups_capped,
            copydesk_trace::Config::default().group.full_pairs_up_to,
            r.grouping.largest_group
        );
    }
    if r.empty_texts > 0 {
        eprintln!(
            "copydesk: {} articles have no words in their text and were not traced",
            r.empty_texts
        );
    }
    tracing::info!(report = ?out.report, "done");
    Ok(if errors == 0 { exit::OK } else { exit::PARTIAL })
}

pub fn provenance(args: ProvenanceArgs) -> anyhow::Result<u8> {
    let (articles, _) = match load(&args.corpus, &args.tuning)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let Some(article) = articles.iter().find(|a| a.id == args.id) else {
        eprintln!("copydesk: no article with id {:?} in the corpus", args.id);
        return Ok(exit::USAGE);
    };
    let out = copydesk_trace::trace(&articles, &config(&args.tuning)?).context("trace failed")?;
    let stdout = std::io::stdout();
    let mut w = BufWriter::new(stdout.lock());
    write!(
        w,
        "{}",
        copydesk_trace::provenance::render(article, &articles, &out)
    )?;
    w.flush()?;
    Ok(exit::OK)
}

#[derive(clap::Subcommand)]
pub enum IndexCommand {
    /// Add a corpus to the index (created if missing). Re-running after an interruption
    /// adds what is missing, nothing twice.
    Add(IndexAddArgs),
}

#[derive(clap::Args)]
pub struct IndexAddArgs {
    /// Corpus files or directories.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Index directory.
    #[arg(long, default_value = "copydesk-index")]
    index: String,
    #[command(flatten)]
    tuning: Tuning,
}

#[derive(clap::Args)]
pub struct SourcesArgs {
    /// File(s) holding the article(s) to trace (anything `extract` reads).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Index directory.
    #[arg(long, default_value = "copydesk-index")]
    index: String,
    /// Report per-article lookup latency (median, p90, p99, max) on stderr.
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    tuning: Tuning,
}

pub fn index(cmd: IndexCommand) -> anyhow::Result<u8> {
    let IndexCommand::Add(args) = cmd;
    let (articles, errors) = match load(&args.inputs, &args.tuning)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let r = copydesk_trace::index::add(Path::new(&args.index), &articles, &config(&args.tuning)?)
        .with_context(|| format!("cannot add to index {}", args.index))?;
    eprintln!(
        "copydesk: {} articles added, {} already indexed, {} in {}",
        r.added, r.already_indexed, r.total, args.index
    );
    Ok(if errors == 0 { exit::OK } else { exit::PARTIAL })
}

pub fn sources(args: SourcesArgs) -> anyhow::Result<u8> {
    let (articles, errors) = match load(&args.inputs, &args.tuning)? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let cfg = config(&args.tuning)?;
    let stdout = std::io::stdout();
    let mut w = BufWriter::new(stdout.lock());
    let index = copydesk_trace::index::Index::open(Path::new(&args.index))
        .with_context(|| format!("cannot open index {}", args.index))?;
    let mut times = Vec::with_capacity(articles.len());
    for a in &articles {
        let t0 = std::time::Instant::now();
        let ps = index
            .sources(a, &cfg)
            .with_context(|| format!("cannot trace {} against {}", a.id, args.index))?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        for p in ps {
            serde_json::to_writer(&mut w, &p)?;
            w.write_all(b"\n")?;
        }
    }
    w.flush()?;
    if args.timings && !times.is_empty() {
        times.sort_by(f64::total_cmp);
        // Nearest-rank percentiles: p99 of 200 lookups is the 198th.
        let pct = |p: f64| {
            times[((p / 100.0 * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1]
        };
        eprintln!(
            "copydesk: {} lookups in {}: median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            times.len(),
            args.index,
            pct(50.0),
            pct(90.0),
            pct(99.0),
            pct(100.0)
        );
    }
    Ok(if errors == 0 { exit::OK } else { exit::PARTIAL })
}
