//! Tools for policy authors: what a bundle change does to decisions
//! ([`diff`]), what would turn a denied request into an allowed one
//! ([`why_not`]), and which rules a set of golden cases exercises
//! ([`coverage`]). The `pdao test`, `pdao diff` and `pdao why-not` commands
//! are thin front ends to these.

mod base;
mod changes;
pub mod coverage;
pub mod diff;
mod generate;
mod junit;
pub(crate) mod rng;
pub mod space;
pub mod why_not;

pub use base::base_request;
pub use changes::{apply_all, Change};
pub use coverage::{run_cases, CaseReport, Coverage, LayerCoverage, RuleSides, SuiteReport};
pub use diff::{changed_rules, diff, DiffOptions, DiffReport, RuleChange, RuleChangeKind, Share};
pub use space::{Literals, Pair, Reads, Space};
pub use why_not::{why_not, Solution, WhyNot, WhyNotOptions};
