//! `exists`, `no` and `all` over the events of a kind (dated on or before
//! the request date), and the instances of an `each` definition.
//!
//! Events are searched latest first and without evidence; only the events
//! an evidence sentence cites are judged again with evidence. The cited
//! witness or counterexample is therefore the latest-dated one, and nested
//! quantifiers over long histories stay cheap.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::rc::Rc;

use super::ast::{DateAtom, DateExpr, Expr, JoinForm, Quant, Quantifier, StrRef, Subject};
use super::eval::{cite, join_distinct, Ctx, Instance, Judgement, Outcome, Truth};
use crate::dates::format_date;
use crate::request::{Event, FactValue};

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

/// The events of one kind with each `ref`, and those without one, as
/// positions in the kind's date-sorted slice (ascending).
pub(crate) struct RefIndex<'a> {
    by_ref: HashMap<&'a str, Vec<usize>>,
    with_ref: Vec<usize>,
    without_ref: Vec<usize>,
    /// Whether some event of the kind has no `until`.
    some_without_until: bool,
}

impl<'a> RefIndex<'a> {
    fn new(events: &'a [Event]) -> RefIndex<'a> {
        let mut index = RefIndex {
            by_ref: HashMap::new(),
            with_ref: Vec::new(),
            without_ref: Vec::new(),
            some_without_until: false,
        };
        for (position, event) in events.iter().enumerate() {
            index.some_without_until |= event.until.is_none();
            match &event.reference {
                Some(r) => {
                    index.by_ref.entry(r.as_str()).or_default().push(position);
                    index.with_ref.push(position);
                }
                None => index.without_ref.push(position),
            }
        }
        index
    }
}

/// An optional attribute of an event.
#[derive(Clone, Copy)]
enum Attr {
    Ref,
    Until,
}

impl Attr {
    fn name(self) -> &'static str {
        match self {
            Attr::Ref => "ref",
            Attr::Until => "until",
        }
    }
}

/// Positions in a kind's slice, read latest first.
enum Positions<'s> {
    Range(Range<usize>),
    Listed(std::slice::Iter<'s, usize>),
}

impl Iterator for Positions<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            Positions::Range(range) => range.next_back(),
            Positions::Listed(positions) => positions.next_back().copied(),
        }
    }
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

    /// Judges the events of `all` at the positions `sources` give, latest
    /// first and without evidence, stopping at the first whose truth is
    /// `stop` (never, for `None`).
    ///
    /// The events of a source marked `hopeless` can never be `stop` (see
    /// [`Ctx::candidates`]): they matter only through the unknowns they
    /// add. Once three unknowns are found (all an evidence sentence
    /// explains) and what they need covers everything the body could ever
    /// need ([`Ctx::possible_needed`]), judging more of them cannot change
    /// the search, and they are skipped: one undecided witness stands for
    /// all of them.
    fn search(
        &mut self,
        all: &'a [Event],
        sources: Vec<(Positions<'_>, bool)>,
        body: Body<'a>,
        stop: Option<Truth>,
        kind: &'a str,
        cutoff: Option<&'a Expr>,
    ) -> Search<'a> {
        self.explaining(false, |ctx| {
            let mut found = Search::default();
            let mut sources: Vec<(std::iter::Peekable<Positions<'_>>, bool)> = sources
                .into_iter()
                .map(|(positions, hopeless)| (positions.peekable(), hopeless))
                .collect();
            let mut bound: Option<Rc<BTreeSet<String>>> = None;
            let mut saturated = false;
            loop {
                // The latest event of the sources still read.
                let mut next: Option<(usize, usize)> = None;
                for (i, (positions, hopeless)) in sources.iter_mut().enumerate() {
                    if *hopeless && saturated {
                        continue;
                    }
                    if let Some(&p) = positions.peek() {
                        if next.is_none_or(|(_, q)| p > q) {
                            next = Some((i, p));
                        }
                    }
                }
                let Some((source, position)) = next else {
                    break;
                };
                if let Some((positions, _)) = sources.get_mut(source) {
                    positions.next();
                }
                let Some(event) = all.get(position) else {
                    break;
                };
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
                        if found.unknown.len() >= EXPLAINED_UNKNOWNS
                            && sources.iter().any(|(_, hopeless)| *hopeless)
                        {
                            let bound =
                                bound.get_or_insert_with(|| ctx.possible_needed(body, kind));
                            let bound: &BTreeSet<String> = bound;
                            saturated = bound.is_subset(&found.needed);
                        }
                    }
                    Truth::False => {
                        // The events left are dated on or before this one:
                        // if the cutoff is false here, it is false for them.
                        if let (Some(cutoff), Some(var)) = (cutoff, body.var) {
                            let cut = ctx.with_bound(var, event, |ctx| ctx.judge(cutoff));
                            if cut.truth == Truth::False {
                                break;
                            }
                        }
                    }
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
        // Events dated before the body's floor or after its ceiling cannot
        // make it true (the slice is sorted by date).
        let from = self.floor_index(quant, all);
        let to = self.ceiling_index(quant, all).max(from);
        let index = match (&quant.join, universal) {
            (Some(_), false) => Some(self.ref_index(&quant.kind, all)),
            _ => None,
        };
        let sources = self.candidates(quant, index.as_deref(), from..to);
        let cutoff = quant.cutoff.as_deref().filter(|_| !universal);
        let mut found = self.search(all, sources, body, Some(decisive), &quant.kind, cutoff);
        if found.decided.is_none() {
            // The events a join or a bound skipped are false, not decisive:
            // without them the latest judged would be the latest of all.
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

    /// The events an `exists`/`no` must judge, within `range` (positions
    /// in the kind's slice), as sources for [`Ctx::search`], each marked
    /// whether its events are hopeless (the body can never hold for them).
    /// A join ([`Quant::join`]) whose other side `X` has a value `w` leaves
    /// the events with the `ref` `w`, and those without a `ref` — which
    /// hold for `matches` and are hopeless for the other two forms, whose
    /// equality is unknown for them. When `X` has no value, `VAR.ref == X`
    /// is unknown for every event (all hopeless), `X absent or …` true
    /// (all judged), and `matches` unknown for events with a `ref`
    /// (hopeless) and true for the others.
    fn candidates<'s>(
        &self,
        quant: &Quant,
        index: Option<&'s RefIndex<'a>>,
        range: Range<usize>,
    ) -> Vec<(Positions<'s>, bool)> {
        let (Some(join), Some(index)) = (&quant.join, index) else {
            return vec![(Positions::Range(range), false)];
        };
        let within = |positions: &'s [usize]| {
            let lo = positions.partition_point(|&p| p < range.start);
            let hi = positions.partition_point(|&p| p < range.end);
            Positions::Listed(positions.get(lo..hi.max(lo)).unwrap_or_default().iter())
        };
        match (self.join_value(&join.value), join.form) {
            (Some(wanted), form) => {
                let with = index.by_ref.get(wanted).map_or(&[][..], Vec::as_slice);
                vec![
                    (within(with), false),
                    (within(&index.without_ref), form != JoinForm::Matches),
                ]
            }
            (None, JoinForm::Equal) => vec![(Positions::Range(range), true)],
            (None, JoinForm::Guarded) => vec![(Positions::Range(range), false)],
            (None, JoinForm::Matches) => vec![
                (within(&index.without_ref), false),
                (within(&index.with_ref), true),
            ],
        }
    }

    /// The events of `kind` by `ref`, built once per evaluation.
    fn ref_index(&mut self, kind: &'a str, all: &'a [Event]) -> Rc<RefIndex<'a>> {
        self.indexes
            .entry(kind)
            .or_insert_with(|| Rc::new(RefIndex::new(all)))
            .clone()
    }

    /// The value of a join's other side, if it has one.
    fn join_value(&self, value: &StrRef) -> Option<&'a str> {
        match value {
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

    /// One past the last event (of `all`, sorted by date) not ruled out by
    /// the quantifier's date ceiling; `all.len()` without one, for `all`,
    /// or when the ceiling's date is unknown.
    fn ceiling_index(&self, quant: &Quant, all: &[Event]) -> usize {
        if quant.quantifier == Quantifier::All {
            return all.len();
        }
        let Some(ceiling) = &quant.ceiling else {
            return all.len();
        };
        match self.date(&ceiling.expr) {
            Ok(bound) if ceiling.strict => all.partition_point(|e| e.date < bound.date),
            Ok(bound) => all.partition_point(|e| e.date <= bound.date),
            Err(_) => all.len(),
        }
    }

    /// Every fact or event attribute the body could need for some event of
    /// `kind` bound to its variable, given the events bound around it and
    /// the events of the request: an upper bound of the `needed` of any of
    /// its verdicts.
    /// The bound depends only on the body and on which bound events have
    /// a `ref` and an `until` (the request is fixed): it is kept by both.
    fn possible_needed(&mut self, body: Body<'a>, kind: &'a str) -> Rc<BTreeSet<String>> {
        let (Some(var), Some(cond)) = (body.var, body.cond) else {
            return Rc::new(BTreeSet::new());
        };
        let key = self
            .env_shape()
            .map(|shape| (std::ptr::from_ref(cond) as usize, shape));
        if let Some(known) = key.and_then(|key| self.bounds.get(&key)) {
            return known.clone();
        }
        let mut out = BTreeSet::new();
        let mut free = vec![(var, kind)];
        self.gaps_of(cond, &mut free, &mut out);
        let out = Rc::new(out);
        if let Some(key) = key {
            self.bounds.insert(key, out.clone());
        }
        out
    }

    /// What `expr` could need, with the variables of `free` bound to any
    /// event of their kind.
    fn gaps_of(
        &mut self,
        expr: &'a Expr,
        free: &mut Vec<(&'a str, &'a str)>,
        out: &mut BTreeSet<String>,
    ) {
        match expr {
            Expr::Bool(_) => {}
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|item| self.gaps_of(item, free, out));
            }
            Expr::Not(inner) => self.gaps_of(inner, free, out),
            Expr::Quant(quant) => {
                if let (Some(var), Some(cond)) = (&quant.var, &quant.body) {
                    free.push((var, &quant.kind));
                    self.gaps_of(cond, free, out);
                    free.pop();
                }
            }
            Expr::Cadence(cadence) => {
                self.date_gaps(&cadence.anchor, free, out);
                self.date_gaps(&cadence.end, free, out);
                if let Some(path) = &cadence.matching {
                    self.str_fact_gap(path, out);
                }
            }
            Expr::Matches { var, path } => {
                self.var_gap(free, var, None, out);
                self.str_fact_gap(path, out);
            }
            Expr::Presence { subject, .. } => match subject {
                Subject::Fact(_) => {}
                Subject::Until(var) | Subject::Ref(var) => self.var_gap(free, var, None, out),
            },
            Expr::Within { event, anchor, .. } => {
                self.date_gaps(event, free, out);
                self.date_gaps(anchor, free, out);
            }
            Expr::CompareDates(left, _, right) => {
                self.date_gaps(left, free, out);
                self.date_gaps(right, free, out);
            }
            Expr::CompareStrings(left, _, right) => {
                for side in [left, right] {
                    match side {
                        StrRef::EventRef(var) => self.var_gap(free, var, Some(Attr::Ref), out),
                        StrRef::Fact(path) => self.str_fact_gap(path, out),
                    }
                }
            }
        }
    }

    fn date_gaps(
        &mut self,
        date: &'a DateExpr,
        free: &[(&'a str, &'a str)],
        out: &mut BTreeSet<String>,
    ) {
        match &date.atom {
            DateAtom::Today => {}
            DateAtom::EventDate(var) => self.var_gap(free, var, None, out),
            DateAtom::EventUntil(var) => self.var_gap(free, var, Some(Attr::Until), out),
            DateAtom::Fact(path) => {
                if !matches!(self.req.fact(path), Some(FactValue::Date(_))) {
                    out.insert(path.clone());
                }
            }
            DateAtom::LastDay(start, _) => self.date_gaps(start, free, out),
        }
    }

    fn str_fact_gap(&self, path: &str, out: &mut BTreeSet<String>) {
        if !matches!(self.req.fact(path), Some(FactValue::Str(_))) {
            out.insert(path.to_string());
        }
    }

    /// What reading `attr` (or only the binding) of `var` could need: for
    /// a variable of `free`, the attribute of its kind if some event of
    /// that kind lacks it; for a bound one, if its event lacks it.
    fn var_gap(
        &mut self,
        free: &[(&'a str, &'a str)],
        var: &str,
        attr: Option<Attr>,
        out: &mut BTreeSet<String>,
    ) {
        if let Some(&(_, kind)) = free.iter().rev().find(|(name, _)| *name == var) {
            if let Some(attr) = attr {
                let req = self.req;
                let index = self.ref_index(kind, req.events_slice(kind));
                let lacking = match attr {
                    Attr::Ref => !index.without_ref.is_empty(),
                    Attr::Until => index.some_without_until,
                };
                if lacking {
                    out.insert(format!("{kind}.{}", attr.name()));
                }
            }
            return;
        }
        match self.event(var) {
            Ok(event) => {
                let lacking = match attr {
                    Some(Attr::Ref) => event.reference.is_none(),
                    Some(Attr::Until) => event.until.is_none(),
                    None => false,
                };
                if let (true, Some(attr)) = (lacking, attr) {
                    out.insert(format!("{}.{}", event.kind, attr.name()));
                }
            }
            Err(gap) => {
                out.insert(gap.needed);
            }
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
        let scope = self.say(|| format!("{kind} on or before {}", self.today()));
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
        let events: &'a [Event] = req.events_slice(kind);
        let all = vec![(Positions::Range(0..events.len()), false)];
        let found = self.search(events, all, body, None, kind, None);
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
