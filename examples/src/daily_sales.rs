//! Keyed partitions: one partition of sales per day, keyed by the day, and a report by day.
//!
//! The source returns `(day, sales)` pairs, so each partition is named by its day: the map
//! keeps the days, the report takes the totals as a `BTreeMap<Date, _>`, and a failure names
//! the day (`failed on partition `2024-02-29` (59)`), not only its number.

use std::collections::BTreeMap;

use dagger_core::keys::days;
use dagger_core::prelude::*;
use jiff::civil::Date;

/// One sale: an amount in cents, and the store it was made in.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sale {
    pub store: u32,
    pub cents: u64,
}

/// The sales of each day from `from` to `to` (both included), keyed by day: made up from the
/// day, so that every run and every process sees the same.
#[task(partitioned, keyed)]
pub fn daily_sales(from: Date, to: Date) -> Vec<(Date, Vec<Sale>)> {
    days(from, to)
        .map(|day| {
            let seed = u64::from(day.day_of_year().unsigned_abs()) + 7 * u64::from(day.year().unsigned_abs());
            let sales =
                (0..1 + seed % 5).map(|i| Sale { store: (i % 3) as u32, cents: 100 + (seed * 37 + i * 11) % 900 });
            (day, sales.collect())
        })
        .collect()
}

/// The total of one day's sales, in cents.
#[task]
pub fn day_total(sales: &[Sale]) -> u64 {
    sales.iter().map(|sale| sale.cents).sum()
}

/// What the report says: the total of the period, and its best day.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub days: usize,
    pub total_cents: u64,
    pub best_day: Option<Date>,
}

/// The report, from each day's total by day.
#[task]
pub fn report(totals: BTreeMap<Date, u64>) -> Report {
    let best_day = totals.iter().max_by_key(|(day, total)| (**total, std::cmp::Reverse(**day))).map(|(day, _)| *day);
    Report { days: totals.len(), total_cents: totals.values().sum(), best_day }
}

/// Sales by day, reduced to a report; by default, the week around the leap day of 2024.
#[dag]
pub fn sales_report(
    #[default(jiff::civil::date(2024, 2, 26))] from: Date,
    #[default(jiff::civil::date(2024, 3, 3))] to: Date,
) -> Report {
    let sales = daily_sales(from, to);
    let totals = sales.map(|day| day_total(day));
    report(totals)
}

/// The average of one trailing window of days' totals, in cents.
#[task]
pub fn window_average(window: Vec<(Date, u64)>) -> u64 {
    window.iter().map(|(_, total)| total).sum::<u64>() / window.len().max(1) as u64
}

/// The trend: each day's trailing average, by day.
#[task]
pub fn trend(averages: BTreeMap<Date, u64>) -> Vec<(Date, u64)> {
    averages.into_iter().collect()
}

/// The trailing 7-day average of the daily totals, for the days from `report_from` on: the
/// sales of the 6 days before `report_from` are read for the first windows, and no day before
/// those.
#[dag]
pub fn weekly_trend(
    #[default(jiff::civil::date(2024, 2, 1))] from: Date,
    #[default(jiff::civil::date(2024, 3, 10))] to: Date,
    #[default(jiff::civil::date(2024, 2, 26))] report_from: Date,
) -> Vec<(Date, u64)> {
    let totals = daily_sales(from, to).map(|day| day_total(day));
    let weeks = totals.window(6);
    let reported = weeks.select(report_from..);
    let averages = reported.map(|week| window_average(week));
    trend(averages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_matches_the_tasks_called_as_functions() {
        let (from, to) = (jiff::civil::date(2024, 2, 26), jiff::civil::date(2024, 3, 2));
        let totals: BTreeMap<Date, u64> =
            daily_sales(from, to).into_iter().map(|(day, sales)| (day, day_total(&sales))).collect();
        assert_eq!(totals.len(), 6, "2024 is a leap year");
        assert_eq!(sales_report::run(from, to).unwrap(), report(totals.clone()));
    }

    #[test]
    fn the_trend_is_the_average_of_each_day_and_the_six_before() {
        let (from, to, report_from) =
            (jiff::civil::date(2024, 2, 20), jiff::civil::date(2024, 3, 2), jiff::civil::date(2024, 2, 28));
        let totals: Vec<(Date, u64)> =
            daily_sales(from, to).into_iter().map(|(day, sales)| (day, day_total(&sales))).collect();
        let expected: Vec<(Date, u64)> = (0..totals.len())
            .filter(|&i| totals[i].0 >= report_from)
            .map(|i| (totals[i].0, window_average(totals[i.saturating_sub(6)..=i].to_vec())))
            .collect();
        assert_eq!(expected.len(), 4);
        assert_eq!(weekly_trend::run(from, to, report_from).unwrap(), expected);
    }
}
