//! HTML extraction on arbitrary bytes, with and without a declared Content-Type.
#![no_main]

use copydesk_read::{html, RawPage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let content_type = match mode % 3 {
        0 => None,
        1 => Some("text/html; charset=utf-8".to_string()),
        _ => Some("text/html; charset=windows-1252".to_string()),
    };
    let page = RawPage {
        bytes: rest.to_vec(),
        url: Some("https://www.example.com/news/2024/01/02/story".to_string()),
        content_type,
        ..Default::default()
    };
    if let Ok(a) = html::extract(&page) {
        // Spans must point inside the text, on char boundaries.
        for s in &a.paragraphs {
            assert!(
                a.text.get(s.start..s.end).is_some(),
                "paragraph span out of the text"
            );
        }
    }
});
