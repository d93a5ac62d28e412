//! What the commands that read articles share.

use copydesk_read::{FieldMap, ReadOptions};

use crate::exit;

/// Read options from `--map` and `--published`. A bad value is a usage error: the message
/// is printed here and the exit code returned.
pub fn read_options(map: Option<&str>, published: Option<&str>) -> Result<ReadOptions, u8> {
    let map = match map.map(FieldMap::parse).transpose() {
        Ok(m) => m.unwrap_or_default(),
        Err(e) => {
            eprintln!("copydesk: {e}");
            return Err(exit::USAGE);
        }
    };
    if let Some(p) = published {
        if copydesk_model::time::parse_instant(p).is_none() {
            eprintln!("copydesk: --published {p:?} is not an RFC 3339 date-time or YYYY-MM-DD date");
            return Err(exit::USAGE);
        }
    }
    Ok(ReadOptions { map, published: published.map(str::to_string), ..Default::default() })
}

/// The exit code of a run that read articles, with the summary line for stderr.
pub fn exit_code(stats: &copydesk_read::Stats) -> u8 {
    if stats.errors == 0 {
        exit::OK
    } else if stats.articles == 0 {
        eprintln!("copydesk: nothing could be read ({} errors)", stats.errors);
        exit::FAILED
    } else {
        eprintln!("copydesk: {} articles, {} errors", stats.articles, stats.errors);
        exit::PARTIAL
    }
}
