//! Tools for policy authors: what a bundle change does to decisions
//! ([`diff`]), what would turn a denied request into an allowed one
//! ([`why_not`]), and which rules a set of golden cases exercises
//! ([`run_cases`], [`Coverage`]). The `pdao test`, `pdao diff` and
//! `pdao why-not` commands are thin front ends to these. [`Space`] says
//! what the rules of each jurisdiction and action read; the generators
//! draw from it.

mod base;
pub(crate) mod changes;
mod coverage;
mod diff;
mod generate;
mod junit;
pub(crate) mod rng;
pub(crate) mod space;
mod why_not;

pub use changes::Change;
pub use coverage::{run_cases, CaseReport, Coverage, LayerCoverage, RuleSides, SuiteReport};
pub use diff::{
    changed_rules, diff, ChangedRequest, DiffError, DiffOptions, DiffReport, Example, Group,
    RuleChange, RuleChangeKind, Share,
};
pub use space::{Literals, Pair, Reads, Space};
pub use why_not::{why_not, Solution, WhyNot, WhyNotOptions};

// The generators of `pdao::testing` build on these.
#[cfg(feature = "testing")]
pub(crate) use base::base_request;
