//! `exists`, `no` and `all` over the events of a kind (dated on or before
//! the request date), and the instances of an `each` definition.
//!
//! Events are searched latest first and without evidence; only the events
//! an evidence sentence cites are judged again with evidence. The cited
//! witness or counterexample is therefore the latest-dated one, and nested
//! quantifiers over long histories stay cheap.

use std::collections::BTreeSet;

use super::ast::{DateExpr, Expr, Quant, Quantifier, StrRef};
use super::eval::{cite, join_distinct, Ctx, Instance, Judgement, Outcome, Truth};
use crate::dates::format_date;
use crate::request::Event;

/// How many undecided events an evidence sentence explains.
const EXPLAINED_UNKNOWNS: usize = 3;

/// What a search over the events found.
#[derive(Default)]
struct Search<'a> {
    /// The first event (latest first) whose truth was the one searched for.
    decided: Option<&'a Event>,
    /// The latest event judged.
    latest: Option<&'a Event>,
    /// Events for which the body was unknown, latest first.
    unknown: Vec<&'a Event>,
    /// What those unknowns need.
    needed: BTreeSet<String>,
    /// Events for which the body held, latest first (full searches only).
    held: Vec<&'a Event>,
}

/// The body of a quantifier: its variable and condition, if any.
#[derive(Clone, Copy)]
struct Body<'a> {
    var: Option<&'a str>,
    cond: Option<&'a Expr>,
}

impl<'a> Ctx<'a> {
    /// The body for one event; without a body every event qualifies.
    fn judge_event(&mut self, body: Body<'a>, event: &'a Event) -> Judgement {
        match (body.var, body.cond) {
            (Some(var), Some(cond)) => self.with_bound(var, event, |ctx| ctx.judge(cond)),
            _ => Judgement::known(
                true,
                self.say(|| format!("{} is on record", event.describe())),
            ),
        }
    }

    /// Why the body came out as it did for `event`, led by the event.
    fn explain_event(&mut self, body: Body<'a>, event: &'a Event) -> String {
        if !self.explain {
            return String::new();
        }
        let evidence = self.judge_event(body, event).evidence;
        cite(event, &evidence)
    }

    /// Judges the events latest first, without evidence, stopping at the
    /// first whose truth is `stop` (never, for `None`).
    fn search(&mut self, events: &[&'a Event], body: Body<'a>, stop: Option<Truth>) -> Search<'a> {
        self.explaining(false, |ctx| {
            let mut found = Search::default();
            for event in events.iter().rev() {
                let judgement = ctx.judge_event(body, event);
                if Some(judgement.truth) == stop {
                    found.decided = Some(event);
                    return found;
                }
                found.latest = found.latest.or(Some(event));
                match judgement.truth {
                    Truth::True => found.held.push(event),
                    Truth::Unknown => {
                        found.unknown.push(event);
                        if found.needed.is_empty() {
                            found.needed = judgement.needed;
                        } else {
                            found.needed.extend(judgement.needed);
                        }
                    }
                    Truth::False => {}
                }
            }
            found
        })
    }

    pub(crate) fn quantifier(&mut self, quant: &'a Quant) -> Judgement {
        let universal = quant.quantifier == Quantifier::All;
        let decisive = if universal { Truth::False } else { Truth::True };
        let body = Body {
            var: quant.var.as_deref(),
            cond: quant.body.as_ref(),
        };
        let req = self.req;
        let all: &'a [Event] = req.events_slice(&quant.kind);
        // Events dated before the body's floor cannot make it true (the
        // slice is sorted by date).
        let from = self.floor_index(quant, all);
        let candidates = all.get(from..).unwrap_or_default();
        let events: Vec<&'a Event> = match self.join_value(quant) {
            // Only events with that ref, or none, can make the body true.
            Some(wanted) => candidates
                .iter()
                .filter(|e| e.reference.as_deref().is_none_or(|r| r == wanted))
                .collect(),
            None => candidates.iter().collect(),
        };
        let mut found = self.search(&events, body, Some(decisive));
        if found.decided.is_none() {
            // The events a join skipped are false, not decisive: without the
            // join the latest judged would be the latest of all.
            found.latest = all.last();
        }
        let judgement = match found.decided {
            Some(event) => Judgement::known(!universal, self.explain_event(body, event)),
            None => self.settle(universal, &quant.kind, all.len(), &found, body),
        };
        if quant.quantifier == Quantifier::No {
            Judgement {
                truth: judgement.truth.not(),
                ..judgement
            }
        } else {
            judgement
        }
    }

    /// The `ref` an `exists`/`no` may restrict its events to, when its body
    /// has a join ([`Quant::join`]) whose other side has a value.
    fn join_value(&self, quant: &Quant) -> Option<&'a str> {
        if quant.quantifier == Quantifier::All {
            // Events skipped by a join are false: decisive for `all`.
            return None;
        }
        match quant.join.as_ref()? {
            StrRef::EventRef(var) => self.event(var).ok()?.reference.as_deref(),
            StrRef::Fact(path) => match self.req.fact(path)? {
                crate::request::FactValue::Str(value) => Some(value.as_str()),
                _ => None,
            },
        }
    }

    /// The first event (of `all`, sorted by date) not ruled out by the
    /// quantifier's date floor; 0 without one, for `all`, or when the
    /// floor's date is unknown.
    fn floor_index(&self, quant: &Quant, all: &[Event]) -> usize {
        if quant.quantifier == Quantifier::All {
            return 0;
        }
        let Some(floor) = &quant.floor else {
            return 0;
        };
        match self.date(&floor.expr) {
            Ok(bound) if floor.strict => all.partition_point(|e| e.date <= bound.date),
            Ok(bound) => all.partition_point(|e| e.date < bound.date),
            Err(_) => 0,
        }
    }

    /// The judgement when no event decided: unknown if any was undecided,
    /// otherwise true for `all` (`universal`) and false for `exists`.
    fn settle(
        &mut self,
        universal: bool,
        kind: &str,
        count: usize,
        found: &Search<'a>,
        body: Body<'a>,
    ) -> Judgement {
        let scope = format!("{kind} on or before {}", self.today());
        if !found.unknown.is_empty() {
            let question = if universal { "every" } else { "any" };
            let why = self.explain_unknowns(found, body);
            return Judgement {
                truth: Truth::Unknown,
                needed: found.needed.clone(),
                evidence: self
                    .say(|| format!("whether {question} {scope} qualifies is unknown: {why}")),
            };
        }
        let subject = if universal { "every" } else { "no" };
        let evidence = match found.latest {
            None => self.say(|| format!("no {scope}")),
            Some(event) => {
                let latest = self.explain_event(body, event);
                self.say(|| match count {
                    1 => format!("{subject} {scope} qualifies: {latest}"),
                    _ => format!("{subject} {scope} qualifies ({count} checked; latest: {latest})"),
                })
            }
        };
        Judgement::known(universal, evidence)
    }

    /// The evidence of the latest few undecided events.
    fn explain_unknowns(&mut self, found: &Search<'a>, body: Body<'a>) -> String {
        if !self.explain {
            return String::new();
        }
        let reasons: Vec<String> = found
            .unknown
            .iter()
            .take(EXPLAINED_UNKNOWNS)
            .map(|event| self.judge_event(body, event).evidence)
            .collect();
        join_distinct(reasons.iter().map(String::as_str))
    }

    pub(crate) fn each(
        &mut self,
        kind: &'a str,
        var: &'a str,
        cond: &'a Expr,
        due: Option<&'a DateExpr>,
    ) -> Outcome {
        let body = Body {
            var: Some(var),
            cond: Some(cond),
        };
        let req = self.req;
        let events: Vec<&'a Event> = req.events_of(kind).collect();
        let found = self.search(&events, body, None);
        let mut needed = found.needed.clone();
        let mut instances = Vec::new();
        for event in &found.held {
            let mut evidence = self.explain_event(body, event);
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
        }
        instances.sort_by(|a, b| {
            (a.event.date, &a.event.reference).cmp(&(b.event.date, &b.event.reference))
        });
        if instances.is_empty() {
            let judgement = self.settle(false, kind, events.len(), &found, body);
            return Outcome {
                truth: judgement.truth,
                due: None,
                instances,
                needed,
                evidence: judgement.evidence,
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
            "{} of {} {kind} on or before {} qualify: {}",
            instances.len(),
            events.len(),
            self.today(),
            listed.join("; ")
        );
        if !found.unknown.is_empty() {
            let why = self.explain_unknowns(&found, body);
            evidence.push_str(&format!("; undecided: {why}"));
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
