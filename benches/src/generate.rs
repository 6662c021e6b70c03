//! A seeded, deterministic generator of Hangzhou `apply` requests for the
//! Rego agreement test and the batch benchmark.
//!
//! Each request starts from a complete application that holds everywhere and
//! is then perturbed: a few facts made false, odd or missing, and every
//! event placed around its boundary — the incident around 36 months before
//! the date, the audit and financial reports around 12 months, the call
//! notice's window around the date — with dates often on month ends so that
//! the clamping of month arithmetic is exercised, and some dates around the
//! days the Zhejiang (2023-09-01) and Hangzhou (2023-10-05) documents took
//! effect.

use chrono::{Datelike, NaiveDate};
use pdao::dates::{add_days, add_months, format_date};
use serde_json::{json, Map, Value};

/// The seed of the test and of the batch benchmark.
pub const SEED: u64 = 0x0070_da0b_e4c4;

/// SplitMix64: small, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1);
        lo + i64::try_from(self.below(span)).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of the items (the default when empty).
    pub fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let len = u64::try_from(items.len()).unwrap_or(0);
        let index = usize::try_from(self.below(len)).unwrap_or(0);
        items.get(index).copied().unwrap_or_default()
    }
}

const OPERATOR_FACTS: [&str; 8] = [
    "sound_operation",
    "domain_capability",
    "credit_ok",
    "security_officer",
    "security_regime",
    "mlps3_experience",
    "crypto_eval_experience",
    "data_capability",
];

const SCENARIO_FACTS: [&str; 8] = [
    "major_value",
    "security_measures",
    "feasible",
    "plan_within_term",
    "notice_conditions",
    "emergency_plan",
    "data_list",
    "security_review_passed",
];

const DATA_FACTS: [&str; 2] = ["in_scenario", "minimum_necessary"];

const MATERIALS: [&str; 5] = [
    "application_form",
    "audit_report",
    "financial_report",
    "security_commitment",
    "risk_self_assessment",
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The request date: mostly uniform over 2023-09 … 2026-12, often a month
/// end, sometimes next to a document's first day.
fn request_date(rng: &mut Rng) -> NaiveDate {
    match rng.below(100) {
        0..=9 => {
            let start = rng.pick(&[date(2023, 8, 29), date(2023, 10, 2)]);
            add_days(start, rng.range(0, 5))
        }
        10..=34 => {
            // A month end (or the day before): 28, 29, 30 or 31.
            let y = i32::try_from(rng.range(2023, 2026)).unwrap_or(2024);
            let m = u32::try_from(rng.range(1, 12)).unwrap_or(1);
            let first_next = if m == 12 {
                date(y + 1, 1, 1)
            } else {
                date(y, m + 1, 1)
            };
            let d = add_days(first_next, -rng.range(1, 2));
            if d < date(2023, 9, 1) {
                add_days(d, 365)
            } else {
                d
            }
        }
        _ => add_days(date(2023, 9, 1), rng.range(0, 1216)),
    }
}

fn event(kind: &str, day: NaiveDate) -> Value {
    json!({ "kind": kind, "date": format_date(day) })
}

/// A report dated around the 12-month freshness boundary (`tight`) or
/// clearly fresh, sometimes with a second one dated after the request
/// (ignored).
fn report(rng: &mut Rng, kind: &str, d: NaiveDate, tight: bool, events: &mut Vec<Value>) {
    match (tight, rng.below(100)) {
        (true, 0..=9) => {}
        (true, 10..=69) => events.push(event(kind, add_days(add_months(d, -12), rng.range(-2, 2)))),
        _ => events.push(event(kind, add_days(d, -rng.range(0, 300)))),
    }
    if rng.chance(8) {
        events.push(event(kind, add_days(d, rng.range(1, 20))));
    }
}

/// The event history. A `tight` history puts every event next to its
/// boundary; a loose one keeps them clearly inside (reports, call) or
/// clearly outside (incidents) their windows, so that allowed requests are
/// common too.
fn events(rng: &mut Rng, d: NaiveDate) -> Vec<Value> {
    let tight = rng.chance(60);
    let mut events = Vec::new();
    // Call notice: published before (or just after) the date, open-ended or
    // closing around it.
    let notices = match (tight, rng.below(100)) {
        (true, 0..=9) => 0,
        (_, 0..=79) => 1,
        _ => 2,
    };
    for _ in 0..notices {
        let published = if tight && rng.chance(15) {
            add_days(d, rng.range(1, 5))
        } else {
            add_days(d, -rng.range(0, 60))
        };
        // (A notice cannot close before it is published.)
        let until = match (tight, rng.below(100)) {
            (_, 0..=19) => None,
            (true, 20..=59) => Some(add_days(d, rng.range(-2, 2)).max(published)),
            (true, _) => Some(add_days(d, rng.range(-40, 40)).max(published)),
            (false, _) => Some(add_days(d, rng.range(0, 60)).max(published)),
        };
        let mut notice = event("call_notice", published);
        if let (Some(until), Some(fields)) = (until, notice.as_object_mut()) {
            fields.insert("until".into(), json!(format_date(until)));
        }
        events.push(notice);
    }
    report(rng, "audit_report", d, tight, &mut events);
    report(rng, "financial_report", d, tight, &mut events);
    // Security incidents: around the 36-month boundary, long ago, recent or
    // after the date (ignored).
    let incidents = match rng.below(100) {
        0..=34 => 0,
        35..=89 => 1,
        _ => 2,
    };
    for _ in 0..incidents {
        let day = match (tight, rng.below(100)) {
            (true, 0..=54) => add_days(add_months(d, -36), rng.range(-3, 3)),
            (true, 55..=69) | (false, 0..=79) => add_days(d, -rng.range(1500, 3000)),
            (true, 70..=84) => add_days(d, -rng.range(0, 700)),
            _ => add_days(d, rng.range(1, 30)),
        };
        events.push(event("security_incident", day));
    }
    // Order does not matter to pdao; shuffle so it does not to Rego either.
    for i in (1..events.len()).rev() {
        let j = usize::try_from(rng.below(u64::try_from(i + 1).unwrap_or(1))).unwrap_or(0);
        events.swap(i, j);
    }
    events
}

/// One perturbation of an otherwise complete application.
fn perturb(rng: &mut Rng, request: &mut Map<String, Value>) {
    let object = rng.pick(&["operator", "scenario", "data", "materials"]);
    let fact = match object {
        "operator" => rng.pick(&OPERATOR_FACTS),
        "scenario" => match rng.below(10) {
            0..=1 => "count",
            _ => rng.pick(&SCENARIO_FACTS),
        },
        "data" => match rng.below(10) {
            0..=3 => "open_class",
            _ => rng.pick(&DATA_FACTS),
        },
        _ => "",
    };
    if object == "materials" {
        match rng.below(10) {
            0..=5 => {
                let drop = rng.pick(&MATERIALS);
                if let Some(Value::Array(items)) = request.get_mut("materials") {
                    items.retain(|v| v.as_str() != Some(drop));
                }
            }
            6..=7 => {
                request.remove("materials");
            }
            _ => {
                request.insert("materials".into(), json!([]));
            }
        }
        return;
    }
    let Some(Value::Object(facts)) = request.get_mut(object) else {
        return;
    };
    let missing = rng.chance(25);
    if missing {
        facts.remove(fact);
        return;
    }
    let value = match fact {
        "count" => json!(rng.pick(&[0, 2, 3])),
        "open_class" => json!(rng.pick(&["open", "prohibited", "prohibited"])),
        _ => json!(false),
    };
    facts.insert(fact.to_string(), value);
}

/// One Hangzhou `apply` request as JSON text.
pub fn hangzhou_apply_one(rng: &mut Rng) -> String {
    let d = request_date(rng);
    let mut operator = Map::new();
    operator.insert("id".into(), json!("acme-data"));
    for fact in OPERATOR_FACTS {
        operator.insert(fact.into(), json!(true));
    }
    let mut scenario = Map::new();
    scenario.insert("id".into(), json!("credit-scoring"));
    for fact in SCENARIO_FACTS {
        scenario.insert(fact.into(), json!(true));
    }
    scenario.insert("count".into(), json!(1));
    let mut data = Map::new();
    data.insert(
        "open_class".into(),
        json!(rng.pick(&["open", "conditional"])),
    );
    for fact in DATA_FACTS {
        data.insert(fact.into(), json!(true));
    }
    let mut materials: Vec<&str> = MATERIALS.to_vec();
    for i in (1..materials.len()).rev() {
        let j = usize::try_from(rng.below(u64::try_from(i + 1).unwrap_or(1))).unwrap_or(0);
        materials.swap(i, j);
    }
    let mut request = Map::new();
    request.insert("jurisdiction".into(), json!("hangzhou"));
    request.insert("date".into(), json!(format_date(d)));
    request.insert("action".into(), json!("apply"));
    request.insert("operator".into(), Value::Object(operator));
    request.insert("scenario".into(), Value::Object(scenario));
    request.insert("data".into(), Value::Object(data));
    request.insert("materials".into(), json!(materials));
    let perturbations = match rng.below(100) {
        0..=39 => 0,
        40..=69 => 1,
        70..=89 => 2,
        _ => 4,
    };
    for _ in 0..perturbations {
        perturb(rng, &mut request);
    }
    request.insert("events".into(), Value::Array(events(rng, d)));
    Value::Object(request).to_string()
}

/// `n` Hangzhou `apply` requests from `seed`, as JSON text.
pub fn hangzhou_apply(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| hangzhou_apply_one(&mut rng)).collect()
}

/// Whether a date is the last day of its month (for test statistics).
pub fn is_month_end(day: NaiveDate) -> bool {
    add_days(day, 1).month() != day.month()
}
