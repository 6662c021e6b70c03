//! Ready laws an author runs on a bundle. Each law has a per-request check
//! (`check_*`, usable inside your own `proptest!` blocks) and a runner
//! (`law_*`) that generates requests with [`super::strategies`], runs the
//! check on each with a seeded proptest runner, shrinks a failure to a
//! minimal request and returns a [`LawReport`] saying how often the law was
//! actually exercised.

use std::cell::Cell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::authoring::rng::Rng;
use crate::authoring::space::durations;
use crate::authoring::Space;
use crate::decision::Decision;
use crate::engine::Engine;
use crate::load::Bundle;
use crate::request::Request;
use crate::vocabulary::FactType;

use super::strategies::{base_requests, mixed, GenConfig};

/// How many requests, from which seed.
#[derive(Debug, Clone)]
pub struct LawConfig {
    /// Generated requests (for laws over several bundles: in total).
    pub cases: u32,
    /// Seed: the same seed generates the same requests.
    pub seed: u64,
    /// What to generate.
    pub generate: GenConfig,
}

impl Default for LawConfig {
    fn default() -> Self {
        LawConfig {
            cases: 1_000,
            seed: 0,
            generate: GenConfig::default(),
        }
    }
}

impl LawConfig {
    /// The default configuration with this many cases.
    pub fn with_cases(cases: u32) -> LawConfig {
        LawConfig {
            cases,
            ..LawConfig::default()
        }
    }
}

/// What a law run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LawReport {
    /// The law.
    pub law: String,
    /// Requests generated and checked.
    pub cases: u64,
    /// Decisions computed.
    pub evaluations: u64,
    /// Generated requests allowed (by the bundle under test).
    pub allowed: u64,
    /// Generated requests denied.
    pub denied: u64,
    /// Bundle variants built.
    pub bundles: usize,
    /// How often the law's premise held non-trivially (a variant changed a
    /// decision, a removal turned an allow into a deny, a rule was checked
    /// against its document's window…): a law never exercised proves little.
    pub exercised: u64,
    /// Sentences about the run.
    pub notes: Vec<String>,
}

/// Why a law run failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LawError {
    /// A generated request broke the law; the request is shrunk.
    #[error("law `{law}` does not hold: {reason}\nminimal failing input: {input}")]
    Broken {
        /// The law.
        law: String,
        /// What went wrong.
        reason: String,
        /// The (shrunk) request, as JSON, with any extra input.
        input: String,
    },
    /// The law could not be set up (a bundle variant did not load, a window
    /// was not found, the generator rejected too much).
    #[error("law `{law}` could not run: {message}")]
    Setup {
        /// The law.
        law: String,
        /// What went wrong.
        message: String,
    },
}

fn seed_bytes(seed: u64, salt: u64) -> [u8; 16] {
    let mut rng = Rng::new(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    out
}

fn runner(cases: u32, seed: u64, salt: u64) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4_096,
        max_global_rejects: cases.saturating_mul(2).max(1_024),
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        // XorShift: reproducible from the seed, and fast enough unoptimised.
        TestRng::from_seed(RngAlgorithm::XorShift, &seed_bytes(seed, salt)),
    )
}

fn outcome<T: std::fmt::Debug>(
    law: &str,
    result: Result<(), TestError<T>>,
    render: impl Fn(&T) -> String,
) -> Result<(), LawError> {
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, value)) => Err(LawError::Broken {
            law: law.to_string(),
            reason: reason.to_string(),
            input: render(&value),
        }),
        Err(TestError::Abort(reason)) => Err(LawError::Setup {
            law: law.to_string(),
            message: reason.to_string(),
        }),
    }
}

fn count(d: &Decision, allowed: &Cell<u64>, denied: &Cell<u64>) {
    if d.is_allow() {
        allowed.set(allowed.get() + 1);
    } else {
        denied.set(denied.get() + 1);
    }
}

fn bump(c: &Cell<u64>, by: u64) {
    c.set(c.get() + by);
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

// ---------------------------------------------------------------------------
// Determinism.

/// The same request gives a byte-identical decision JSON: decided again
/// after a round trip through its own JSON (an equal request), the decision
/// serialises to the same bytes; and the request's JSON is stable too.
pub fn check_determinism(engine: &Engine, request: &Request) -> Result<Decision, TestCaseError> {
    let decision = engine.decide(request);
    let first = decision.to_json_pretty();
    let json = request.to_json();
    let reparsed = Request::from_json(&json, engine.bundle().vocabulary())
        .map_err(|e| fail(format!("the request's own JSON does not parse: {e}")))?;
    if reparsed.to_json() != json {
        return Err(fail(
            "the request does not survive a JSON round trip".into(),
        ));
    }
    let again = engine.decide(&reparsed).to_json_pretty();
    if first != again {
        return Err(fail(format!(
            "two decisions of one request differ:\n{first}\n---\n{again}"
        )));
    }
    Ok(decision)
}

/// Determinism over generated requests.
pub fn law_determinism(engine: &Engine, config: &LawConfig) -> Result<LawReport, LawError> {
    let law = "determinism";
    let space = Space::new(engine.bundle());
    let bases = base_requests(engine, &space, &config.generate);
    let strategy = mixed(&space, &bases, &config.generate);
    let (allowed, denied, evals) = (Cell::new(0), Cell::new(0), Cell::new(0));
    let result = runner(config.cases, config.seed, 1).run(&strategy, |request| {
        bump(&evals, 2);
        let d = check_determinism(engine, &request)?;
        count(&d, &allowed, &denied);
        Ok(())
    });
    outcome(law, result, |r: &Request| r.to_json().to_string())?;
    Ok(LawReport {
        law: law.into(),
        cases: allowed.get() + denied.get(),
        evaluations: evals.get(),
        allowed: allowed.get(),
        denied: denied.get(),
        bundles: 1,
        exercised: allowed.get() + denied.get(),
        notes: vec!["each request decided twice, the second time after a JSON round trip".into()],
    })
}

// ---------------------------------------------------------------------------
// Fail-closed.

/// Which of the facts read [`check_fail_closed`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The read fact number `n`, modulo their count.
    One(usize),
    /// Every read fact at once.
    All,
}

/// Facts of `request` that a rule of its jurisdiction and action reads
/// (directly or through a temporal definition), identifiers included, plus
/// `materials`.
pub fn facts_read(space: &Space, request: &Request) -> Vec<String> {
    let Some(pair) = space.pair(request.jurisdiction(), request.action()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = pair
        .reads
        .facts
        .iter()
        .filter(|p| request.fact(p).is_some())
        .cloned()
        .collect();
    if pair.reads.reads_materials && request.materials().is_some() {
        out.push("materials".into());
    }
    out
}

fn without(request: &Request, path: &str) -> Request {
    if path == "materials" {
        request.with_materials(None)
    } else {
        request.with_fact(path, None)
    }
}

/// Removing a fact that a rule reads never turns a deny into an allow (one
/// read fact or all of them, as `removal` says); and a decision
/// with missing facts or an evaluation error is a deny.
///
/// Identifiers are facts like any other: an event with a `ref` matched
/// against an id the request does not give is unknown (catalog §1.4), so
/// removing `agreement.id` denies with the id in `missing` where the
/// decision depends on it.
pub fn check_fail_closed(
    engine: &Engine,
    space: &Space,
    request: &Request,
    removal: Removal,
) -> Result<Decision, TestCaseError> {
    let before = engine.decide(request);
    check_error_denies(&before)?;
    let read = facts_read(space, request);
    if read.is_empty() {
        return Ok(before);
    }
    let removed: Vec<String> = match removal {
        Removal::All => read,
        Removal::One(pick) => read.get(pick % read.len()).cloned().into_iter().collect(),
    };
    let after_request = removed.iter().fold(request.clone(), |r, p| without(&r, p));
    let after = engine.decide(&after_request);
    check_error_denies(&after)?;
    if !before.is_allow() && after.is_allow() {
        return Err(fail(format!(
            "removing {} turned a deny ({}) into an allow",
            removed.join(", "),
            before.reason_ids().join(", ")
        )));
    }
    Ok(before)
}

fn check_error_denies(d: &Decision) -> Result<(), TestCaseError> {
    if d.is_allow() && !d.missing.is_empty() {
        return Err(fail(format!(
            "allowed although facts are missing: {}",
            d.missing.join(", ")
        )));
    }
    if d.is_allow() && d.reason_ids().contains(&"pdao.evaluation_error") {
        return Err(fail("allowed although evaluation failed".into()));
    }
    Ok(())
}

/// Fail-closed over generated requests.
pub fn law_fail_closed(engine: &Engine, config: &LawConfig) -> Result<LawReport, LawError> {
    let law = "fail-closed";
    let space = Space::new(engine.bundle());
    let bases = base_requests(engine, &space, &config.generate);
    let strategy = (
        mixed(&space, &bases, &config.generate),
        any::<usize>(),
        proptest::bool::weighted(0.125),
    );
    let (allowed, denied, evals, exercised) =
        (Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0));
    let result = runner(config.cases, config.seed, 2).run(&strategy, |(request, pick, all)| {
        bump(&evals, 2);
        let removal = if all {
            Removal::All
        } else {
            Removal::One(pick)
        };
        let before = check_fail_closed(engine, &space, &request, removal)?;
        count(&before, &allowed, &denied);
        if before.is_allow() && !facts_read(&space, &request).is_empty() {
            bump(&exercised, 1);
        }
        Ok(())
    });
    outcome(law, result, |(r, pick, all): &(Request, usize, bool)| {
        let read = facts_read(&space, r);
        let removed = if *all || read.is_empty() {
            "every fact read".to_string()
        } else {
            read.get(pick % read.len()).cloned().unwrap_or_default()
        };
        format!("{} (removing {removed})", r.to_json())
    })?;
    Ok(LawReport {
        law: law.into(),
        cases: allowed.get() + denied.get(),
        evaluations: evals.get(),
        allowed: allowed.get(),
        denied: denied.get(),
        bundles: 1,
        exercised: exercised.get(),
        notes: vec![
            "exercised: allowed requests with a read fact to remove (identifiers included)".into(),
            "every request with missing facts or an evaluation error is checked to be denied"
                .into(),
        ],
    })
}

// ---------------------------------------------------------------------------
// Time.

/// A rule appears in a decision (reasons, satisfied, cleared, obligations)
/// only if a version of it is in force on the request date: its document is
/// in force and the date is inside the rule's own window — and the layer
/// report lists that document as in force. Returns how many rule mentions
/// were checked.
pub fn check_time(engine: &Engine, request: &Request) -> Result<(Decision, u64), TestCaseError> {
    let d = engine.decide(request);
    let bundle = engine.bundle();
    let date = request.date();
    let mentioned: Vec<&str> = d
        .reasons
        .iter()
        .map(|r| r.rule.as_str())
        .chain(d.satisfied.iter().map(String::as_str))
        .chain(d.cleared.iter().map(String::as_str))
        .chain(d.obligations.iter().map(|o| o.rule.as_str()))
        .filter(|id| !id.starts_with("pdao."))
        .collect();
    let mut checked = 0;
    for id in mentioned {
        checked += 1;
        let versions: Vec<_> = bundle.rules().iter().filter(|r| r.id == id).collect();
        let in_force = versions.iter().find(|r| {
            bundle
                .layer(&r.layer)
                .and_then(|l| l.document(&r.document))
                .is_some_and(|doc| doc.in_force_on(date))
                && r.window_includes(date)
        });
        let Some(rule) = in_force else {
            return Err(fail(format!(
                "`{id}` appears in the decision of {} although no version of it is in force that day",
                crate::dates::format_date(date)
            )));
        };
        let reported = d.layer_report.iter().any(|l| {
            l.layer == rule.layer
                && l.status == "in_force"
                && l.documents.iter().any(|doc| doc == &rule.document)
        });
        if !reported {
            return Err(fail(format!(
                "`{id}` applies but the layer report does not list its document `{}` of `{}` as in force",
                rule.document, rule.layer
            )));
        }
    }
    Ok((d, checked))
}

/// Time over generated requests (dates cluster around document and rule
/// boundaries).
pub fn law_time(engine: &Engine, config: &LawConfig) -> Result<LawReport, LawError> {
    let law = "time";
    let space = Space::new(engine.bundle());
    let bases = base_requests(engine, &space, &config.generate);
    let strategy = mixed(&space, &bases, &config.generate);
    let (allowed, denied, exercised) = (Cell::new(0), Cell::new(0), Cell::new(0));
    let result = runner(config.cases, config.seed, 3).run(&strategy, |request| {
        let (d, checked) = check_time(engine, &request)?;
        count(&d, &allowed, &denied);
        bump(&exercised, checked);
        Ok(())
    });
    outcome(law, result, |r: &Request| r.to_json().to_string())?;
    Ok(LawReport {
        law: law.into(),
        cases: allowed.get() + denied.get(),
        evaluations: allowed.get() + denied.get(),
        allowed: allowed.get(),
        denied: denied.get(),
        bundles: 1,
        exercised: exercised.get(),
        notes: vec!["exercised: rule mentions checked against their document's window".into()],
    })
}

// ---------------------------------------------------------------------------
// Lex superior.

/// A generated lower-layer policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPolicy {
    /// Its layer.
    pub layer: String,
    /// Its id.
    pub id: String,
    /// Its actions.
    pub actions: Vec<String>,
    /// File path inside the bundle.
    pub file: String,
    /// The Cedar text.
    pub text: String,
    /// The higher rule it claims to displace, if any.
    pub overrides: Option<String>,
}

/// Whether a generated policy claims to displace a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideClaim {
    /// No `@overrides`.
    None,
    /// `@overrides` naming a rule of a higher layer of its chain (which the
    /// loader must refuse).
    OfAHigherRule,
}

/// A random requirement, forbid or obligation over random facts, for a layer
/// that has a parent and a document, claiming to displace a rule as `claim`
/// says.
pub fn random_policy(
    bundle: &Bundle,
    seed: u64,
    n: usize,
    claim: OverrideClaim,
) -> Option<GeneratedPolicy> {
    let overrides = claim == OverrideClaim::OfAHigherRule;
    let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let lower: Vec<_> = bundle
        .layers()
        .iter()
        .filter(|l| l.parent.is_some() && !l.documents.is_empty())
        .collect();
    let layer = *rng.pick(&lower)?;
    let document = rng.pick(&layer.documents)?;
    let actions_all = bundle.vocabulary().actions();
    let mut actions: Vec<String> = Vec::new();
    for _ in 0..=rng.below(2) {
        if let Some(a) = rng.pick(actions_all) {
            if !actions.contains(a) {
                actions.push(a.clone());
            }
        }
    }
    let facts: Vec<_> = bundle
        .vocabulary()
        .facts()
        .filter(|f| matches!(f.ty, FactType::Bool | FactType::Int | FactType::Enum(_)))
        .collect();
    let mut atoms = Vec::new();
    for _ in 0..=rng.below(3) {
        let Some(f) = rng.pick(&facts) else { break };
        let path = format!("context.{}", f.path);
        atoms.push(match &f.ty {
            FactType::Bool if rng.chance(50) => path,
            FactType::Bool => format!("!{path}"),
            FactType::Int => format!("{path} >= {}", rng.range(0, 40)),
            FactType::Enum(values) => format!(
                "{path} == \"{}\"",
                rng.pick(values).cloned().unwrap_or_default()
            ),
            _ => continue,
        });
    }
    if atoms.is_empty() {
        atoms.push("true".into());
    }
    let joiner = if rng.chance(60) { " && " } else { " || " };
    let condition = atoms.join(joiner);
    let id = format!("{}.law.generated_{n}", layer.id);
    let target = if overrides {
        let chain = bundle.chain(&layer.id);
        let higher: Vec<&str> = chain
            .iter()
            .filter_map(|&l| bundle.layers().get(l))
            .filter(|l| l.id != layer.id)
            .flat_map(|l| bundle.rules().iter().filter(move |r| r.layer == l.id))
            .map(|r| r.id.as_str())
            .collect();
        rng.pick(&higher).map(|s| s.to_string())
    } else {
        None
    };
    let effect = *rng.pick(&["requirement", "forbid", "obligation"])?;
    let scope = format!(
        "principal, action in [{}], resource",
        actions
            .iter()
            .map(|a| format!("Action::\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut text = format!(
        "@id(\"{id}\")\n@effect(\"{effect}\")\n@document(\"{}\")\n@article(\"law test\")\n@quote(\"generated by pdao::testing\")\n",
        document.id
    );
    if document.seed.is_none() {
        text.push_str("@outside_seeds(\"generated by pdao::testing\")\n");
    }
    if let Some(t) = &target {
        text.push_str(&format!("@overrides(\"{t}\")\n"));
    }
    match effect {
        "requirement" => text.push_str(&format!("forbid ({scope})\nunless {{ {condition} }};\n")),
        "forbid" => text.push_str(&format!("forbid ({scope})\nwhen {{ {condition} }};\n")),
        _ => text.push_str(&format!(
            "@obligation(\"do what the generated rule says\")\npermit ({scope})\nwhen {{ {condition} }};\n"
        )),
    }
    Some(GeneratedPolicy {
        layer: layer.id.clone(),
        file: format!("{}/zz_law_generated_{n}.cedar", layer.id),
        id,
        actions,
        text,
        overrides: target,
    })
}

/// Adding `added` (a rule of a lower layer) never lifts a deny and never
/// removes a reason; the only reason it may add is its own.
pub fn check_lex_superior(
    base: &Engine,
    variant: &Engine,
    added: &str,
    request: &Request,
) -> Result<(Decision, bool), TestCaseError> {
    let before = base.decide(request);
    let after = variant.decide(request);
    let (b, a): (BTreeSet<&str>, BTreeSet<&str>) = (
        before.reason_ids().into_iter().collect(),
        after.reason_ids().into_iter().collect(),
    );
    if !before.is_allow() && after.is_allow() {
        return Err(fail(format!(
            "adding `{added}` turned a deny ({}) into an allow",
            before.reason_ids().join(", ")
        )));
    }
    if let Some(lost) = b.difference(&a).next() {
        return Err(fail(format!(
            "adding `{added}` removed the reason `{lost}`"
        )));
    }
    if let Some(extra) = a.difference(&b).find(|r| **r != added) {
        return Err(fail(format!(
            "adding `{added}` added the unrelated reason `{extra}`"
        )));
    }
    let changed = before.decision != after.decision;
    Ok((before, changed))
}

/// Lex superior: `bundles` random lower-layer policies, each added to the
/// bundle (`Bundle::from_files`) and checked on its share of the cases; one
/// in four also claims to `@overrides` a higher rule, which the loader must
/// refuse.
pub fn law_lex_superior(
    engine: &Engine,
    config: &LawConfig,
    bundles: usize,
) -> Result<LawReport, LawError> {
    let law = "lex-superior";
    let base = engine.bundle();
    let per_bundle = config
        .cases
        .div_ceil(u32::try_from(bundles.max(1)).unwrap_or(1));
    let mut report = LawReport {
        law: law.into(),
        ..LawReport::default()
    };
    let mut refused = 0;
    let space = Space::new(base);
    let bases = base_requests(engine, &space, &config.generate);
    for n in 0..bundles.max(1) {
        // A displacement claim first: the loader must refuse it.
        if n % 4 == 3 {
            if let Some(p) =
                random_policy(base, config.seed, n + 10_000, OverrideClaim::OfAHigherRule)
            {
                if p.overrides.is_some() {
                    let mut files = base.files().to_vec();
                    files.push((p.file.clone(), p.text.clone()));
                    if Bundle::from_files(files).is_ok() {
                        return Err(LawError::Broken {
                            law: law.into(),
                            reason: format!(
                                "a `{}` rule displacing the higher `{}` was loaded",
                                p.layer,
                                p.overrides.unwrap_or_default()
                            ),
                            input: p.text,
                        });
                    }
                    refused += 1;
                }
            }
        }
        let policy = random_policy(base, config.seed, n, OverrideClaim::None).ok_or_else(|| {
            LawError::Setup {
                law: law.into(),
                message: "the bundle has no lower layer with a document".into(),
            }
        })?;
        let mut files = base.files().to_vec();
        files.push((policy.file.clone(), policy.text.clone()));
        let variant = Bundle::from_files(files).map_err(|e| LawError::Setup {
            law: law.into(),
            message: format!("the generated policy does not load: {e}\n{}", policy.text),
        })?;
        let variant = Engine::new(variant);
        report.bundles += 1;
        let below: Vec<String> = base
            .layers()
            .iter()
            .filter(|l| {
                base.chain(&l.id)
                    .iter()
                    .any(|&i| base.layers().get(i).is_some_and(|x| x.id == policy.layer))
            })
            .map(|l| l.id.clone())
            .collect();
        let generate = GenConfig {
            jurisdictions: Some(below),
            actions: Some(policy.actions.clone()),
            ..config.generate.clone()
        };
        let strategy = mixed(&space, &bases, &generate);
        let (allowed, denied, changed) = (Cell::new(0), Cell::new(0), Cell::new(0));
        let result =
            runner(per_bundle, config.seed.wrapping_add(n as u64), 4).run(&strategy, |request| {
                let (before, differs) = check_lex_superior(engine, &variant, &policy.id, &request)?;
                count(&before, &allowed, &denied);
                if differs {
                    bump(&changed, 1);
                }
                Ok(())
            });
        outcome(law, result, |r: &Request| {
            format!(
                "{}\nwith the added policy ({}):\n{}",
                r.to_json(),
                policy.file,
                policy.text
            )
        })?;
        report.cases += allowed.get() + denied.get();
        report.allowed += allowed.get();
        report.denied += denied.get();
        report.evaluations += 2 * (allowed.get() + denied.get());
        report.exercised += changed.get();
    }
    report.notes.push(format!(
        "{} generated lower-layer policies added one at a time; {refused} claims to displace a higher rule refused by the loader",
        report.bundles
    ));
    report
        .notes
        .push("exercised: requests whose decision the added policy changed".into());
    Ok(report)
}

// ---------------------------------------------------------------------------
// Monotone windows.

/// Which way a longer window moves decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A longer look-back never allows what a shorter one denies (windows of
    /// things that count against: incidents).
    Stricter,
    /// A longer window never denies what a shorter one allows (windows of
    /// things that count for: fresh reports, valid reviews).
    Laxer,
}

/// A temporal window to vary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The definition's name.
    pub definition: String,
    /// Its layer (`None`: the first definition of that name).
    pub layer: Option<String>,
    /// Month counts to compare, ascending (the bundle's own may be one of them).
    pub months: Vec<i64>,
    /// What a longer window does.
    pub longer_is: Direction,
}

/// The month count `window`'s definition states in the bundle.
pub fn window_months(bundle: &Bundle, window: &Window) -> Result<i64, String> {
    let def = window_definition(bundle, window)?;
    let (counts, _) = durations(&def.source);
    match counts.iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok(**one),
        _ => Err(format!(
            "`{}` must state exactly one month count to be varied: {}",
            def.name, def.source
        )),
    }
}

fn window_definition<'b>(
    bundle: &'b Bundle,
    window: &Window,
) -> Result<&'b crate::temporal::Definition, String> {
    bundle
        .definitions()
        .iter()
        .enumerate()
        .find(|(i, d)| {
            d.name == window.definition
                && window.layer.as_ref().is_none_or(|l| {
                    bundle
                        .definition_layer
                        .get(*i)
                        .and_then(|&li| bundle.layers().get(li))
                        .is_some_and(|x| &x.id == l)
                })
        })
        .map(|(_, d)| d)
        .ok_or_else(|| format!("no temporal definition `{}`", window.definition))
}

/// The bundle with the month count of `window`'s definition replaced by
/// `months` in its `.rules` text.
pub fn window_variant(bundle: &Bundle, window: &Window, months: i64) -> Result<Bundle, String> {
    let def = window_definition(bundle, window)?;
    let original = window_months(bundle, window)?;
    let from = format!("{original} months");
    if !def.source.contains(&from) {
        return Err(format!("`{}` does not say `{from}`", def.name));
    }
    let edited = def.source.replace(&from, &format!("{months} months"));
    let mut files = bundle.files().to_vec();
    let file = files
        .iter_mut()
        .find(|(p, _)| p == &def.file)
        .ok_or_else(|| format!("file {} not in the bundle", def.file))?;
    if !file.1.contains(&def.source) {
        return Err(format!(
            "the source of `{}` is not found in {}",
            def.name, def.file
        ));
    }
    file.1 = file.1.replacen(&def.source, &edited, 1);
    Bundle::from_files(files).map_err(|e| format!("the variant does not load: {e}"))
}

/// Decisions under ever longer windows (`engines` in ascending order) move
/// only in `direction`. Returns whether any two decisions differed.
pub fn check_monotone(
    engines: &[Engine],
    direction: Direction,
    request: &Request,
) -> Result<(Vec<Decision>, bool), TestCaseError> {
    let decisions: Vec<Decision> = engines.iter().map(|e| e.decide(request)).collect();
    let mut differed = false;
    for (shorter, longer) in decisions.iter().zip(decisions.iter().skip(1)) {
        differed |= shorter.decision != longer.decision;
        let broken = match direction {
            Direction::Stricter => !shorter.is_allow() && longer.is_allow(),
            Direction::Laxer => shorter.is_allow() && !longer.is_allow(),
        };
        if broken {
            return Err(fail(format!(
                "a longer window {} what a shorter one {} (shorter: {}; longer: {})",
                if longer.is_allow() {
                    "allows"
                } else {
                    "denies"
                },
                if shorter.is_allow() {
                    "allows"
                } else {
                    "denies"
                },
                verdict_line(shorter),
                verdict_line(longer)
            )));
        }
    }
    Ok((decisions, differed))
}

fn verdict_line(d: &Decision) -> String {
    if d.is_allow() {
        "allow".into()
    } else {
        format!("deny — {}", d.reason_ids().join(", "))
    }
}

/// Monotone windows: for each window, one bundle variant per month count,
/// each built once; the cases are shared out among the windows.
pub fn law_monotone_windows(
    engine: &Engine,
    windows: &[Window],
    config: &LawConfig,
) -> Result<LawReport, LawError> {
    let law = "monotone-windows";
    let base = engine.bundle();
    let per_window = config
        .cases
        .div_ceil(u32::try_from(windows.len().max(1)).unwrap_or(1));
    let mut report = LawReport {
        law: law.into(),
        ..LawReport::default()
    };
    let space = Space::new(base);
    for (wi, window) in windows.iter().enumerate() {
        let mut engines = Vec::new();
        let original = window_months(base, window).map_err(|message| LawError::Setup {
            law: law.into(),
            message,
        })?;
        let base_index = window
            .months
            .iter()
            .position(|m| *m == original)
            .unwrap_or(usize::MAX);
        for &m in &window.months {
            let variant = window_variant(base, window, m).map_err(|message| LawError::Setup {
                law: law.into(),
                message,
            })?;
            engines.push(Engine::new(variant));
            report.bundles += 1;
        }
        let generate = GenConfig {
            reading: Some(window.definition.clone()),
            extra_months: window.months.clone(),
            ..config.generate.clone()
        };
        let bases = base_requests(engine, &space, &generate);
        let strategy = mixed(&space, &bases, &generate);
        let (allowed, denied, differed) = (Cell::new(0), Cell::new(0), Cell::new(0));
        let result =
            runner(per_window, config.seed.wrapping_add(wi as u64), 5).run(&strategy, |request| {
                let (decisions, differs) = check_monotone(&engines, window.longer_is, &request)?;
                if let Some(d) = decisions.get(base_index) {
                    count(d, &allowed, &denied);
                } else {
                    count(&engine.decide(&request), &allowed, &denied);
                }
                if differs {
                    bump(&differed, 1);
                }
                Ok(())
            });
        outcome(law, result, |r: &Request| {
            format!(
                "{} (window `{}` at {:?} months)",
                r.to_json(),
                window.definition,
                window.months
            )
        })?;
        report.cases += allowed.get() + denied.get();
        report.allowed += allowed.get();
        report.denied += denied.get();
        let per_request = window.months.len() as u64 + u64::from(base_index == usize::MAX);
        report.evaluations += per_request * (allowed.get() + denied.get());
        report.exercised += differed.get();
        report.notes.push(format!(
            "`{}` at {} months: {} requests, {} decided differently by some length",
            window.definition,
            window
                .months
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/"),
            allowed.get() + denied.get(),
            differed.get()
        ));
    }
    Ok(report)
}
