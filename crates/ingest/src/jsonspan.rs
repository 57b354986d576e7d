//! Line spans of JSON values. Deserialize borrowed `&RawValue`s from the file's text and
//! ask where each one sits, so a record cites the whole object it came from.

use serde_json::value::RawValue;

use crate::lines::LineIndex;

/// Byte offset of `raw` inside `text`, when `raw` was borrowed from it.
pub fn offset_of(text: &str, raw: &RawValue) -> Option<usize> {
    let base = text.as_ptr() as usize;
    let at = raw.get().as_ptr() as usize;
    (at >= base && at + raw.get().len() <= base + text.len()).then(|| at - base)
}

/// 1-based first and last line of `raw` inside `text`.
pub fn span_of(text: &str, index: &LineIndex, raw: &RawValue) -> Option<(u32, u32)> {
    let start = offset_of(text, raw)?;
    Some(index.lines_of(start, start + raw.get().len()))
}

/// Where a JSON parse error points, as a 1-based line (serde_json counts lines the same way).
pub fn error_line(err: &serde_json::Error) -> u32 {
    err.line().max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_array_items() {
        let text = "[\n  {\"a\": 1},\n  {\n    \"b\": 2\n  }\n]\n";
        let items: Vec<&RawValue> = serde_json::from_str(text).unwrap();
        let idx = LineIndex::new(text);
        assert_eq!(span_of(text, &idx, items[0]), Some((2, 2)));
        assert_eq!(span_of(text, &idx, items[1]), Some((3, 5)));
    }
}
