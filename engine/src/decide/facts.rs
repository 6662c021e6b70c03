//! The facts of one decision: the request's values as the compiled set's
//! slots read them, and the temporal definitions, each decided on first
//! read (without evidence) and explained only when a decision cites it.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use crate::load::Bundle;
use crate::request::{FactValue, Request};
use crate::temporal::{Definition, Outcome};

use super::compile::{Compiled, Slot, SlotId};

/// What a slot holds for this request.
pub(crate) enum Value<'a> {
    Fact(&'a FactValue),
    Temporal(&'a Outcome),
    Materials(&'a [String]),
    /// Not given (a fact, `materials`, or a definition not visible).
    Absent,
}

/// The facts a compiled set reads, for one request.
pub(crate) struct Facts<'a> {
    request: &'a Request,
    compiled: &'a Compiled,
    definitions: Vec<&'a Definition>,
    /// Decided without evidence, on first read.
    decided: Vec<OnceCell<Outcome>>,
    /// Evaluated again with evidence, when an explanation cites them.
    explained: Vec<OnceCell<Outcome>>,
}

impl<'a> Facts<'a> {
    pub(crate) fn new(request: &'a Request, bundle: &'a Bundle, compiled: &'a Compiled) -> Self {
        let definitions: Vec<&Definition> = compiled
            .definitions
            .iter()
            .filter_map(|&d| bundle.definitions.get(d))
            .collect();
        Facts {
            request,
            compiled,
            decided: definitions.iter().map(|_| OnceCell::new()).collect(),
            explained: definitions.iter().map(|_| OnceCell::new()).collect(),
            definitions,
        }
    }

    /// The request.
    pub(crate) fn request(&self) -> &'a Request {
        self.request
    }

    /// What slot `id` holds.
    pub(crate) fn slot(&self, id: SlotId) -> Value<'_> {
        let slot = usize::try_from(id)
            .ok()
            .and_then(|i| self.compiled.slots.get(i));
        match slot {
            Some(Slot::Fact(path)) => self.request.fact(path).map_or(Value::Absent, Value::Fact),
            Some(Slot::Temporal(Some(i))) => {
                self.outcome(*i).map_or(Value::Absent, Value::Temporal)
            }
            Some(Slot::Materials) => self
                .request
                .materials()
                .map_or(Value::Absent, Value::Materials),
            Some(Slot::Temporal(None) | Slot::Other(_)) | None => Value::Absent,
        }
    }

    /// The facts an unknown slot stands for: its path, or what its
    /// definition's outcome needs.
    pub(crate) fn needed_by(&self, id: SlotId, out: &mut BTreeSet<String>) {
        let slot = usize::try_from(id)
            .ok()
            .and_then(|i| self.compiled.slots.get(i));
        match slot {
            Some(Slot::Fact(path) | Slot::Other(path)) => {
                out.insert(path.clone());
            }
            Some(Slot::Materials) => {
                out.insert("materials".into());
            }
            Some(Slot::Temporal(Some(i))) => {
                if let Some(outcome) = self.outcome(*i) {
                    out.extend(outcome.needed.iter().cloned());
                }
            }
            Some(Slot::Temporal(None)) | None => {}
        }
    }

    /// A definition's outcome without evidence, by position.
    fn outcome(&self, i: usize) -> Option<&Outcome> {
        let definition = self.definitions.get(i)?;
        let cell = self.decided.get(i)?;
        Some(cell.get_or_init(|| definition.decide(self.request)))
    }

    /// A definition's outcome without evidence, by name.
    pub(crate) fn outcome_named(&self, name: &str) -> Option<&Outcome> {
        self.outcome(*self.compiled.names.get(name)?)
    }

    /// A definition's outcome with its evidence, evaluated on first use.
    pub(crate) fn explained(&self, name: &str) -> Option<&Outcome> {
        let &i = self.compiled.names.get(name)?;
        let definition = self.definitions.get(i)?;
        let cell = self.explained.get(i)?;
        Some(cell.get_or_init(|| definition.evaluate(self.request)))
    }
}
