//! Tests of the temporal DSL: grammar, errors, the catalog's worked
//! examples and properties.

use std::sync::OnceLock;

use chrono::NaiveDate;

use super::{parse_rules, Definition, RulesFile, TemporalError};
use crate::dates::parse_date;
use crate::request::Request;
use crate::vocabulary::Vocabulary;

mod errors;
mod examples;
mod format;
mod grammar;
mod logic;
mod properties;

/// The shipped vocabulary, parsed once.
pub(super) fn vocab() -> &'static Vocabulary {
    static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
    VOCAB.get_or_init(|| {
        let mut vocab =
            Vocabulary::from_toml(include_str!("../../../../policies/facts.toml")).unwrap();
        vocab.set_scope(
            vec!["apply".into(), "operate".into()],
            vec!["hangzhou".into()],
        );
        vocab
    })
}

pub(super) fn d(text: &str) -> NaiveDate {
    parse_date(text).unwrap()
}

pub(super) fn parse(source: &str) -> Result<RulesFile, TemporalError> {
    parse_rules("test.rules", source, vocab())
}

pub(super) fn def(source: &str) -> Definition {
    match parse(source) {
        Ok(file) => file.definitions.into_iter().next().unwrap(),
        Err(e) => panic!("{e}"),
    }
}

/// A request on `date` with the given agreement facts and events.
pub(super) fn request(date: &str, agreement: &str, events: &str) -> Request {
    let json = format!(
        r#"{{"jurisdiction": "hangzhou", "date": "{date}", "action": "operate",
            "agreement": {{{agreement}}}, "events": [{events}]}}"#
    );
    Request::from_json_str(&json, vocab()).unwrap()
}
