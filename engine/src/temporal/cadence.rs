//! The cadence primitive of catalog §6.3: at least one report per period,
//! periods counted from the anchor, a period owed once its due day has
//! passed and only if it starts inside the term.

use chrono::NaiveDate;

use super::ast::Cadence;
use super::eval::{Ctx, Verdict};
use crate::dates::{add_months, format_date};
use crate::request::{Event, FactValue};

/// Most due points listed in an evidence sentence (the latest are kept).
const LISTED: usize = 12;

/// The due points owed on `today`: `due_k = add_months(anchor, k·period)`
/// for k ≥ 1 with `due_k < today` and the period's start
/// `add_months(anchor, (k−1)·period) ≤ end` (`end` = `None`: no end).
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

/// `matches(e, x)` of catalog §1.4.
pub(crate) fn matches_ref(event: &Event, wanted: Option<&str>) -> bool {
    match (&event.reference, wanted) {
        (Some(r), Some(x)) => r == x,
        _ => true,
    }
}

impl<'a> Ctx<'a> {
    pub(crate) fn cadence(&self, cadence: &Cadence) -> Verdict {
        let anchor = match self.date(&cadence.anchor) {
            Ok(anchor) => anchor,
            Err(gap) => return Verdict::unknown(vec![gap]),
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
        let counted: Vec<&Event> = self
            .req
            .events_of(&cadence.kind)
            .filter(|e| e.date >= anchor.date && matches_ref(e, wanted))
            .collect();
        let filed: Vec<NaiveDate> = counted.iter().map(|e| e.date).collect();
        let mut filed_text = format!("{} filed{}", filed.len(), listing(&filed));
        if let (Some(path), None) = (&cadence.matching, wanted) {
            if counted.iter().any(|e| e.reference.is_some()) {
                // Catalog §1.4: an absent id matches every ref. Say so, as
                // the count then includes events about any other subject.
                filed_text.push_str(&format!(
                    " ({path} is not given, so {} about any ref count)",
                    cadence.kind
                ));
            }
        }
        let owed = |points: &[NaiveDate]| {
            format!(
                "{} {} due by {}{}",
                points.len(),
                cadence.kind,
                format_date(today),
                listing(points)
            )
        };
        match self.date(&cadence.end) {
            Ok(end) => {
                let points = due_points(anchor.date, period, today, Some(end.date));
                Verdict::known(
                    filed.len() >= points.len(),
                    format!("{}, {filed_text}", owed(&points)),
                )
            }
            Err(gap) => {
                let most = due_points(anchor.date, period, today, None);
                let least = due_points(anchor.date, period, today, Some(anchor.date));
                if filed.len() >= most.len() {
                    Verdict::known(
                        true,
                        format!("at most {}, {filed_text} ({})", owed(&most), gap.evidence),
                    )
                } else if filed.len() < least.len() {
                    Verdict::known(
                        false,
                        format!("at least {}, {filed_text} ({})", owed(&least), gap.evidence),
                    )
                } else {
                    let mut verdict = Verdict::unknown(vec![gap]);
                    verdict.evidence = format!(
                        "{} to {}, depending on {}, {filed_text}; {}",
                        least.len(),
                        owed(&most),
                        verdict
                            .needed
                            .iter()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                        verdict.evidence
                    );
                    verdict
                }
            }
        }
    }
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
