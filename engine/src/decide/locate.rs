//! Locating a request: its jurisdiction's chain of layers (highest first),
//! the epoch of that chain its date falls in — the dates of a chain are cut
//! into epochs in which the same rules are in force, after overrides — and
//! the compiled set for its action in that epoch (compiled on first use).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::dates::add_days;
use crate::decision::LayerReport;
use crate::load::Bundle;
use crate::request::Request;
use crate::rule::Rule;

use super::compile::Compiled;

/// A jurisdiction's chain.
pub(crate) struct Chain {
    /// Layer indexes, highest first.
    pub(crate) layers: Vec<usize>,
    pub(crate) epochs: Vec<Epoch>,
}

/// A span of dates in which the same rules are in force.
pub(crate) struct Epoch {
    /// First day (None: from the beginning of time).
    pub(crate) start: Option<NaiveDate>,
    /// Rules in force in this epoch after overrides, in decision order.
    pub(crate) active: Vec<usize>,
    /// Per action, compiled on first use.
    pub(crate) actions: HashMap<String, OnceLock<Compiled>>,
    /// (rule, the rule that overrides it).
    pub(crate) overridden: Vec<(usize, usize)>,
    /// Rules in force per layer of the chain (same order as `Chain::layers`).
    pub(crate) in_force_per_layer: Vec<usize>,
    /// The layer report, built on first use: the documents in force are the
    /// same on every date of the epoch (see [`Assembler::layer_report`]).
    ///
    /// [`Assembler::layer_report`]: super::assemble::Assembler
    pub(crate) layer_report: OnceLock<Vec<LayerReport>>,
}

/// Every layer's chain.
pub(crate) fn chains(bundle: &Bundle) -> HashMap<String, Chain> {
    bundle
        .layers
        .iter()
        .map(|layer| (layer.id.clone(), prepare_chain(bundle, &layer.id)))
        .collect()
}

impl Chain {
    /// The epoch `date` falls in.
    pub(crate) fn epoch(&self, date: NaiveDate) -> Option<&Epoch> {
        let index = self
            .epochs
            .partition_point(|e| e.start.is_none_or(|s| s <= date))
            .saturating_sub(1);
        self.epochs.get(index)
    }
}

impl Epoch {
    /// The compiled set for `action`, compiled now if it was not yet.
    pub(crate) fn compiled(
        &self,
        bundle: &Bundle,
        chain: &Chain,
        action: &str,
    ) -> Option<&Compiled> {
        let cell = self.actions.get(action)?;
        Some(cell.get_or_init(|| {
            let rules: Vec<usize> = self
                .active
                .iter()
                .copied()
                .filter(|&r| bundle.rules.get(r).is_some_and(|x| x.applies_to(action)))
                .collect();
            Compiled::new(bundle, &chain.layers, action, rules)
        }))
    }
}

/// Where a request is decided.
pub(crate) struct Located<'e> {
    pub(crate) chain: &'e Chain,
    pub(crate) epoch: &'e Epoch,
    /// `None` for an action the epoch does not know (nothing to evaluate).
    pub(crate) compiled: Option<&'e Compiled>,
}

/// The chain, epoch and compiled set of a request, or why there is none.
pub(crate) fn locate<'e>(
    bundle: &'e Bundle,
    chains: &'e HashMap<String, Chain>,
    request: &Request,
) -> Result<Located<'e>, &'static str> {
    let chain = chains
        .get(request.jurisdiction())
        .ok_or("the jurisdiction has no prepared chain")?;
    let epoch = chain
        .epoch(request.date())
        .ok_or("no epoch covers the date")?;
    Ok(Located {
        chain,
        epoch,
        compiled: epoch.compiled(bundle, chain, request.action()),
    })
}

fn prepare_chain(bundle: &Bundle, jurisdiction: &str) -> Chain {
    let layers = bundle.chain(jurisdiction).to_vec();
    let in_chain = |layer: &str| {
        layers
            .iter()
            .any(|&l| bundle.layers.get(l).is_some_and(|x| x.id == layer))
    };
    // Epoch boundaries: every date on which something starts or stops.
    let mut starts: BTreeSet<NaiveDate> = BTreeSet::new();
    for &l in &layers {
        if let Some(layer) = bundle.layers.get(l) {
            for d in &layer.documents {
                starts.insert(d.in_force_from);
                if let Some(until) = d.in_force_until {
                    starts.insert(add_days(until, 1));
                }
            }
        }
    }
    for rule in bundle.rules.iter().filter(|r| in_chain(&r.layer)) {
        if let Some(from) = rule.in_force_from {
            starts.insert(from);
        }
        if let Some(until) = rule.in_force_until {
            starts.insert(add_days(until, 1));
        }
    }
    let mut epochs = Vec::new();
    let first = starts.iter().next().map(|d| add_days(*d, -1));
    epochs.push(prepare_epoch(bundle, &layers, None, first));
    for start in starts {
        epochs.push(prepare_epoch(bundle, &layers, Some(start), Some(start)));
    }
    Chain { layers, epochs }
}

fn prepare_epoch(
    bundle: &Bundle,
    layers: &[usize],
    start: Option<NaiveDate>,
    probe: Option<NaiveDate>,
) -> Epoch {
    let position = |layer: &str| {
        layers
            .iter()
            .position(|&l| bundle.layers.get(l).is_some_and(|x| x.id == layer))
    };
    let in_force = |rule: &Rule| -> bool {
        let Some(date) = probe else { return false };
        let doc_ok = bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document))
            .is_some_and(|d| d.in_force_on(date));
        doc_ok && rule.window_includes(date)
    };
    let mut active: Vec<usize> = bundle
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| position(&r.layer).is_some() && in_force(r))
        .map(|(i, _)| i)
        .collect();
    // Overrides: a higher rule in force removes the named lower rule.
    let mut overridden = Vec::new();
    for &by in &active.clone() {
        let Some(rule) = bundle.rules.get(by) else {
            continue;
        };
        let Some(target) = &rule.overrides else {
            continue;
        };
        let by_pos = position(&rule.layer);
        for &victim in &active {
            let Some(v) = bundle.rules.get(victim) else {
                continue;
            };
            if &v.id == target && position(&v.layer) > by_pos {
                overridden.push((victim, by));
            }
        }
    }
    active.retain(|r| !overridden.iter().any(|(v, _)| v == r));
    active.sort_by_key(|&r| {
        let rule = bundle.rules.get(r);
        (
            rule.and_then(|x| position(&x.layer)),
            rule.map(|x| x.id.clone()),
        )
    });
    let in_force_per_layer = layers
        .iter()
        .map(|&l| {
            let id = bundle
                .layers
                .get(l)
                .map(|x| x.id.as_str())
                .unwrap_or_default();
            active
                .iter()
                .filter(|&&r| bundle.rules.get(r).is_some_and(|x| x.layer == id))
                .count()
        })
        .collect();
    let actions = bundle
        .vocab
        .actions()
        .iter()
        .map(|action| (action.clone(), OnceLock::new()))
        .collect();
    Epoch {
        start,
        active,
        actions,
        overridden,
        in_force_per_layer,
        layer_report: OnceLock::new(),
    }
}
