//! The cadence primitive of catalog §6.3: one report per period, periods
//! counted from the anchor, a period owed once its closing day has passed
//! and only if it starts inside the term. A report counts for its own
//! period or cures an earlier one that was missed, never for a later one
//! (no filing ahead).

use chrono::NaiveDate;

use super::ast::Cadence;
use super::eval::{Ctx, Gap, Judgement};
use super::values::ref_match;
use crate::dates::{add_months, format_date};
use crate::request::FactValue;

/// Most due points listed in an evidence sentence (the latest are kept).
const LISTED: usize = 12;

/// The due points owed on `today`: `b_k = add_months(anchor, k·period)`
/// for k ≥ 1 with `b_k < today` and the period's start
/// `b_{k−1} ≤ end` (`end` = `None`: no end).
pub(crate) fn due_points(
    anchor: NaiveDate,
    period_months: u32,
    today: NaiveDate,
    end: Option<NaiveDate>,
) -> Vec<NaiveDate> {
    let period = i64::from(period_months.max(1));
    let mut owed = Vec::new();
    let mut k: i64 = 1;
    loop {
        let due = add_months(anchor, k.saturating_mul(period));
        if due >= today {
            break;
        }
        let start = add_months(anchor, (k - 1).saturating_mul(period));
        if end.is_some_and(|end| start > end) {
            break;
        }
        owed.push(due);
        k += 1;
    }
    owed
}

/// Where the per-period test of catalog §6.3 fails: for the owed periods
/// j..m (j 1-based), `owed` = m − j + 1 reports were needed on or after
/// the start of period j, `since`, and only `filed` were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shortfall {
    pub(crate) period: usize,
    pub(crate) since: NaiveDate,
    pub(crate) owed: usize,
    pub(crate) filed: usize,
}

/// The per-period test of catalog §6.3 for the first `m` periods of
/// `closing` (the due points `b_1, b_2, …`, at least `m` of them) anchored
/// at `anchor`: for every j in 1..=m, at least m − j + 1 of `reports`
/// (sorted) are dated on or after `b_{j−1}` (`b_0` = `anchor`). `None` when
/// it holds, else the first period where it fails.
pub(crate) fn shortfall(
    anchor: NaiveDate,
    closing: &[NaiveDate],
    m: usize,
    reports: &[NaiveDate],
) -> Option<Shortfall> {
    let starts = std::iter::once(anchor).chain(closing.iter().copied());
    for (index, since) in starts.take(m).enumerate() {
        let owed = m - index;
        let filed = reports.len() - reports.partition_point(|d| *d < since);
        if filed < owed {
            return Some(Shortfall {
                period: index + 1,
                since,
                owed,
                filed,
            });
        }
    }
    None
}

impl<'a> Ctx<'a> {
    pub(crate) fn cadence(&self, cadence: &Cadence) -> Judgement {
        let anchor = match self.date(&cadence.anchor) {
            Ok(anchor) => anchor,
            Err(gap) => return Judgement::unknown(vec![gap]),
        };
        let period = cadence
            .period
            .months()
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(u32::MAX);
        let today = self.req.date();
        let wanted = cadence
            .matching
            .as_ref()
            .and_then(|path| match self.req.fact(path) {
                Some(FactValue::Str(value)) => Some(value.as_str()),
                _ => None,
            });
        // Reports that certainly count (`sure`) and those that may
        // (`possible`): they differ only when the id to match is not given
        // and some report has a `ref` (catalog §1.4: the match is unknown).
        let mut sure: Vec<NaiveDate> = Vec::new();
        let mut possible: Vec<NaiveDate> = Vec::new();
        for event in self.req.events_of(&cadence.kind) {
            if event.date < anchor.date {
                continue;
            }
            let counts = match &cadence.matching {
                None => Some(true),
                Some(_) => ref_match(event, wanted),
            };
            match counts {
                Some(true) => {
                    sure.push(event.date);
                    possible.push(event.date);
                }
                None => possible.push(event.date),
                Some(false) => {}
            }
        }
        sure.sort_unstable();
        possible.sort_unstable();
        let unknown_id = cadence
            .matching
            .as_ref()
            .filter(|_| sure.len() != possible.len());

        // The owed periods: exactly m when the end is known, else between
        // the fewest (a term ending on its first day) and the most (no end).
        let end = self.date(&cadence.end);
        let closing = due_points(anchor.date, period, today, None);
        let (least, most) = match &end {
            Ok(end) => {
                let m = due_points(anchor.date, period, today, Some(end.date)).len();
                (m, m)
            }
            Err(_) => (
                due_points(anchor.date, period, today, Some(anchor.date)).len(),
                closing.len(),
            ),
        };
        let holds = |reports: &[NaiveDate], m: usize| {
            shortfall(anchor.date, &closing, m, reports).is_none()
        };
        let owed_text = |m: usize| {
            let points = closing.get(..m).unwrap_or_default();
            format!(
                "{m} {} due by {}{}",
                cadence.kind,
                format_date(today),
                listing(points)
            )
        };
        let filed_text =
            |reports: &[NaiveDate]| format!("{} filed{}", reports.len(), listing(reports));
        let end_note = |judgement: &str| match &end {
            Ok(_) => String::new(),
            Err(gap) => format!(
                " ({gap_evidence}; {judgement} whatever the end)",
                gap_evidence = gap.evidence
            ),
        };

        if holds(&sure, most) {
            let evidence = self.say(|| {
                let bound = if least == most { "" } else { "at most " };
                format!(
                    "{bound}{}, {}: one for each period{}",
                    owed_text(most),
                    filed_text(&sure),
                    end_note("met")
                )
            });
            return Judgement::known(true, evidence);
        }
        if let Some(short) = shortfall(anchor.date, &closing, least, &possible) {
            let evidence = self.say(|| {
                let bound = if least == most { "" } else { "at least " };
                let counted = match unknown_id {
                    Some(path) => format!(
                        "{} (any ref counted, as {path} is not given)",
                        filed_text(&possible)
                    ),
                    None => filed_text(&possible),
                };
                // Period 1 counts every report: the numbers say it all.
                let why = if short.period > 1 {
                    format!(": {}", describe_shortfall(&cadence.kind, short))
                } else {
                    String::new()
                };
                format!(
                    "{bound}{}, {counted}{why}{}",
                    owed_text(least),
                    end_note("unmet")
                )
            });
            return Judgement::known(false, evidence);
        }

        // Undecided: name what it depends on.
        let mut gaps = Vec::new();
        if let Err(gap) = &end {
            if [&sure, &possible]
                .iter()
                .any(|reports| holds(reports, least) != holds(reports, most))
            {
                gaps.push(gap.clone());
            }
        }
        if let Some(path) = unknown_id {
            // Whether some m in least..=most holds for one list and not the
            // other. Meeting m periods implies meeting fewer, and every
            // sure report is a possible one: they differ exactly when the
            // possible reports meet the first m the sure ones miss (found
            // by bisection, not by testing each m: a long term has tens of
            // thousands of periods).
            let differ =
                first_missed(least, most, |m| holds(&sure, m)).is_some_and(|m| holds(&possible, m));
            if differ {
                gaps.push(Gap {
                    needed: path.clone(),
                    evidence: self.say(|| {
                        format!(
                            "{} {} with a ref may or may not concern this request: {path} is not given",
                            possible.len() - sure.len(),
                            cadence.kind
                        )
                    }),
                });
            }
        }
        if gaps.is_empty() {
            // Each unknown alone changes nothing, both together do.
            gaps.extend(end.as_ref().err().cloned());
            gaps.extend(unknown_id.map(|path| Gap::fact(path.as_str())));
        }
        let mut judgement = Judgement::unknown(gaps);
        judgement.evidence = self.say(|| {
            let range = if least == most {
                owed_text(most)
            } else {
                format!("{} to {}", least, owed_text(most))
            };
            format!(
                "{range}, {} certainly counted, {} possibly: depends on {}; {}",
                sure.len(),
                possible.len(),
                judgement
                    .needed
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                judgement.evidence
            )
        });
        judgement
    }
}

/// The least m in `least..=most` for which `holds` is false, when `holds`
/// is true up to some m and false after it (`None`: true throughout).
pub(crate) fn first_missed(
    least: usize,
    most: usize,
    holds: impl Fn(usize) -> bool,
) -> Option<usize> {
    if least > most || holds(most) {
        return None;
    }
    // holds(most) is false: find the first false in [least, most].
    let (mut lo, mut hi) = (least, most);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// "none of them on or after 2024-07-01 (start of period 2), where 1
/// period is owed".
fn describe_shortfall(kind: &str, short: Shortfall) -> String {
    let filed = match short.filed {
        0 => "none of them".to_string(),
        n => format!("only {n} of them"),
    };
    let owed = if short.owed == 1 {
        "1 period is owed".to_string()
    } else {
        format!("{} periods are owed", short.owed)
    };
    format!(
        "{filed} on or after {} (start of period {}), where {owed} — a {kind} counts for its own period or cures an earlier one, never a later one",
        format_date(short.since),
        short.period
    )
}

/// ` (2025-01-01, 2026-01-01)`, the latest few, or nothing.
fn listing(dates: &[NaiveDate]) -> String {
    if dates.is_empty() {
        return String::new();
    }
    let skip = dates.len().saturating_sub(LISTED);
    let shown: Vec<String> = dates.iter().skip(skip).map(|d| format_date(*d)).collect();
    let more = if skip > 0 { "…, " } else { "" };
    format!(" ({more}{})", shown.join(", "))
}
