//! The decision pipeline. Each stage is a module:
//!
//! 1. [`locate`] — the request's chain, the epoch its date falls in (the
//!    dates of a chain are cut into epochs in which the same rules are in
//!    force), and the prepared set of rules in force for its action
//!    ([`compile`] prepares it once, on first use);
//! 2. [`facts`] — the request's values as the set's slots read them, and
//!    the temporal definitions, decided on first read;
//! 3. [`cedar`] — Cedar's context, the rules' probes as a typed map, and
//!    the authorizer call;
//! 4. [`fallback`] — three-valued re-evaluation of the rules Cedar could
//!    not evaluate because a fact was missing;
//! 5. [`assemble`] — reasons, coverage, obligations, layer report.

mod assemble;
mod cedar;
mod compile;
mod facts;
mod fallback;
mod locate;

use std::collections::HashMap;

use crate::decision::{Decision, Verdict};
use crate::load::Bundle;
use crate::request::Request;
use crate::rule::{Attaches, Effect};

use assemble::{engine_reason, Assembler};
use cedar::Cedar;
use compile::Compiled;
use facts::Facts;
use fallback::{cedar_state, rule_state, RuleState};
use locate::{locate, Chain};

/// One rule's outcome on a request, for coverage and tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Catalog id.
    pub rule: String,
    /// Its effect.
    pub effect: Effect,
    /// Whether the rule decided (unmet, fired, attached) — else it was
    /// checked and held (satisfied, cleared, not attached).
    pub decides: bool,
    /// Whether it applied at all (a requirement's guard held).
    pub applies: bool,
}

/// The full evaluation behind a decision.
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Every rule evaluated, with its outcome.
    pub outcomes: Vec<RuleOutcome>,
}

/// The prepared chains and Cedar's authorizer: everything an engine
/// decides with besides its bundle.
pub(crate) struct Pipeline {
    chains: HashMap<String, Chain>,
    cedar: Cedar,
}

impl Pipeline {
    pub(crate) fn new(bundle: &Bundle) -> Self {
        Pipeline {
            chains: locate::chains(bundle),
            cedar: Cedar::new(),
        }
    }

    /// Prepares every chain, epoch and action now.
    pub(crate) fn prepare_all(&self, bundle: &Bundle) {
        for chain in self.chains.values() {
            for epoch in &chain.epochs {
                for action in epoch.actions.keys() {
                    epoch.compiled(bundle, chain, action);
                }
            }
        }
    }

    /// Decides and reports every rule's outcome.
    pub(crate) fn evaluate(&self, bundle: &Bundle, request: &Request) -> Evaluation {
        let assembler = Assembler { bundle };
        let located = match locate(bundle, &self.chains, request) {
            Ok(located) => located,
            Err(message) => {
                return Evaluation {
                    decision: assembler.failure(request, message),
                    outcomes: Vec::new(),
                }
            }
        };
        let empty;
        let compiled = match located.compiled {
            Some(compiled) => compiled,
            None => {
                empty = Compiled::new(bundle, &[], request.action(), Vec::new());
                &empty
            }
        };
        let facts = Facts::new(request, bundle, compiled);
        let (results, failed) = self.rule_states(bundle, compiled, &facts);

        let mut decision =
            assembler.assemble(request, located.chain, located.epoch, &results, &facts);
        if let Some(message) = failed {
            decision.decision = Verdict::Deny;
            decision.reasons.push(engine_reason(request, &message));
        }
        let allowed = decision.is_allow();
        let outcomes = results
            .iter()
            .filter_map(|(ri, state)| {
                let rule = bundle.rules.get(*ri)?;
                // An allow-only obligation on a denied request was checked
                // and held back.
                let withheld = matches!(state, RuleState::Attached)
                    && rule.attaches == Attaches::OnAllow
                    && !allowed;
                Some(RuleOutcome {
                    rule: rule.id.clone(),
                    effect: rule.effect,
                    decides: !withheld
                        && matches!(
                            state,
                            RuleState::Unmet(_)
                                | RuleState::Fired(_)
                                | RuleState::Attached
                                | RuleState::Undecided(_)
                        ),
                    applies: !matches!(state, RuleState::NotApplicable),
                })
            })
            .collect();
        Evaluation { decision, outcomes }
    }

    /// Each rule's state, in decision order: Cedar's outcome where it
    /// decided, the three-valued fallback where it erred or could not run
    /// (then also why, which makes the decision an evaluation error).
    fn rule_states(
        &self,
        bundle: &Bundle,
        compiled: &Compiled,
        facts: &Facts,
    ) -> (Vec<(usize, RuleState)>, Option<String>) {
        let (found, failed) = match self.cedar.run(&compiled.cedar, facts) {
            Ok(found) => (Some(found), None),
            Err(message) => (None, Some(message)),
        };
        let mut results = Vec::with_capacity(compiled.programs.len());
        for program in &compiled.programs {
            let Some(rule) = bundle.rules.get(program.rule) else {
                continue;
            };
            let state = match found
                .as_ref()
                .filter(|found| !found.errored.contains(&program.rule))
            {
                Some(found) => cedar_state(program.rule, rule, found),
                None => rule_state(program, rule, facts),
            };
            results.push((program.rule, state));
        }
        (results, failed)
    }
}

#[cfg(test)]
mod tests;
