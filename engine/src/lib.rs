#![forbid(unsafe_code)]
#![doc = include_str!("../../README.md")]

pub mod articles;
pub mod audit;
pub mod authoring;
pub mod cases;
mod condition;
pub mod dates;
mod decide;
mod decision;
pub mod doc;
mod engine;
mod error;
pub mod explain;
mod json;
mod layers;
mod load;
mod logic;
mod request;
mod rule;
pub mod temporal;
#[cfg(feature = "testing")]
pub mod testing;
mod vocabulary;

pub use decide::{EngineOptions, Evaluation, Evaluator, RuleOutcome};
pub use decision::{
    Decision, LayerReport, LayerStatus, Obligation, Overridden, Reason, ReasonEffect, Source,
    Verdict,
};
pub use engine::Engine;
pub use error::{BundleError, BundleProblem, ProblemCode, RequestError};
pub use json::{MAX_DEPTH, MAX_REQUEST_BYTES};
pub use layers::{Document, Layer, ListedUnit, NotEncoded, TextLayout, TextNumbering, Tightening};
pub use load::Bundle;
pub use request::{
    Event, FactValue, Request, MAX_EVENTS, MAX_LIST_ITEMS, MAX_NAME_BYTES, MAX_STRING_BYTES,
};
pub use rule::{Attaches, Effect, Rule};
pub use vocabulary::{FactDef, FactType, Vocabulary, OBJECTS};

/// The engine's version (the crate version), recorded with each decision
/// by services that keep an audit trail.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Internals the workspace's own tests, benchmarks and tools reach for —
/// not part of the API, and free to change in any release.
#[doc(hidden)]
pub mod unstable {
    pub use crate::authoring::changes::apply_all;
    pub use crate::request::RequestEdit;
}
