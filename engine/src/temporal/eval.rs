//! Evaluating definitions against a request: three-valued (Kleene) logic,
//! the quantifiers over the event history, and a readable evidence
//! sentence for every result. Atoms (dates, comparisons, windows) are in
//! `values`, cadences in `cadence`.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::ast::{Body, DateExpr, Definition, Expr, Quant, Quantifier};
use crate::dates::format_date;
use crate::request::{Event, Request};

/// A three-valued truth value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on facts the request does not give (listed in `needed`).
    Unknown,
}

impl Truth {
    pub(crate) fn of(value: bool) -> Truth {
        if value {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Kleene negation: `¬unknown = unknown`.
    pub(crate) fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

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
    /// One readable sentence naming the deciding events and dates.
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

/// A judged condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) truth: Truth,
    pub(crate) needed: BTreeSet<String>,
    pub(crate) evidence: String,
}

impl Verdict {
    pub(crate) fn known(value: bool, evidence: String) -> Verdict {
        Verdict {
            truth: Truth::of(value),
            needed: BTreeSet::new(),
            evidence,
        }
    }

    pub(crate) fn unknown(gaps: Vec<Gap>) -> Verdict {
        let mut needed = BTreeSet::new();
        let mut evidence: Vec<String> = Vec::new();
        for gap in gaps {
            needed.insert(gap.needed);
            if !evidence.contains(&gap.evidence) {
                evidence.push(gap.evidence);
            }
        }
        Verdict {
            truth: Truth::Unknown,
            needed,
            evidence: evidence.join("; "),
        }
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

/// The evaluation context: the request and the bound variables.
pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a Request,
    env: Vec<(&'a str, &'a Event)>,
}

impl Definition {
    /// Evaluates the definition against a request, as of the request date.
    pub fn evaluate(&self, req: &Request) -> Outcome {
        let mut ctx = Ctx {
            req,
            env: Vec::new(),
        };
        match &self.body {
            Body::Fact(expr) => {
                let verdict = ctx.judge(expr);
                Outcome {
                    truth: verdict.truth,
                    due: None,
                    instances: Vec::new(),
                    needed: verdict.needed,
                    evidence: verdict.evidence,
                }
            }
            Body::Due(date) => match ctx.date(date) {
                Ok(value) => Outcome {
                    truth: Truth::True,
                    due: Some(value.date),
                    instances: Vec::new(),
                    needed: BTreeSet::new(),
                    evidence: format!("due {}", value.text),
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

    fn today(&self) -> String {
        format_date(self.req.date())
    }

    pub(crate) fn judge(&mut self, expr: &'a Expr) -> Verdict {
        match expr {
            Expr::Bool(value) => Verdict::known(*value, format!("`{value}`")),
            Expr::And(items) => self.connective(items, Truth::False),
            Expr::Or(items) => self.connective(items, Truth::True),
            Expr::Not(inner) => {
                let verdict = self.judge(inner);
                Verdict {
                    truth: verdict.truth.not(),
                    ..verdict
                }
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

    /// Kleene `and` (`decisive` = false) or `or` (`decisive` = true): the
    /// first decisive operand decides and is cited; otherwise any unknown
    /// makes the result unknown; otherwise every operand is cited.
    fn connective(&mut self, items: &'a [Expr], decisive: Truth) -> Verdict {
        let verdicts: Vec<Verdict> = items.iter().map(|e| self.judge(e)).collect();
        if let Some(decider) = verdicts.iter().find(|v| v.truth == decisive) {
            return Verdict {
                truth: decisive,
                needed: BTreeSet::new(),
                evidence: decider.evidence.clone(),
            };
        }
        let unknown: Vec<&Verdict> = verdicts
            .iter()
            .filter(|v| v.truth == Truth::Unknown)
            .collect();
        if !unknown.is_empty() {
            return Verdict {
                truth: Truth::Unknown,
                needed: unknown
                    .iter()
                    .flat_map(|v| v.needed.iter().cloned())
                    .collect(),
                evidence: join_distinct(unknown.iter().map(|v| v.evidence.as_str())),
            };
        }
        Verdict {
            truth: decisive.not(),
            needed: BTreeSet::new(),
            evidence: join_distinct(verdicts.iter().map(|v| v.evidence.as_str())),
        }
    }

    /// Judges `body` for each event of `kind` (date ≤ request date), with
    /// `var` bound to it. Without a body every event qualifies.
    fn each_event(
        &mut self,
        kind: &'a str,
        var: Option<&'a str>,
        body: Option<&'a Expr>,
    ) -> Vec<(&'a Event, Verdict)> {
        let req = self.req;
        req.events_of(kind)
            .map(|event| {
                let verdict = match (var, body) {
                    (Some(var), Some(body)) => {
                        self.env.push((var, event));
                        let verdict = self.judge(body);
                        self.env.pop();
                        verdict
                    }
                    _ => Verdict::known(true, format!("{} is on record", event.describe())),
                };
                (event, verdict)
            })
            .collect()
    }

    fn quantifier(&mut self, quant: &'a Quant) -> Verdict {
        let judged = self.each_event(&quant.kind, quant.var.as_deref(), quant.body.as_ref());
        let kind = &quant.kind;
        let scope = format!("{kind} on or before {}", self.today());
        let verdict = match quant.quantifier {
            Quantifier::Exists | Quantifier::No => exists(&judged, &scope),
            Quantifier::All => all(&judged, &scope),
        };
        if quant.quantifier == Quantifier::No {
            Verdict {
                truth: verdict.truth.not(),
                ..verdict
            }
        } else {
            verdict
        }
    }

    fn each(
        &mut self,
        kind: &'a str,
        var: &'a str,
        cond: &'a Expr,
        due: Option<&'a DateExpr>,
    ) -> Outcome {
        let judged = self.each_event(kind, Some(var), Some(cond));
        let scope = format!("{kind} on or before {}", self.today());
        let mut instances = Vec::new();
        let mut needed = BTreeSet::new();
        let mut undecided = Vec::new();
        for (event, verdict) in &judged {
            match verdict.truth {
                Truth::True => {
                    let mut evidence = cite(event, &verdict.evidence);
                    let mut date = None;
                    if let Some(due) = due {
                        self.env.push((var, event));
                        match self.date(due) {
                            Ok(value) => {
                                date = Some(value.date);
                                evidence.push_str(&format!("; due {}", value.text));
                            }
                            Err(gap) => {
                                evidence.push_str(&format!("; no due date: {}", gap.evidence));
                                needed.insert(gap.needed);
                            }
                        }
                        self.env.pop();
                    }
                    instances.push(Instance {
                        event: (*event).clone(),
                        due: date,
                        evidence,
                    });
                }
                Truth::Unknown => {
                    needed.extend(verdict.needed.iter().cloned());
                    undecided.push(cite(event, &verdict.evidence));
                }
                Truth::False => {}
            }
        }
        instances.sort_by(|a, b| {
            (a.event.date, &a.event.reference).cmp(&(b.event.date, &b.event.reference))
        });
        let truth = if !instances.is_empty() {
            Truth::True
        } else if !undecided.is_empty() {
            Truth::Unknown
        } else {
            Truth::False
        };
        let mut evidence = match truth {
            Truth::True => {
                let listed: Vec<String> = instances
                    .iter()
                    .map(|i| match i.due {
                        Some(due) => format!("{} (due {})", i.event.describe(), format_date(due)),
                        None => i.event.describe(),
                    })
                    .collect();
                format!(
                    "{} of {} {scope} qualify: {}",
                    instances.len(),
                    judged.len(),
                    listed.join("; ")
                )
            }
            Truth::Unknown => format!("whether any {scope} qualifies is unknown"),
            Truth::False => exists(&judged, &scope).evidence,
        };
        if !undecided.is_empty() {
            evidence.push_str(&format!("; undecided: {}", undecided.join("; ")));
        }
        Outcome {
            truth,
            due: None,
            instances,
            needed,
            evidence,
        }
    }
}

/// Kleene `or` over the events; the latest-dated witness is cited.
fn exists(judged: &[(&Event, Verdict)], scope: &str) -> Verdict {
    if let Some((event, verdict)) = judged.iter().rev().find(|(_, v)| v.truth == Truth::True) {
        return Verdict::known(true, cite(event, &verdict.evidence));
    }
    if let Some(unknown) = undecided(judged, &format!("whether any {scope} qualifies")) {
        return unknown;
    }
    Verdict::known(false, summary(judged, &format!("no {scope}"), "qualifies"))
}

/// Kleene `and` over the events; the latest-dated counterexample is cited.
fn all(judged: &[(&Event, Verdict)], scope: &str) -> Verdict {
    if let Some((event, verdict)) = judged.iter().rev().find(|(_, v)| v.truth == Truth::False) {
        return Verdict::known(false, cite(event, &verdict.evidence));
    }
    if let Some(unknown) = undecided(judged, &format!("whether every {scope} qualifies")) {
        return unknown;
    }
    if judged.is_empty() {
        return Verdict::known(true, format!("no {scope}"));
    }
    Verdict::known(
        true,
        summary(judged, &format!("every {scope}"), "qualifies"),
    )
}

/// The unknown verdict of a quantifier, when some event is undecided.
fn undecided(judged: &[(&Event, Verdict)], question: &str) -> Option<Verdict> {
    let unknown: Vec<&(&Event, Verdict)> = judged
        .iter()
        .filter(|(_, v)| v.truth == Truth::Unknown)
        .collect();
    if unknown.is_empty() {
        return None;
    }
    Some(Verdict {
        truth: Truth::Unknown,
        needed: unknown
            .iter()
            .flat_map(|(_, v)| v.needed.iter().cloned())
            .collect(),
        evidence: format!(
            "{question} is unknown: {}",
            join_distinct(unknown.iter().map(|(_, v)| v.evidence.as_str()))
        ),
    })
}

/// "no K on or before D" when there are no events; otherwise the subject,
/// the verb and the latest event with its evidence.
fn summary(judged: &[(&Event, Verdict)], subject: &str, verb: &str) -> String {
    match judged {
        [] => subject.to_string(),
        [(event, verdict)] => format!("{subject} {verb}: {}", cite(event, &verdict.evidence)),
        [.., (event, verdict)] => format!(
            "{subject} {verb} ({} checked; latest: {})",
            judged.len(),
            cite(event, &verdict.evidence)
        ),
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
fn join_distinct<'s>(parts: impl Iterator<Item = &'s str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if !part.is_empty() && !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join("; ")
}
