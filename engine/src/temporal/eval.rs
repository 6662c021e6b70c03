//! Evaluating definitions against a request: the engine's three-valued
//! logic ([`Tri`], `crate::logic`),
//! the quantifiers over the event history, and a readable evidence
//! sentence for every result. Quantifiers and `each` are in `quantifiers`,
//! atoms (dates, comparisons, windows) in `values`, cadences in `cadence`.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use chrono::NaiveDate;

use super::ast::{Body, Definition, Expr};
use super::quantifiers::RefIndex;
use crate::dates::format_date;
pub use crate::logic::Truth;
use crate::logic::{Needed, Tri};
use crate::request::{Event, Request};

/// The result of evaluating one definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `fact`: the value; `due`: true when the date is computable; `each`:
    /// true when there is at least one instance.
    pub truth: Truth,
    /// The date of a `due` definition.
    pub due: Option<NaiveDate>,
    /// The instances of an `each` definition, by date then ref.
    pub instances: Vec<Instance>,
    /// Facts (or event attributes, `kind.until`) whose absence left the
    /// result undecided; empty when the result did not depend on them.
    pub needed: BTreeSet<String>,
    /// One readable sentence naming the deciding events and dates; for a
    /// `due` definition, how the date was computed
    /// (`2024-08-31 + 6 months = 2025-02-28`).
    pub evidence: String,
}

/// One event for which an `each` condition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The event.
    pub event: Event,
    /// Its deadline, when the definition has a `due` clause and it is
    /// computable.
    pub due: Option<NaiveDate>,
    /// Why the condition holds for it.
    pub evidence: String,
}

/// A judged condition: its [`Tri`] value, kept as the bare truth and what
/// an unknown needs, and (when evidence is wanted) why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Judgement {
    pub(crate) truth: Truth,
    pub(crate) needed: BTreeSet<String>,
    pub(crate) evidence: String,
}

impl Judgement {
    pub(crate) fn known(value: bool, evidence: String) -> Judgement {
        Judgement {
            truth: Truth::of(value),
            needed: BTreeSet::new(),
            evidence,
        }
    }

    pub(crate) fn unknown(gaps: Vec<Gap>) -> Judgement {
        let mut needed = BTreeSet::new();
        let mut evidence: Vec<String> = Vec::new();
        for gap in gaps {
            needed.insert(gap.needed);
            // Empty when not explaining: nothing to keep.
            if !gap.evidence.is_empty() && !evidence.contains(&gap.evidence) {
                evidence.push(gap.evidence);
            }
        }
        Judgement {
            truth: Truth::Unknown,
            needed,
            evidence: evidence.join("; "),
        }
    }

    /// The judged value with an evidence sentence.
    fn of(value: Tri, evidence: String) -> Judgement {
        let truth = value.truth();
        Judgement {
            truth,
            needed: value.into_needed(),
            evidence,
        }
    }

    /// The value, leaving the evidence.
    fn take_value(&mut self) -> Tri {
        Tri::from_truth(self.truth, std::mem::take(&mut self.needed))
    }
}

/// A value the request does not give: what is needed, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gap {
    pub(crate) needed: String,
    pub(crate) evidence: String,
}

impl Gap {
    pub(crate) fn fact(path: &str) -> Gap {
        Gap {
            needed: path.to_string(),
            evidence: format!("{path} is not given"),
        }
    }
}

/// The evaluation context: the request, the bound variables, and whether
/// evidence sentences are wanted. Quantifiers search their events without
/// evidence and explain only the events they cite, so that nested
/// quantifiers over long histories do not build sentences nobody reads.
pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a Request,
    env: Vec<(&'a str, &'a Event)>,
    pub(crate) explain: bool,
    /// The events of each kind indexed by `ref`, built on first use by a
    /// join (see `quantifiers`).
    pub(crate) indexes: HashMap<&'a str, Rc<RefIndex<'a>>>,
    /// What a quantifier's body could need, by body and by which bound
    /// events have a `ref` and an `until` (see `quantifiers`).
    pub(crate) bounds: HashMap<(usize, u64), Rc<BTreeSet<String>>>,
}

impl Definition {
    /// Evaluates the definition against a request, as of the request date,
    /// with an evidence sentence.
    pub fn evaluate(&self, req: &Request) -> Outcome {
        self.run(req, true)
    }

    /// The same outcome without building evidence: truth, due date,
    /// instances and needed facts are those of [`Definition::evaluate`];
    /// the evidence strings are empty or partial. Deciding uses this, and
    /// explains only what the decision cites.
    pub fn decide(&self, req: &Request) -> Outcome {
        self.run(req, false)
    }

    fn run(&self, req: &Request, explain: bool) -> Outcome {
        let mut ctx = Ctx {
            req,
            env: Vec::new(),
            explain,
            indexes: HashMap::new(),
            bounds: HashMap::new(),
        };
        match &self.body {
            Body::Fact(expr) => {
                let judgement = ctx.judge(expr);
                Outcome {
                    truth: judgement.truth,
                    due: None,
                    instances: Vec::new(),
                    needed: judgement.needed,
                    evidence: judgement.evidence,
                }
            }
            Body::Due(date) => match ctx.date(date) {
                Ok(value) => Outcome {
                    truth: Truth::True,
                    due: Some(value.date),
                    instances: Vec::new(),
                    needed: BTreeSet::new(),
                    evidence: value.text,
                },
                Err(gap) => Outcome {
                    truth: Truth::Unknown,
                    due: None,
                    instances: Vec::new(),
                    needed: BTreeSet::from([gap.needed]),
                    evidence: gap.evidence,
                },
            },
            Body::Each {
                kind,
                var,
                cond,
                due,
            } => ctx.each(kind, var, cond, due.as_ref()),
        }
    }
}

impl<'a> Ctx<'a> {
    /// The event a variable is bound to.
    pub(crate) fn event(&self, var: &str) -> Result<&'a Event, Gap> {
        self.env
            .iter()
            .rev()
            .find(|(name, _)| *name == var)
            .map(|(_, event)| *event)
            .ok_or_else(|| Gap {
                needed: var.to_string(),
                evidence: format!("variable `{var}` is not bound"),
            })
    }

    /// Which of the bound events have a `ref` and an `until`, two bits
    /// each, with how many are bound; `None` for more than 30.
    pub(crate) fn env_shape(&self) -> Option<u64> {
        if self.env.len() > 30 {
            return None;
        }
        let bits = self.env.iter().fold(0u64, |acc, (_, event)| {
            (acc << 2)
                | u64::from(event.reference.is_some())
                | (u64::from(event.until.is_some()) << 1)
        });
        Some(bits | ((self.env.len() as u64) << 60))
    }

    /// An evidence sentence, built only when evidence is wanted.
    pub(crate) fn say(&self, sentence: impl FnOnce() -> String) -> String {
        if self.explain {
            sentence()
        } else {
            String::new()
        }
    }

    /// Runs `f` with evidence on or off.
    pub(crate) fn explaining<T>(&mut self, explain: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.explain;
        self.explain = explain;
        let result = f(self);
        self.explain = saved;
        result
    }

    pub(crate) fn today(&self) -> String {
        format_date(self.req.date())
    }

    pub(crate) fn judge(&mut self, expr: &'a Expr) -> Judgement {
        match expr {
            Expr::Bool(value) => Judgement::known(*value, self.say(|| format!("`{value}`"))),
            Expr::And(items) => self.connective(items, Truth::False),
            Expr::Or(items) => self.connective(items, Truth::True),
            Expr::Not(inner) => {
                let mut judgement = self.judge(inner);
                let value = !judgement.take_value();
                Judgement::of(value, judgement.evidence)
            }
            Expr::Quant(quant) => self.quantifier(quant),
            Expr::Cadence(cadence) => self.cadence(cadence),
            Expr::Matches { var, path } => self.matches(var, path),
            Expr::Presence { subject, present } => self.presence(subject, *present),
            Expr::Within {
                event,
                window,
                anchor,
            } => self.within(event, *window, anchor),
            Expr::CompareDates(left, op, right) => self.compare_dates(left, *op, right),
            Expr::CompareStrings(left, op, right) => self.compare_strings(left, *op, right),
        }
    }

    /// Kleene `and` (`decisive` = false) or `or` (`decisive` = true) of
    /// [`Tri`], left to right: the first decisive operand decides and is
    /// cited; otherwise any unknown makes the result unknown, citing the
    /// unknowns; otherwise every operand is cited.
    fn connective(&mut self, items: &'a [Expr], decisive: Truth) -> Judgement {
        let or = decisive == Truth::True;
        let mut value: Tri<Needed> = Tri::of(!or);
        let mut unknown_evidence: Vec<String> = Vec::new();
        let mut evidence: Vec<String> = Vec::new();
        for item in items {
            let mut judgement = self.judge(item);
            if judgement.truth == decisive {
                return Judgement::known(or, judgement.evidence);
            }
            if judgement.evidence.is_empty() {
                // Not explaining: nothing to keep.
            } else if judgement.truth == Truth::Unknown {
                unknown_evidence.push(std::mem::take(&mut judgement.evidence));
            } else {
                evidence.push(std::mem::take(&mut judgement.evidence));
            }
            let operand = judgement.take_value();
            value = if or {
                value.or(operand)
            } else {
                value.and(operand)
            };
        }
        let cited = if value.truth() == Truth::Unknown {
            unknown_evidence
        } else {
            evidence
        };
        Judgement::of(value, join_distinct(cited.iter().map(String::as_str)))
    }

    /// Runs `f` with `var` bound to `event`.
    pub(crate) fn with_bound<T>(
        &mut self,
        var: &'a str,
        event: &'a Event,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.env.push((var, event));
        let result = f(self);
        self.env.pop();
        result
    }
}

/// The evidence about an event, led by the event unless it already is.
pub(crate) fn cite(event: &Event, evidence: &str) -> String {
    let described = event.describe();
    if evidence.starts_with(&described) {
        evidence.to_string()
    } else {
        format!("{described}: {evidence}")
    }
}

/// Joins sentences with "; ", dropping repeats.
pub(crate) fn join_distinct<'s>(parts: impl Iterator<Item = &'s str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if !part.is_empty() && !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join("; ")
}
