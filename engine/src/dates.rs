//! Calendar arithmetic of the catalog (§6.1): months clamp to the month's
//! last day, years are twelve months, periods are always counted from their
//! anchor, never by repeated addition.

use chrono::{Datelike, Days, Months, NaiveDate};

/// Parses an ISO `YYYY-MM-DD` date, rejecting anything else (no times, no
/// week dates, no signs, exactly four year digits).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-')
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        bytes.get(range).map_or(0, |digits| {
            digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))
}

/// `add_months(d, n)`: the same day of the month `n` months later (earlier
/// for negative `n`), clamped to the last day of a shorter month. Saturates
/// at the ends of the representable calendar instead of failing.
pub fn add_months(date: NaiveDate, months: i64) -> NaiveDate {
    let magnitude = u32::try_from(months.unsigned_abs()).unwrap_or(u32::MAX);
    let result = if months >= 0 {
        date.checked_add_months(Months::new(magnitude))
    } else {
        date.checked_sub_months(Months::new(magnitude))
    };
    result.unwrap_or(if months >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// `add_days(d, n)`: ordinary day arithmetic, saturating.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let magnitude = days.unsigned_abs();
    let result = if days >= 0 {
        date.checked_add_days(Days::new(magnitude))
    } else {
        date.checked_sub_days(Days::new(magnitude))
    };
    result.unwrap_or(if days >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// `last_day(s, n)` (catalog §6.1): the last day of a term of `n` months
/// whose first day is `s` — `add_months(s, n)` less one day, except when
/// `add_months` clamped the day to a shorter month's end (`s` is the
/// 29th–31st), then `add_months(s, n)` itself. A term's first and last
/// days both count: `last_day(2024-02-01, 24)` is 2026-01-31,
/// `last_day(2024-02-29, 36)` is 2027-02-28.
pub fn last_day(start: NaiveDate, months: i64) -> NaiveDate {
    let anniversary = add_months(start, months);
    if anniversary.day() < start.day() {
        anniversary
    } else {
        add_days(anniversary, -1)
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: NaiveDate) -> String {
    let mut text = String::with_capacity(10);
    push_date(&mut text, date);
    text
}

/// Appends `date` as `YYYY-MM-DD` (what `format!("{:04}-{:02}-{:02}")`
/// writes, without the formatting machinery: explanations write many dates).
pub fn push_date(text: &mut String, date: NaiveDate) {
    let year = date.year();
    let digits = match u32::try_from(year) {
        Ok(digits) if digits <= 9999 => digits,
        _ => {
            text.push_str(&format!("{year:04}-{:02}-{:02}", date.month(), date.day()));
            return;
        }
    };
    push_digits(text, digits, 4);
    text.push('-');
    push_digits(text, date.month(), 2);
    text.push('-');
    push_digits(text, date.day(), 2);
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from_digit(digit, 10).unwrap_or('0'));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// `parse_date` reads what chrono's `%Y-%m-%d` reads, on every
        /// text of the shape `DDDD-DD-DD` (impossible days and months too).
        #[test]
        fn parse_date_agrees_with_chrono(y in 0u32..=9999, m in 0u32..=99, d in 0u32..=99) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(
                parse_date(&text),
                NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
            );
        }

        /// `format_date` writes what the formatting machinery writes, on
        /// every representable date (negative and five-digit years too).
        #[test]
        fn format_date_agrees_with_format(days in i64::from(NaiveDate::MIN.num_days_from_ce())..=i64::from(NaiveDate::MAX.num_days_from_ce())) {
            let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).unwrap_or(1)).unwrap_or(NaiveDate::MIN);
            prop_assert_eq!(
                format_date(date),
                format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
            );
        }
    }

    /// `add_months` computed another way: the month by arithmetic on
    /// month numbers, the day clamped to the last day of that month.
    fn months_later(date: NaiveDate, months: i64) -> NaiveDate {
        let index = i64::from(date.year()) * 12 + i64::from(date.month0()) + months;
        let year = i32::try_from(index.div_euclid(12)).unwrap();
        let month = u32::try_from(index.rem_euclid(12)).unwrap() + 1;
        let last = (28..=31)
            .rev()
            .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
            .unwrap();
        NaiveDate::from_ymd_opt(year, month, date.day().min(last)).unwrap()
    }

    /// Every day of seven years (two of them leap years), moved by every
    /// month count from -25 to 25: exactly the other computation, with the
    /// day kept unless the month is too short.
    #[test]
    fn add_months_moves_exactly_n_months_and_clamps_the_day() {
        let (mut kept, mut clamped) = (0, 0);
        let mut date = d("2019-01-01");
        while date <= d("2025-12-31") {
            for months in -25..=25 {
                let moved = add_months(date, months);
                assert_eq!(
                    moved,
                    months_later(date, months),
                    "{date} + {months} months"
                );
                if moved.day() == date.day() {
                    kept += 1;
                } else {
                    // Clamped: to the last day of the month, never across it.
                    assert!(moved.day() < date.day() && add_days(moved, 1).day() == 1);
                    clamped += 1;
                }
            }
            date = add_days(date, 1);
        }
        assert_eq!(kept + clamped, 2557 * 51);
        // Days 29–31 meet shorter months often: the clamp is exercised.
        assert!(clamped > 1_500, "{clamped} clamped of {}", kept + clamped);
    }

    proptest! {
        #[test]
        fn add_months_agrees_with_month_arithmetic_over_centuries(
            days in 0i64..110_000,
            months in -12_000i64..12_000,
        ) {
            let date = add_days(d("1900-01-01"), days);
            prop_assert_eq!(add_months(date, months), months_later(date, months));
        }
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn catalog_examples_of_month_arithmetic() {
        assert_eq!(add_months(d("2024-08-31"), 6), d("2025-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(add_months(d("2023-11-30"), 3), d("2024-02-29"));
        assert_eq!(add_months(d("2025-12-31"), -3), d("2025-09-30"));
        assert_eq!(add_months(d("2026-05-31"), -3), d("2026-02-28"));
        assert_eq!(add_months(d("2025-05-01"), 36), d("2028-05-01"));
        assert_eq!(
            add_days(add_months(d("2025-05-01"), 36), -1),
            d("2028-04-30")
        );
    }

    #[test]
    fn catalog_examples_of_last_day() {
        assert_eq!(last_day(d("2024-02-01"), 36), d("2027-01-31"));
        assert_eq!(last_day(d("2024-02-01"), 24), d("2026-01-31"));
        assert_eq!(last_day(d("2024-02-29"), 36), d("2027-02-28"));
        assert_eq!(last_day(d("2025-05-01"), 36), d("2028-04-30"));
        assert_eq!(last_day(d("2026-03-01"), 24), d("2028-02-29"));
        // Not clamped: the day before the anniversary.
        assert_eq!(last_day(d("2024-01-31"), 12), d("2025-01-30"));
        assert_eq!(last_day(d("2024-01-31"), 2), d("2024-03-30"));
        // Clamped to a shorter month: the anniversary itself.
        assert_eq!(last_day(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(last_day(d("2024-03-30"), 11), d("2025-02-28"));
        assert_eq!(last_day(d("2023-03-31"), 11), d("2024-02-29"));
        // Agrees with the document end of catalog §2 note 2.
        assert_eq!(
            last_day(d("2025-05-01"), 36),
            add_days(add_months(d("2025-05-01"), 36), -1)
        );
    }

    #[test]
    fn parse_rejects_non_iso_shapes() {
        for bad in [
            "2023-02-30",
            "2023-2-01",
            "20230201",
            "+2023-02-01",
            "2023-02-01T00:00",
            "",
        ] {
            assert!(parse_date(bad).is_none(), "{bad} should be rejected");
        }
        assert_eq!(format_date(d("2024-02-29")), "2024-02-29");
    }
}
