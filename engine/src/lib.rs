#![forbid(unsafe_code)]
#![doc = include_str!("../../README.md")]

pub mod articles;
pub mod audit;
pub mod authoring;
mod bundle;
pub mod cases;
pub mod dates;
mod decision;
pub mod doc;
mod engine;
mod error;
pub mod explain;
mod json;
mod kleene;
mod layers;
mod request;
mod rule;
pub mod temporal;
#[cfg(feature = "testing")]
pub mod testing;
mod vocabulary;

pub use bundle::Bundle;
pub use decision::{Decision, LayerReport, Obligation, Overridden, Reason, Source, Verdict};
pub use engine::{Engine, Evaluation, RuleOutcome};
pub use error::{BundleError, BundleProblem, RequestError};
pub use json::{MAX_DEPTH, MAX_REQUEST_BYTES};
pub use layers::{Document, Layer, ListedUnit, NotEncoded, TextLayout, TextNumbering, Tightening};
pub use request::{
    Event, FactValue, Request, MAX_EVENTS, MAX_LIST_ITEMS, MAX_NAME_BYTES, MAX_STRING_BYTES,
};
pub use rule::{Attaches, Effect, Rule};
pub use vocabulary::{FactDef, FactType, Vocabulary, OBJECTS};

/// The engine's version (the crate version), recorded with each decision
/// by services that keep an audit trail.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
