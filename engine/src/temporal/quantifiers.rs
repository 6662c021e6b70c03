//! `exists`, `no` and `all` over the events of a kind (dated on or before
//! the request date), and the instances of an `each` definition. Events are
//! judged latest first, so the cited witness or counterexample is the
//! latest-dated one and the search stops there.

use std::collections::BTreeSet;

use super::ast::{DateExpr, Expr, Quant, Quantifier};
use super::eval::{cite, join_distinct, Ctx, Instance, Outcome, Truth, Verdict};
use crate::dates::format_date;
use crate::request::Event;

impl<'a> Ctx<'a> {
    /// `body` for one event, with `var` bound to it; without a body every
    /// event qualifies.
    fn judge_event(
        &mut self,
        var: Option<&'a str>,
        body: Option<&'a Expr>,
        event: &'a Event,
    ) -> Verdict {
        match (var, body) {
            (Some(var), Some(body)) => self.with_bound(var, event, |ctx| ctx.judge(body)),
            _ => Verdict::known(true, format!("{} is on record", event.describe())),
        }
    }

    pub(crate) fn quantifier(&mut self, quant: &'a Quant) -> Verdict {
        let universal = quant.quantifier == Quantifier::All;
        let decisive = if universal { Truth::False } else { Truth::True };
        let req = self.req;
        let events: Vec<&'a Event> = req.events_of(&quant.kind).collect();
        let scope = format!("{} on or before {}", quant.kind, self.today());
        let mut tally = Tally::default();
        let mut decided = None;
        for event in events.iter().rev() {
            let verdict = self.judge_event(quant.var.as_deref(), quant.body.as_ref(), event);
            if verdict.truth == decisive {
                decided = Some(Verdict::known(!universal, cite(event, &verdict.evidence)));
                break;
            }
            tally.add(event, verdict);
        }
        let verdict = decided.unwrap_or_else(|| tally.settle(universal, &scope, events.len()));
        if quant.quantifier == Quantifier::No {
            Verdict {
                truth: verdict.truth.not(),
                ..verdict
            }
        } else {
            verdict
        }
    }

    pub(crate) fn each(
        &mut self,
        kind: &'a str,
        var: &'a str,
        cond: &'a Expr,
        due: Option<&'a DateExpr>,
    ) -> Outcome {
        let req = self.req;
        let events: Vec<&'a Event> = req.events_of(kind).collect();
        let scope = format!("{kind} on or before {}", self.today());
        let mut instances = Vec::new();
        let mut needed = BTreeSet::new();
        let mut tally = Tally::default();
        for event in events.iter().rev() {
            let verdict = self.with_bound(var, event, |ctx| ctx.judge(cond));
            if verdict.truth == Truth::True {
                let mut evidence = cite(event, &verdict.evidence);
                let mut date = None;
                if let Some(due) = due {
                    match self.with_bound(var, event, |ctx| ctx.date(due)) {
                        Ok(value) => {
                            date = Some(value.date);
                            evidence.push_str(&format!("; due {}", value.text));
                        }
                        Err(gap) => {
                            evidence.push_str(&format!("; no due date: {}", gap.evidence));
                            needed.insert(gap.needed);
                        }
                    }
                }
                instances.push(Instance {
                    event: (*event).clone(),
                    due: date,
                    evidence,
                });
            } else {
                tally.add(event, verdict);
            }
        }
        instances.sort_by(|a, b| {
            (a.event.date, &a.event.reference).cmp(&(b.event.date, &b.event.reference))
        });
        needed.extend(tally.needed());
        if instances.is_empty() {
            let verdict = tally.settle(false, &scope, events.len());
            return Outcome {
                truth: verdict.truth,
                due: None,
                instances,
                needed,
                evidence: verdict.evidence,
            };
        }
        let listed: Vec<String> = instances
            .iter()
            .map(|i| match i.due {
                Some(due) => format!("{} (due {})", i.event.describe(), format_date(due)),
                None => i.event.describe(),
            })
            .collect();
        let mut evidence = format!(
            "{} of {} {scope} qualify: {}",
            instances.len(),
            events.len(),
            listed.join("; ")
        );
        let undecided = tally.undecided_evidence();
        if !undecided.is_empty() {
            evidence.push_str(&format!("; undecided: {undecided}"));
        }
        Outcome {
            truth: Truth::True,
            due: None,
            instances,
            needed,
            evidence,
        }
    }
}

/// The events that did not decide a quantifier: the latest one, for the
/// evidence, and the undecided ones.
#[derive(Default)]
struct Tally<'e> {
    latest: Option<(&'e Event, Verdict)>,
    unknown: Vec<Verdict>,
}

impl<'e> Tally<'e> {
    /// Adds an event; events arrive latest first.
    fn add(&mut self, event: &'e Event, verdict: Verdict) {
        if verdict.truth == Truth::Unknown {
            self.unknown.push(verdict.clone());
        }
        if self.latest.is_none() {
            self.latest = Some((event, verdict));
        }
    }

    fn needed(&self) -> BTreeSet<String> {
        self.unknown
            .iter()
            .flat_map(|v| v.needed.iter().cloned())
            .collect()
    }

    fn undecided_evidence(&self) -> String {
        join_distinct(self.unknown.iter().map(|v| v.evidence.as_str()))
    }

    /// The verdict when no event decided: unknown if any was undecided,
    /// otherwise true for `all` (`universal`) and false for `exists`.
    fn settle(&self, universal: bool, scope: &str, count: usize) -> Verdict {
        let (question, subject) = if universal {
            ("whether every", "every")
        } else {
            ("whether any", "no")
        };
        if !self.unknown.is_empty() {
            return Verdict {
                truth: Truth::Unknown,
                needed: self.needed(),
                evidence: format!(
                    "{question} {scope} qualifies is unknown: {}",
                    self.undecided_evidence()
                ),
            };
        }
        let evidence = match &self.latest {
            None => format!("no {scope}"),
            Some((event, verdict)) if count == 1 => {
                format!(
                    "{subject} {scope} qualifies: {}",
                    cite(event, &verdict.evidence)
                )
            }
            Some((event, verdict)) => format!(
                "{subject} {scope} qualifies ({count} checked; latest: {})",
                cite(event, &verdict.evidence)
            ),
        };
        Verdict::known(universal, evidence)
    }
}
