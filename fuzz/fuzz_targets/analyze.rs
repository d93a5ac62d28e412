//! The analysis layers on arbitrary UTF-8 text, with and without a publication date: no
//! panic, and every span inside the text on char boundaries.
#![no_main]

use copydesk_analyze::{analyze_text, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let dct = if mode % 2 == 0 {
        chrono::NaiveDate::from_ymd_opt(2017, 3, 24)
    } else {
        None
    };
    let l = analyze_text(&text, dct, &Options::default());
    for s in l.spans() {
        assert!(text.get(s.start..s.end).is_some(), "span {s:?} outside the text");
    }
});
