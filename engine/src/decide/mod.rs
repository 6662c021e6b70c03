//! The decision pipeline. Each stage is a module:
//!
//! 1. [`locate`] — the request's chain, the epoch its date falls in (the
//!    dates of a chain are cut into epochs in which the same rules are in
//!    force), and the prepared set of rules in force for its action
//!    ([`compile`] prepares it once, on first use);
//! 2. [`facts`] — the request's values as the set's slots read them, and
//!    the temporal definitions, decided on first read;
//! 3. [`evaluate`] — each rule three-valued by the compiled evaluator, over
//!    the slots;
//! 4. [`cedar`] — for the rules the compiled evaluator does not support,
//!    and for every rule under [`Evaluator::Cedar`]: Cedar's context, the
//!    rules' probes as a typed map, and the authorizer call, with
//!    [`evaluate`] as the three-valued fallback where Cedar errs on a
//!    missing fact;
//! 5. [`assemble`] — reasons, coverage, obligations, layer report.

mod assemble;
mod cedar;
mod compile;
mod evaluate;
mod facts;
mod locate;

use std::collections::HashMap;

use crate::decision::{Decision, Verdict};
use crate::load::Bundle;
use crate::request::Request;
use crate::rule::{Attaches, Effect};

use assemble::{engine_reason, Assembler};
use cedar::Cedar;
use compile::Compiled;
use evaluate::{cedar_state, rule_state, RuleState};
use facts::Facts;
use locate::{locate, Chain};

/// Which evaluator decides the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Evaluator {
    /// pdao's compiled evaluator; Cedar only for the rules it does not
    /// support (`pdao check` lists them; today none). The default.
    #[default]
    Compiled,
    /// Cedar's authorizer for every rule, the compiled evaluator only where
    /// Cedar errs on a missing fact: the reference the compiled evaluator
    /// is tested against, for audits that want it (`--reference cedar`).
    Cedar,
}

/// How an [`Engine`](crate::Engine) decides.
///
/// ```
/// use pdao::{Bundle, Engine, EngineOptions, Evaluator};
///
/// let options = EngineOptions::default().evaluator(Evaluator::Cedar);
/// let engine = Engine::with_options(Bundle::embedded()?, options);
/// assert_eq!(engine.options().evaluator, Evaluator::Cedar);
/// # Ok::<(), pdao::BundleError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineOptions {
    /// Which evaluator decides the rules.
    pub evaluator: Evaluator,
}

impl EngineOptions {
    /// These options with `evaluator`.
    pub fn evaluator(mut self, evaluator: Evaluator) -> Self {
        self.evaluator = evaluator;
        self
    }
}

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

/// The prepared chains, Cedar's authorizer and the options: everything an
/// engine decides with besides its bundle.
pub(crate) struct Pipeline {
    chains: HashMap<String, Chain>,
    cedar: Cedar,
    options: EngineOptions,
}

impl Pipeline {
    pub(crate) fn new(bundle: &Bundle, options: EngineOptions) -> Self {
        Pipeline {
            chains: locate::chains(bundle),
            cedar: Cedar::new(),
            options,
        }
    }

    pub(crate) fn options(&self) -> EngineOptions {
        self.options
    }

    /// Prepares every chain, epoch and action now.
    pub(crate) fn prepare_all(&self, bundle: &Bundle) {
        for chain in self.chains.values() {
            for epoch in &chain.epochs {
                for action in epoch.actions.keys() {
                    let compiled = epoch.compiled(bundle, chain, action);
                    if let (Some(compiled), Evaluator::Cedar) = (compiled, self.options.evaluator) {
                        compiled.reference(bundle);
                    }
                }
            }
        }
    }

    /// Decides.
    #[inline]
    pub(crate) fn decide(&self, bundle: &Bundle, request: &Request) -> Decision {
        self.run(bundle, request).0
    }

    /// Decides and reports every rule's outcome.
    pub(crate) fn evaluate(&self, bundle: &Bundle, request: &Request) -> Evaluation {
        let (decision, results) = self.run(bundle, request);
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

    /// The decision and each rule's state, in decision order.
    #[inline]
    fn run(&self, bundle: &Bundle, request: &Request) -> (Decision, Vec<(usize, RuleState)>) {
        let assembler = Assembler { bundle };
        let located = match locate(bundle, &self.chains, request) {
            Ok(located) => located,
            Err(message) => return (assembler.failure(request, message), Vec::new()),
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
        (decision, results)
    }

    /// Each rule's state, in decision order: the compiled evaluator's, or
    /// for the rules Cedar decides, Cedar's outcome where it decided and
    /// the three-valued fallback where it erred or could not run (then also
    /// why, which makes the decision an evaluation error).
    fn rule_states(
        &self,
        bundle: &Bundle,
        compiled: &Compiled,
        facts: &Facts,
    ) -> (Vec<(usize, RuleState)>, Option<String>) {
        let reference = self.options.evaluator == Evaluator::Cedar;
        let set = if reference {
            compiled.reference(bundle)
        } else {
            &compiled.cedar
        };
        let (found, failed) = match self.cedar.run(set, facts) {
            Ok(found) => (Some(found), None),
            Err(message) => (None, Some(message)),
        };
        let mut results = Vec::with_capacity(compiled.programs.len());
        for program in &compiled.programs {
            let Some(rule) = bundle.rules.get(program.rule) else {
                continue;
            };
            let by_cedar = found
                .as_ref()
                .filter(|_| reference || !program.compiled)
                .filter(|found| !found.errored.contains(&program.rule));
            let state = match by_cedar {
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
