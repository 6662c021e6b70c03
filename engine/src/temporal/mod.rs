//! The temporal DSL: time windows, deadlines and cadences over the request's
//! event history, which Cedar cannot express (no months, no quantifiers over
//! lists). A `*.rules` file beside a layer's Cedar files defines named
//! results; the engine evaluates them per request, three-valued and with
//! evidence, and hands them to the policies as `context.temporal.<name>`.
//!
//! See `grammar.pest` for the language, rule by rule.

mod ast;
mod cadence;
mod eval;
mod format;
mod lower;
mod parser;
mod quantifiers;
mod values;

#[cfg(test)]
mod tests;

pub use ast::{DefKind, Definition, RulesFile};
pub use eval::{Instance, Outcome, Truth};
pub use format::{comments, format_rules};
pub use parser::{parse_rules, TemporalError};
