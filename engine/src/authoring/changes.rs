//! Changes to a request — set or remove a fact, add or remove an event or a
//! material — and the candidate changes a rule's reads suggest.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;

use crate::dates::{add_days, add_months, format_date};
use crate::request::{Event, FactValue, Request};
use crate::vocabulary::FactType;

use super::space::{Reads, Space};

/// One change to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Give a fact this value.
    SetFact {
        /// `object.fact`.
        path: String,
        /// The new value.
        value: FactValue,
    },
    /// Leave a fact out.
    RemoveFact {
        /// `object.fact`.
        path: String,
    },
    /// Add an event.
    AddEvent(Event),
    /// Remove an event.
    RemoveEvent(Event),
    /// Add an item to `materials`.
    AddMaterial(String),
    /// Remove an item from `materials`.
    RemoveMaterial(String),
}

impl Change {
    /// What the change touches: two changes with the same target conflict.
    pub(crate) fn target(&self) -> String {
        match self {
            Change::SetFact { path, .. } | Change::RemoveFact { path } => format!("fact {path}"),
            Change::AddEvent(e) => format!("add {}", event_key(e)),
            Change::RemoveEvent(e) => format!("remove {}", event_key(e)),
            Change::AddMaterial(m) | Change::RemoveMaterial(m) => format!("material {m}"),
        }
    }

    /// A total order key (target, then value).
    pub(crate) fn key(&self) -> String {
        format!("{} {self}", self.target())
    }

    /// Applies the change (unvalidated: the searches re-validate what they
    /// report).
    pub(crate) fn apply(&self, request: &Request) -> Request {
        match self {
            Change::SetFact { path, value } => request.with_fact(path, Some(value.clone())),
            Change::RemoveFact { path } => request.with_fact(path, None),
            Change::AddEvent(e) => {
                let mut events = request.events().to_vec();
                events.push(e.clone());
                request.with_events(events)
            }
            Change::RemoveEvent(e) => {
                let mut events = request.events().to_vec();
                if let Some(i) = events.iter().position(|x| x == e) {
                    events.remove(i);
                }
                request.with_events(events)
            }
            Change::AddMaterial(m) => {
                let mut items = request
                    .materials()
                    .map(<[String]>::to_vec)
                    .unwrap_or_default();
                if !items.contains(m) {
                    items.push(m.clone());
                    items.sort();
                }
                request.with_materials(Some(items))
            }
            Change::RemoveMaterial(m) => {
                let items = request
                    .materials()
                    .map(|items| items.iter().filter(|x| *x != m).cloned().collect());
                request.with_materials(items)
            }
        }
    }
}

fn event_key(e: &Event) -> String {
    format!(
        "event {} {} {} {}",
        e.kind,
        format_date(e.date),
        e.until.map(format_date).unwrap_or_default(),
        e.reference.as_deref().unwrap_or_default()
    )
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::SetFact { path, value } => write!(f, "set {path} = {}", value.render()),
            Change::RemoveFact { path } => write!(f, "leave out {path}"),
            Change::AddEvent(e) => {
                let article = if e.kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "add {article} {} dated {}", e.kind, format_date(e.date))?;
                if let Some(until) = e.until {
                    write!(f, " until {}", format_date(until))?;
                }
                if let Some(r) = &e.reference {
                    write!(f, " (ref {r})")?;
                }
                Ok(())
            }
            Change::RemoveEvent(e) => {
                write!(f, "remove the {} of {}", e.kind, format_date(e.date))?;
                if let Some(r) = &e.reference {
                    write!(f, " (ref {r})")?;
                }
                Ok(())
            }
            Change::AddMaterial(m) => write!(f, "add {m} to materials"),
            Change::RemoveMaterial(m) => write!(f, "remove {m} from materials"),
        }
    }
}

/// Applies a set of changes in order (unvalidated).
pub fn apply_all(request: &Request, changes: &[Change]) -> Request {
    changes
        .iter()
        .fold(request.clone(), |r, change| change.apply(&r))
}

/// Sorts, removes duplicates; `None` if two changes touch the same target
/// differently.
pub(crate) fn normalise(mut changes: Vec<Change>) -> Option<Vec<Change>> {
    changes.sort_by_key(Change::key);
    changes.dedup();
    let mut targets = BTreeSet::new();
    for c in &changes {
        if !targets.insert(c.target()) {
            return None;
        }
    }
    Some(changes)
}

/// Values worth trying for a fact: the domain of booleans and enums, the
/// integer literals of the policies and ±1, dates around the request date
/// and the other date facts shifted by the definitions' durations, list
/// items the policies mention.
pub(crate) fn candidate_values(
    space: &Space,
    path: &str,
    reads: &Reads,
    request: &Request,
) -> Vec<FactValue> {
    let current = request.fact(path);
    let lits = reads.literals.get(path);
    let mut out: Vec<FactValue> = Vec::new();
    match space.fact_type(path) {
        Some(FactType::Bool) => {
            out.push(FactValue::Bool(true));
            out.push(FactValue::Bool(false));
        }
        Some(FactType::Enum(values)) => {
            out.extend(values.iter().cloned().map(FactValue::Str));
        }
        Some(FactType::Int) => {
            let ints: BTreeSet<i64> = match lits {
                Some(l) if !l.ints.is_empty() => l.ints.clone(),
                _ if !reads.ints.is_empty() => reads.ints.clone(),
                _ => BTreeSet::from([0, 1]),
            };
            let mut values = BTreeSet::new();
            for n in ints {
                values.extend([n.saturating_sub(1), n, n.saturating_add(1)]);
            }
            out.extend(values.into_iter().filter(|v| *v >= 0).map(FactValue::Int));
        }
        Some(FactType::Date) => {
            out.extend(
                candidate_dates(space, path, reads, request)
                    .into_iter()
                    .map(FactValue::Date),
            );
        }
        Some(FactType::List(allowed)) => {
            let mut mentioned: Vec<String> = lits
                .map(|l| {
                    l.strings
                        .iter()
                        .filter(|s| allowed.as_ref().is_none_or(|a| a.contains(s)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            // Open lists are compared with identifiers (`scenario.id in
            // product.approved_scenarios`): offer the ids the request gives.
            if allowed.is_none() {
                for other in &reads.facts {
                    if let (Some(FactType::String), Some(FactValue::Str(id))) =
                        (space.fact_type(other), request.fact(other))
                    {
                        if !mentioned.contains(id) {
                            mentioned.push(id.clone());
                        }
                    }
                }
            }
            let have: Vec<String> = match current {
                Some(FactValue::List(items)) => items.clone(),
                _ => Vec::new(),
            };
            let mut lists: Vec<Vec<String>> = vec![Vec::new()];
            let mut all = have.clone();
            for m in &mentioned {
                if !all.contains(m) {
                    all.push(m.clone());
                }
                let mut with: Vec<String> = have.clone();
                if !with.contains(m) {
                    with.push(m.clone());
                }
                lists.push(with);
                lists.push(have.iter().filter(|x| *x != m).cloned().collect());
            }
            lists.push(all);
            lists.push(
                have.iter()
                    .filter(|x| !mentioned.contains(x))
                    .cloned()
                    .collect(),
            );
            for mut l in lists {
                l.sort();
                l.dedup();
                let v = FactValue::List(l);
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Some(FactType::String) => {
            if let Some(l) = lits {
                out.extend(l.strings.iter().cloned().map(FactValue::Str));
            }
        }
        None => {}
    }
    out.retain(|v| Some(v) != current);
    out
}

/// Dates for a date fact: the request date, the other date facts, each
/// shifted by the definitions' month counts and by a day either way.
pub(crate) fn candidate_dates(
    space: &Space,
    path: &str,
    reads: &Reads,
    request: &Request,
) -> Vec<NaiveDate> {
    let mut anchors = vec![request.date()];
    for other in &reads.facts {
        if other == path || !matches!(space.fact_type(other), Some(FactType::Date)) {
            continue;
        }
        if let Some(FactValue::Date(d)) = request.fact(other) {
            anchors.push(*d);
        }
    }
    let mut out = BTreeSet::new();
    for anchor in anchors {
        for months in std::iter::once(0).chain(reads.months.iter().flat_map(|m| [*m, -m])) {
            let base = add_months(anchor, months);
            for days in [-1, 0, 1] {
                out.insert(add_days(base, days));
            }
        }
    }
    out.into_iter().collect()
}

/// Candidate changes suggested by what `reads` covers, on `request`. Each
/// candidate is a small set of changes (usually one).
pub(crate) fn candidates(space: &Space, reads: &Reads, request: &Request) -> Vec<Vec<Change>> {
    let mut out: Vec<Vec<Change>> = Vec::new();
    for path in &reads.facts {
        if matches!(space.fact_type(path), Some(FactType::String)) {
            continue;
        }
        for value in candidate_values(space, path, reads, request) {
            out.push(vec![Change::SetFact {
                path: path.clone(),
                value,
            }]);
        }
    }
    if reads.reads_materials {
        let have: Vec<String> = request
            .materials()
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let lacking: Vec<Change> = reads
            .materials
            .iter()
            .filter(|m| !have.contains(m))
            .map(|m| Change::AddMaterial(m.clone()))
            .collect();
        for c in &lacking {
            out.push(vec![c.clone()]);
        }
        if lacking.len() > 1 {
            out.push(lacking);
        }
        for m in have.iter().filter(|m| reads.materials.contains(*m)) {
            out.push(vec![Change::RemoveMaterial(m.clone())]);
        }
    }
    let date = request.date();
    let refs: BTreeSet<String> = request
        .events()
        .iter()
        .filter_map(|e| e.reference.clone())
        .collect();
    for kind in &reads.kinds {
        let existing: Vec<&Event> = request
            .events()
            .iter()
            .filter(|e| &e.kind == kind)
            .collect();
        for e in &existing {
            out.push(vec![Change::RemoveEvent((*e).clone())]);
        }
        if existing.len() > 1 {
            out.push(
                existing
                    .iter()
                    .map(|e| Change::RemoveEvent((*e).clone()))
                    .collect(),
            );
        }
        let far = add_months(date, 120);
        let mut dates = vec![date, add_days(date, -1)];
        for m in &reads.months {
            dates.push(add_months(date, -m));
            dates.push(add_days(add_months(date, -m), 1));
        }
        let mut seen = BTreeSet::new();
        for d in dates {
            if !seen.insert(d) {
                continue;
            }
            for until in [None, Some(far)] {
                let mut references: Vec<Option<String>> = vec![None];
                references.extend(refs.iter().cloned().map(Some));
                for reference in references {
                    out.push(vec![Change::AddEvent(Event {
                        kind: kind.clone(),
                        date: d,
                        until,
                        reference,
                    })]);
                }
            }
        }
    }
    out
}
