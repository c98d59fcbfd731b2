//! The content index's text rules, shared by every store so they all find and rank alike:
//! tokenizing, term counting and BM25 scoring.

use std::collections::BTreeMap;

use crate::model::TranscriptEntry;

/// Longest term kept, in bytes; longer runs are cut (so a huge blob cannot blow up the index).
pub const MAX_TERM_BYTES: usize = 64;

/// BM25 term-frequency saturation.
const K1: f64 = 1.2;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // kana
        | 0x3400..=0x4DBF // CJK ext A
        | 0x4E00..=0x9FFF // CJK unified
        | 0xAC00..=0xD7AF // hangul
        | 0xF900..=0xFAFF)
}

/// Splits text into index terms: lowercase runs of letters and digits; each CJK character is a
/// term of its own (those scripts do not separate words with spaces).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            let mut end = cur.len().min(MAX_TERM_BYTES);
            while !cur.is_char_boundary(end) {
                end -= 1;
            }
            cur.truncate(end);
            out.push(std::mem::take(cur));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut cur, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else {
            flush(&mut cur, &mut out);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The distinct query terms of a search text, in order of first appearance.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    terms(text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

/// Term counts over the searchable text of some entries (add them to the session's postings).
pub fn term_counts<'a>(
    entries: impl IntoIterator<Item = &'a TranscriptEntry>,
) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for e in entries {
        if let Some(text) = e.searchable_text() {
            for t in terms(&text) {
                *counts.entry(t).or_insert(0u32) += 1;
            }
        }
    }
    counts
}

/// BM25 weight of one term in one session: `tf` occurrences there, `df` sessions with the term,
/// `n` sessions in the store. (No length normalization: a session is a conversation, longer ones
/// are not less relevant.)
pub fn bm25(tf: u32, df: usize, n: usize) -> f64 {
    let tf = f64::from(tf);
    let df = df as f64;
    let n = n.max(1) as f64;
    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
    idf * tf * (K1 + 1.0) / (tf + K1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_lowercase_split_and_cjk() {
        assert_eq!(terms("Hello, World! x2"), vec!["hello", "world", "x2"]);
        assert_eq!(terms("Rust日本語"), vec!["rust", "日", "本", "語"]);
        assert_eq!(terms("ÜBER straße"), vec!["über", "straße"]);
        assert!(terms("  ,.;  ").is_empty());
    }

    #[test]
    fn long_terms_are_cut_on_a_char_boundary() {
        let long = "é".repeat(100);
        let t = terms(&long);
        assert_eq!(t.len(), 1);
        assert!(t[0].len() <= MAX_TERM_BYTES);
        assert!(t[0].chars().all(|c| c == 'é'));
    }

    #[test]
    fn rarer_terms_and_more_occurrences_score_higher() {
        assert!(bm25(1, 1, 100) > bm25(1, 50, 100));
        assert!(bm25(3, 10, 100) > bm25(1, 10, 100));
        assert!(bm25(1, 100, 100) > 0.0);
    }

    #[test]
    fn query_terms_are_distinct() {
        assert_eq!(query_terms("a b a"), vec!["a", "b"]);
    }
}
