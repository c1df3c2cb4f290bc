//! Generators of hostile input for the property tests of every crate (the form checker,
//! the imports, the upload checks, name matching, the JSON routes): text full of what
//! breaks things, JSON of every shape. Compiled for tests only (`--features fuzz`).
//!
//! Each property test runs `cases(n)` cases: a few hundred in the normal `cargo test`,
//! as many as `AWLADNA_FUZZ_CASES` says for a longer run (README, "Fuzzing").

use proptest::prelude::*;
use serde_json::Value;

/// The number of cases of a property test: `AWLADNA_FUZZ_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("AWLADNA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A character as an attacker or a careless paste gives it: any at all, or one of the
/// troublesome ones (controls, direction controls and marks, byte-order mark, quotes
/// and separators), Arabic letters and digits, Latin letters.
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec![
            '\0', '\n', '\r', '\t', '\u{7f}', '\u{202E}', '\u{202B}', '\u{2067}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{FEFF}', '"', '\'', ',', ';',
            '=', '+', '-', '@', '<', '>', '&', '#', '/', '\\', ' ', '.', ':', 'T', 'Z', 'e',
        ]),
        2 => prop::char::range('\u{0620}', '\u{064A}'),
        1 => prop::char::range('\u{0660}', '\u{0669}'),
        2 => prop::char::range('0', '9'),
        3 => prop::char::range('a', 'z'),
    ]
}

/// Up to `max` hostile characters.
pub fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..=max).prop_map(|chars| chars.into_iter().collect())
}

/// Any JSON value, nested a few levels, with hostile strings and extreme numbers.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![0, -1, 1, 17, 18, 2026, i64::MIN, i64::MAX])
            .prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        hostile_text(24).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((hostile_text(8), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A JSON object whose keys are mostly `known` (so that the values reach the checks
/// behind the keys rather than stopping at "unknown field"), its values any JSON.
pub fn json_object(known: Vec<String>) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => prop::sample::select(known),
        1 => hostile_text(8),
    ];
    prop::collection::vec((key, json_value()), 0..10)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}
