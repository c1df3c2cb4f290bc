//! The PDF engine from outside: render documents and read them back with poppler's
//! `pdftotext` and count their pages with `pdfinfo` (both Debian's `poppler-utils`; CI
//! installs it and sets `AWLADNA_REQUIRE_PDFTOTEXT=1`, elsewhere the reading checks are
//! skipped with a note when it is missing).

// Helpers outside `#[test]` functions fail the test as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod arabic;
mod french;
mod robustness;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where samples are left for a person to look at: the target directory.
pub fn target_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(PathBuf::from).unwrap_or(tmp)
}

/// Writes `pdf` to a fresh file under the target's tmp directory.
pub fn save(pdf: &[u8], name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, pdf).expect("write the PDF");
    path
}

/// The text of `pdf` as `pdftotext` reads it (with `-layout` when asked), or `None` when
/// poppler is not installed and not required.
pub fn pdftotext(pdf: &[u8], layout: bool) -> Option<String> {
    let path = save(pdf, "extract");
    let mut command = Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    let output = match command.arg(&path).arg("-").output() {
        Ok(output) => output,
        Err(e) => {
            assert!(
                std::env::var_os("AWLADNA_REQUIRE_PDFTOTEXT").is_none(),
                "pdftotext is required (AWLADNA_REQUIRE_PDFTOTEXT) but cannot run: {e}"
            );
            eprintln!("note: pdftotext not found ({e}); install poppler-utils to check the text");
            return None;
        }
    };
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "pdftotext failed: {output:?}");
    let text = String::from_utf8(output.stdout).expect("pdftotext gives UTF-8");
    // pdftotext wraps what it reads in embeddings of its own (LRE, RLE, PDF) so that a terminal
    // shows it right, and puts the space between an Arabic word and a number inside the
    // number's embedding («الحالة LRE␠04441 PDF في»): read as words, the embeddings are
    // separators. Overrides (LRO, RLO) and isolates never come from poppler: they would come
    // from the document, and are kept.
    Some(
        text.chars()
            .map(|c| match c {
                '\u{202A}' | '\u{202B}' | '\u{202C}' => ' ',
                c => c,
            })
            .collect(),
    )
}

/// The number of pages, from poppler's `pdfinfo` (installed with pdftotext), or `None`
/// when poppler is not installed and not required (`AWLADNA_REQUIRE_PDFTOTEXT`).
pub fn page_count(pdf: &[u8]) -> Option<usize> {
    let path = save(pdf, "info");
    let output = match Command::new("pdfinfo").arg(&path).output() {
        Ok(output) => output,
        Err(e) => {
            assert!(
                std::env::var_os("AWLADNA_REQUIRE_PDFTOTEXT").is_none(),
                "poppler is required (AWLADNA_REQUIRE_PDFTOTEXT) but pdfinfo cannot run: {e}"
            );
            eprintln!("note: pdfinfo not found ({e}); install poppler-utils to count the pages");
            return None;
        }
    };
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "pdfinfo failed: {output:?}");
    let pages = String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok());
    assert!(pages.is_some(), "pdfinfo gives no page count: {output:?}");
    pages
}

/// Words (runs of letters and digits) of `text`, for order checks that ignore spacing and
/// punctuation: pdftotext guesses the side of a neutral sign (`:`, `(`) next to Arabic.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Asserts that `expected` appears in `text` as consecutive words.
pub fn assert_words_in_order(text: &str, expected: &str) {
    let have = words(text);
    let want = words(expected);
    assert!(
        have.windows(want.len()).any(|w| w == want.as_slice()),
        "expected the words «{expected}» in reading order in:\n{text}"
    );
}
