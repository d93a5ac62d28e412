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
