//! Counterfactuals: for a denied request, the smallest sets of fact or event
//! changes that would make it allowed — each found by search and checked by
//! re-evaluating the changed request, never guessed.
//!
//! For each reason rule, the candidate changes come from what the rule reads
//! (facts: every value of their domain or the literals of the policy ±1;
//! temporal definitions: remove events of the kinds they read, add one dated
//! on the request date, a day before, or at the edges of their windows;
//! materials and list items the policy mentions). Changes that clear a
//! reason on their own (or, failing that, in pairs) are combined one per
//! reason, the combinations re-evaluated, reasons that only then appear are
//! fixed in a further round, and every solution is shrunk to a minimal one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::decision::Decision;
use crate::engine::Engine;
use crate::request::{FactValue, Request};

use super::changes::{apply_all, candidates, normalise, Change};
use super::space::Space;

/// Bounds of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhyNotOptions {
    /// Most solutions reported.
    pub max_solutions: usize,
    /// Most evaluations spent (the search says so when it runs out).
    pub max_evaluations: usize,
    /// Most changes in one solution.
    pub max_changes: usize,
}

impl Default for WhyNotOptions {
    fn default() -> Self {
        WhyNotOptions {
            max_solutions: 5,
            max_evaluations: 10_000,
            max_changes: 8,
        }
    }
}

/// One verified way to an allow.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The changes, in a stable order.
    pub changes: Vec<Change>,
    /// The changed request.
    pub request: Request,
    /// Its decision (an allow), from re-evaluation.
    pub decision: Decision,
    /// Other verified dates for the events it adds and the date facts it
    /// sets: (index of the change, dates), when the search found the same
    /// solution with them.
    pub alternatives: Vec<(usize, Vec<String>)>,
}

impl Solution {
    /// "set a = true and remove the x of 2022-03-01".
    pub fn describe(&self) -> String {
        self.lines().join(" and ")
    }

    /// One line per change, with the verified alternative dates of added events.
    pub fn lines(&self) -> Vec<String> {
        self.changes
            .iter()
            .enumerate()
            .map(
                |(i, c)| match self.alternatives.iter().find(|(j, _)| *j == i) {
                    Some((_, dates)) => format!("{c} (also verified: {})", dates.join(", ")),
                    None => c.to_string(),
                },
            )
            .collect()
    }
}

/// The answer of a why-not search.
#[derive(Debug, Clone)]
pub struct WhyNot {
    /// The decision of the request as given.
    pub decision: Decision,
    /// Minimal verified solutions, smallest first (empty for an allowed request).
    pub solutions: Vec<Solution>,
    /// Reasons for which no candidate change (alone or in pairs) clears the rule.
    pub unfixable: Vec<String>,
    /// Evaluations spent.
    pub evaluations: usize,
    /// Whether the evaluation bound was reached before the search ended.
    pub exhausted: bool,
}

impl WhyNot {
    /// Whether the request is already allowed.
    pub fn allowed(&self) -> bool {
        self.decision.is_allow()
    }

    /// The answer as `pdao why-not --json` prints it (and the WASM
    /// binding's `whyNot` returns it): `decision`, `reasons`, `solutions`
    /// (each `changes`, one sentence per change, and the changed `request`),
    /// `unfixable`, `evaluations`, `bound_reached`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "decision": if self.allowed() { "allow" } else { "deny" },
            "reasons": self.decision.reason_ids(),
            "solutions": self.solutions.iter().map(|s| serde_json::json!({
                "changes": s.lines(),
                "request": s.request.to_json(),
            })).collect::<Vec<_>>(),
            "unfixable": self.unfixable,
            "evaluations": self.evaluations,
            "bound_reached": self.exhausted,
        })
    }
}

/// Searches for minimal changes that make a denied request allowed.
pub fn why_not(engine: &Engine, request: &Request, options: &WhyNotOptions) -> WhyNot {
    let space = Space::new(engine.bundle());
    let mut search = Search::new(engine, &space, request, options.max_evaluations);
    let decision = engine.decide(request);
    search.evaluations += 1;
    if decision.is_allow() {
        return WhyNot {
            decision,
            solutions: Vec::new(),
            unfixable: Vec::new(),
            evaluations: search.evaluations,
            exhausted: false,
        };
    }
    let mut found: Vec<Vec<Change>> = Vec::new();
    let mut unfixable = BTreeSet::new();
    let mut frontier: Vec<Vec<Change>> = vec![Vec::new()];
    for round in 0..4 {
        let mut next: BTreeMap<String, Vec<Change>> = BTreeMap::new();
        for state in &frontier {
            if found.iter().any(|s| is_subset(s, state)) {
                continue;
            }
            let Some(summary) = search.eval(state) else {
                break;
            };
            if summary.allow {
                found.push(state.clone());
                continue;
            }
            if state.len() >= options.max_changes {
                continue;
            }
            let mut per_reason: Vec<Vec<Vec<Change>>> = Vec::new();
            for reason in &summary.reasons {
                let fixes = search.fixes(state, reason);
                if fixes.is_empty() {
                    if round == 0 {
                        unfixable.insert(reason.clone());
                    }
                    continue;
                }
                per_reason.push(fixes);
            }
            if per_reason.is_empty() {
                continue;
            }
            // One fix alone may clear several reasons: try each on its own too.
            for fix in per_reason.iter().flatten() {
                let mut changes = state.clone();
                changes.extend(fix.iter().cloned());
                if let Some(changes) = normalise(changes) {
                    if changes.len() <= options.max_changes {
                        next.insert(key_of(&changes), changes);
                    }
                }
            }
            for combo in combinations(&per_reason, 400) {
                let mut changes = state.clone();
                changes.extend(combo);
                if let Some(changes) = normalise(changes) {
                    if changes.len() <= options.max_changes {
                        next.insert(key_of(&changes), changes);
                    }
                }
            }
        }
        let mut states: Vec<Vec<Change>> = next
            .into_values()
            .filter(|s| !found.iter().any(|f| is_subset(f, s)))
            .collect();
        states.sort_by_key(|s| (s.len(), key_of(s)));
        states.truncate(600);
        // Evaluate this round's states before expanding any of them further.
        let mut expand = Vec::new();
        for state in states {
            if found.iter().any(|f| is_subset(f, &state)) {
                continue;
            }
            match search.eval(&state) {
                Some(s) if s.allow => found.push(state),
                Some(_) => expand.push(state),
                None => break,
            }
        }
        if search.exhausted || expand.is_empty() || found.len() >= options.max_solutions * 4 {
            break;
        }
        frontier = expand;
    }
    // Shrink each solution, keep the minimal ones.
    let mut minimal: Vec<Vec<Change>> = Vec::new();
    for changes in found {
        let shrunk = search.shrink(changes);
        if !minimal.contains(&shrunk) {
            minimal.push(shrunk);
        }
    }
    let all = minimal.clone();
    minimal.retain(|s| !all.iter().any(|o| o != s && is_subset(o, s)));
    minimal.sort_by_key(|s| (s.len(), key_of(s)));
    // Solutions that differ only in an added event's dates are one solution
    // with verified alternatives.
    let mut shapes: Vec<(String, Vec<Vec<Change>>)> = Vec::new();
    for s in minimal {
        let shape = shape_of(&s);
        match shapes.iter_mut().find(|(k, _)| *k == shape) {
            Some((_, group)) => group.push(s),
            None => shapes.push((shape, vec![s])),
        }
    }
    shapes.truncate(options.max_solutions);
    let solutions = shapes
        .into_iter()
        .filter_map(|(_, mut group)| {
            if group.is_empty() {
                return None;
            }
            let best = group
                .iter()
                .enumerate()
                .min_by_key(|(i, g)| (distance(request, g), *i))
                .map_or(0, |(i, _)| i);
            let mut changes = group.remove(best);
            changes.sort_by_key(|c| (rank(c), c.key()));
            let request = apply_all(request, &changes);
            let decision = engine.decide(&request);
            let alternatives = alternative_dates(&changes, &group);
            decision.is_allow().then_some(Solution {
                changes,
                request,
                decision,
                alternatives,
            })
        })
        .collect();
    WhyNot {
        decision,
        solutions,
        unfixable: unfixable.into_iter().collect(),
        evaluations: search.evaluations,
        exhausted: search.exhausted,
    }
}

/// Greedily changes a request until it is allowed (or no fix helps),
/// spending at most `budget` evaluations: used to build complete base
/// requests for generators.
pub(crate) fn repair(engine: &Engine, space: &Space, request: &Request, budget: usize) -> Request {
    let mut search = Search::new(engine, space, request, budget);
    let mut state: Vec<Change> = Vec::new();
    for _ in 0..12 {
        let Some(summary) = search.eval(&state) else {
            break;
        };
        if summary.allow {
            break;
        }
        let before = summary.reasons.len();
        let mut progressed = false;
        for reason in &summary.reasons {
            let fixes = search.fixes(&state, reason);
            for fix in fixes {
                let mut candidate = state.clone();
                candidate.extend(fix);
                let Some(candidate) = normalise(candidate) else {
                    continue;
                };
                match search.eval(&candidate) {
                    Some(s) if s.reasons.len() < before || s.allow => {
                        state = candidate;
                        progressed = true;
                        break;
                    }
                    Some(_) => {}
                    None => break,
                }
            }
            if progressed {
                break;
            }
        }
        if !progressed {
            break;
        }
    }
    apply_all(request, &state)
}

#[derive(Clone)]
struct Summary {
    allow: bool,
    reasons: Vec<String>,
}

struct Search<'a> {
    engine: &'a Engine,
    space: &'a Space,
    request: &'a Request,
    budget: usize,
    evaluations: usize,
    exhausted: bool,
    cache: HashMap<String, Summary>,
    fixes: HashMap<(String, String), Vec<Vec<Change>>>,
}

impl<'a> Search<'a> {
    fn new(engine: &'a Engine, space: &'a Space, request: &'a Request, budget: usize) -> Self {
        Search {
            engine,
            space,
            request,
            budget,
            evaluations: 0,
            exhausted: false,
            cache: HashMap::new(),
            fixes: HashMap::new(),
        }
    }

    /// Evaluates the request with these changes; `None` once out of budget.
    /// A change set that makes the request invalid (e.g. a fact implying
    /// another) is never an allow.
    fn eval(&mut self, changes: &[Change]) -> Option<Summary> {
        let key = key_of(changes);
        if let Some(s) = self.cache.get(&key) {
            return Some(s.clone());
        }
        if self.evaluations >= self.budget {
            self.exhausted = true;
            return None;
        }
        self.evaluations += 1;
        let request = apply_all(self.request, changes);
        let valid = Request::from_json(&request.to_json(), self.space.vocabulary()).is_ok();
        let decision = self.engine.decide(&request);
        let mut reasons: Vec<String> = decision.reasons.iter().map(|r| r.rule.clone()).collect();
        if !valid {
            reasons.push("pdao.invalid_request".into());
        }
        let summary = Summary {
            allow: decision.is_allow() && valid,
            reasons,
        };
        self.cache.insert(key, summary.clone());
        Some(summary)
    }

    /// Candidate changes (alone, else in pairs) that clear `reason` when
    /// added to `state`, each minimal.
    fn fixes(&mut self, state: &[Change], reason: &str) -> Vec<Vec<Change>> {
        let memo = (key_of(state), reason.to_string());
        if let Some(f) = self.fixes.get(&memo) {
            return f.clone();
        }
        let rules = self.space.rules_with_id(reason);
        if rules.is_empty() {
            return Vec::new();
        }
        let current = apply_all(self.request, state);
        let reads = self.space.reads(&rules, self.request.jurisdiction());
        let taken: BTreeSet<String> = state.iter().map(Change::target).collect();
        let cands: Vec<Vec<Change>> = candidates(self.space, &reads, &current)
            .into_iter()
            .filter(|c| c.iter().all(|x| !taken.contains(&x.target())))
            .collect();
        let mut singles = Vec::new();
        for c in &cands {
            let mut changes = state.to_vec();
            changes.extend(c.iter().cloned());
            let Some(changes) = normalise(changes) else {
                continue;
            };
            match self.eval(&changes) {
                Some(s) if !s.reasons.iter().any(|r| r == reason) => singles.push(c.clone()),
                Some(_) => {}
                None => break,
            }
        }
        let mut out = singles;
        if out.is_empty() && cands.len() <= 90 {
            'pairs: for (i, a) in cands.iter().enumerate() {
                for b in cands.iter().skip(i + 1) {
                    let mut fix = a.clone();
                    fix.extend(b.iter().cloned());
                    let Some(fix) = normalise(fix) else { continue };
                    let mut changes = state.to_vec();
                    changes.extend(fix.iter().cloned());
                    let Some(changes) = normalise(changes) else {
                        continue;
                    };
                    match self.eval(&changes) {
                        Some(s) if !s.reasons.iter().any(|r| r == reason) => out.push(fix),
                        Some(_) => {}
                        None => break 'pairs,
                    }
                }
            }
        }
        // Keep minimal fixes only, nearest to the request first, at most
        // three per target so that one fact's many values do not crowd out
        // the other ways.
        out.sort_by_key(|f| (f.len(), distance(&current, f), key_of(f)));
        let mut minimal: Vec<Vec<Change>> = Vec::new();
        let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
        for f in out {
            if minimal.iter().any(|m| is_subset(m, &f)) {
                continue;
            }
            let target = f.iter().map(Change::target).collect::<Vec<_>>().join("+");
            let n = per_target.entry(target).or_insert(0);
            if *n < 3 {
                *n += 1;
                minimal.push(f);
            }
        }
        minimal.truncate(16);
        self.fixes.insert(memo, minimal.clone());
        minimal
    }

    /// Drops changes one at a time while the request stays allowed.
    fn shrink(&mut self, mut changes: Vec<Change>) -> Vec<Change> {
        let mut i = 0;
        while i < changes.len() {
            let mut fewer = changes.clone();
            fewer.remove(i);
            match self.eval(&fewer) {
                Some(s) if s.allow => changes = fewer,
                _ => i += 1,
            }
        }
        changes
    }
}

/// Facts first, then materials, then events.
fn rank(c: &Change) -> u8 {
    match c {
        Change::SetFact { .. } | Change::RemoveFact { .. } => 0,
        Change::AddMaterial(_) | Change::RemoveMaterial(_) => 1,
        Change::RemoveEvent(_) => 2,
        Change::AddEvent(_) => 3,
    }
}

/// A solution with the dates of added events left out.
fn shape_of(changes: &[Change]) -> String {
    let mut parts: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::AddEvent(e) => format!(
                "add event {} {}",
                e.kind,
                e.reference.as_deref().unwrap_or_default()
            ),
            Change::SetFact {
                path,
                value: FactValue::Date(_),
            } => format!("set date {path}"),
            other => other.key(),
        })
        .collect();
    parts.sort();
    parts.join("\u{1f}")
}

/// The date an added event or a set date fact carries.
fn date_of(c: &Change) -> Option<(String, chrono::NaiveDate)> {
    match c {
        Change::AddEvent(e) => Some((
            format!(
                "event {} {}",
                e.kind,
                e.reference.as_deref().unwrap_or_default()
            ),
            e.date,
        )),
        Change::SetFact {
            path,
            value: FactValue::Date(d),
        } => Some((format!("fact {path}"), *d)),
        _ => None,
    }
}

/// For each dated change of `chosen`, the other dates the same-shaped
/// solutions in `others` verified.
fn alternative_dates(chosen: &[Change], others: &[Vec<Change>]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    // Several dated changes vary together, not independently: no list then.
    if chosen.iter().filter(|c| date_of(c).is_some()).count() != 1 {
        return out;
    }
    for (i, c) in chosen.iter().enumerate() {
        let Some((what, date)) = date_of(c) else {
            continue;
        };
        let mut dates: Vec<chrono::NaiveDate> = others
            .iter()
            .flatten()
            .filter_map(date_of)
            .filter(|(w, d)| *w == what && *d != date)
            .map(|(_, d)| d)
            .collect();
        dates.sort();
        dates.dedup();
        if !dates.is_empty() {
            out.push((
                i,
                dates.into_iter().map(crate::dates::format_date).collect(),
            ));
        }
    }
    out
}

/// How far a solution's dates lie from what the request says: a date fact
/// set close to its current value reads as the natural fix.
fn distance(request: &Request, changes: &[Change]) -> i64 {
    changes
        .iter()
        .map(|c| match c {
            Change::SetFact {
                path,
                value: FactValue::Date(d),
            } => match request.fact(path) {
                Some(FactValue::Date(old)) => (*d - *old).num_days().abs(),
                _ => 0,
            },
            _ => 0,
        })
        .sum()
}

fn key_of(changes: &[Change]) -> String {
    let mut keys: Vec<String> = changes.iter().map(Change::key).collect();
    keys.sort();
    keys.join("\u{1f}")
}

fn is_subset(small: &[Change], big: &[Change]) -> bool {
    small.iter().all(|c| big.contains(c))
}

/// Up to `limit` ways of picking one fix per reason, smallest first.
fn combinations(per_reason: &[Vec<Vec<Change>>], limit: usize) -> Vec<Vec<Change>> {
    let mut out: Vec<Vec<Change>> = vec![Vec::new()];
    for fixes in per_reason {
        let mut next = Vec::with_capacity(out.len() * fixes.len());
        for partial in &out {
            for fix in fixes {
                let mut c = partial.clone();
                c.extend(fix.iter().cloned());
                next.push(c);
            }
        }
        next.sort_by_key(Vec::len);
        next.truncate(limit);
        out = next;
    }
    out
}
