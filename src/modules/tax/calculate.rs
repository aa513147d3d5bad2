//! The tax calculation (API.md, "Tax rates") as a pure function: which of a jurisdiction's
//! rates apply to an amount of one category on one date, and what each adds — exact
//! decimals, every amount rounded half-up to the currency's decimal places. The caller loads
//! the rates and the currency; the tests below are the rules' specification.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// The most decimal places an exact decimal carries.
const MAX_PLACES: u32 = 28;

/// A tax rate as the calculation reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    pub id: String,
    pub name: String,
    /// The category it taxes; `None` for a rate of no category.
    pub tax_category: Option<String>,
    /// A fraction: 0.08250 is 8.25 %.
    pub rate: Decimal,
    /// Taxes the amount plus every tax applied before it.
    pub is_compound: bool,
    /// Lower priorities apply first.
    pub priority: i64,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub is_active: bool,
}

impl Rate {
    /// Whether the rate taxes `category` on `date`: active, of that category, and valid on the
    /// date (both ends inclusive, an open end unbounded).
    pub fn applies(&self, category: Option<&str>, date: NaiveDate) -> bool {
        self.is_active
            && self.tax_category.as_deref() == category
            && self.valid_from.is_none_or(|from| from <= date)
            && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// One applied rate.
#[derive(Debug, PartialEq)]
pub struct Applied<'a> {
    pub rate: &'a Rate,
    /// What the rate was applied to: the amount, plus the taxes before it for a compound rate.
    pub taxable_amount: Decimal,
    pub tax_amount: Decimal,
}

/// The taxes on an amount; every amount carries exactly the currency's decimal places.
#[derive(Debug, PartialEq)]
pub struct Calculation<'a> {
    pub amount: Decimal,
    pub tax_amount: Decimal,
    pub total: Decimal,
    /// The applied rates in the order they were applied.
    pub breakdown: Vec<Applied<'a>>,
}

/// The amount rounded half-up (away from zero at .5) to `places` and carrying exactly that
/// many; `None` when so many places no longer fit an exact decimal.
pub fn money(value: Decimal, places: u32) -> Option<Decimal> {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    (rounded.scale() == places).then_some(rounded)
}

/// Applies to `amount` (first rounded to `places`) the `rates` that tax `category` on `date`,
/// by ascending priority (equal priorities in the order given): each tax is the rounded
/// product of its rate and its taxable amount — the amount, plus the taxes before it for a
/// compound rate. `None` when a result outgrows exact decimals.
pub fn calculate<'a>(
    amount: Decimal,
    places: u32,
    category: Option<&str>,
    date: NaiveDate,
    rates: &'a [Rate],
) -> Option<Calculation<'a>> {
    let places = places.min(MAX_PLACES);
    let amount = money(amount, places)?;
    let mut applicable: Vec<&Rate> = rates.iter().filter(|rate| rate.applies(category, date)).collect();
    applicable.sort_by_key(|rate| rate.priority);
    let mut taxes = money(Decimal::ZERO, places)?;
    let mut breakdown = Vec::with_capacity(applicable.len());
    for rate in applicable {
        let taxable_amount = if rate.is_compound { amount.checked_add(taxes)? } else { amount };
        let tax_amount = money(taxable_amount.checked_mul(rate.rate)?, places)?;
        taxes = taxes.checked_add(tax_amount)?;
        breakdown.push(Applied { rate, taxable_amount: money(taxable_amount, places)?, tax_amount });
    }
    let total = money(amount.checked_add(taxes)?, places)?;
    Some(Calculation { amount, tax_amount: money(taxes, places)?, total, breakdown })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal")
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    /// An active, simple rate of STANDARD at priority 0, valid always.
    fn rate(id: &str, fraction: &str) -> Rate {
        Rate {
            id: id.into(),
            name: format!("Rate {id}"),
            tax_category: Some("STANDARD".into()),
            rate: d(fraction),
            is_compound: false,
            priority: 0,
            valid_from: None,
            valid_to: None,
            is_active: true,
        }
    }

    /// The calculation of `amount` in STANDARD on 2026-06-15, as strings: amount, tax, total and
    /// each applied rate's `id taxable tax`.
    fn run(amount: &str, places: u32, rates: &[Rate]) -> (String, String, String, Vec<String>) {
        run_on(amount, places, "2026-06-15", rates)
    }

    fn run_on(amount: &str, places: u32, date: &str, rates: &[Rate]) -> (String, String, String, Vec<String>) {
        let calc = calculate(d(amount), places, Some("STANDARD"), day(date), rates).expect("calculated");
        let lines = calc
            .breakdown
            .iter()
            .map(|line| format!("{} {} {}", line.rate.id, line.taxable_amount, line.tax_amount))
            .collect();
        (calc.amount.to_string(), calc.tax_amount.to_string(), calc.total.to_string(), lines)
    }

    #[test]
    fn the_contract_examples() {
        let ca = [rate("ca", "0.08250")];
        assert_eq!(run("19.99", 2, &ca), ("19.99".into(), "1.65".into(), "21.64".into(), vec!["ca 19.99 1.65".into()]));
        // 1000 × 0.0825 = 82.5 exactly: half-up gives 83.
        assert_eq!(run("1000", 0, &ca), ("1000".into(), "83".into(), "1083".into(), vec!["ca 1000 83".into()]));
        assert_eq!(run("10", 3, &ca).1, "0.825", "three-decimal currencies (BHD) keep three places");
    }

    #[test]
    fn no_applicable_rate_is_zero_tax_with_the_currencys_places() {
        assert_eq!(run("19.99", 2, &[]), ("19.99".into(), "0.00".into(), "19.99".into(), vec![]));
        assert_eq!(run("5", 3, &[]), ("5.000".into(), "0.000".into(), "5.000".into(), vec![]));
        assert_eq!(run("5", 0, &[]), ("5".into(), "0".into(), "5".into(), vec![]));
    }

    #[test]
    fn a_compound_rate_taxes_the_amount_plus_every_tax_before_it() {
        // Quebec style: GST 5 % on 100, then QST 9.975 % on 105 (compound).
        let mut qst = rate("qst", "0.09975");
        qst.is_compound = true;
        qst.priority = 2;
        let mut gst = rate("gst", "0.05");
        gst.priority = 1;
        let mut levy = rate("levy", "0.01");
        levy.priority = 3;
        let (_, tax, total, lines) = run("100.00", 2, &[qst.clone(), levy, gst]);
        assert_eq!(lines, ["gst 100.00 5.00", "qst 105.00 10.47", "levy 100.00 1.00"]);
        assert_eq!((tax.as_str(), total.as_str()), ("16.47", "116.47"));
        // A chain of compounds taxes the rounded taxes before each.
        let mut second = qst.clone();
        second.id = "qst2".into();
        second.priority = 5;
        let (_, tax, _, lines) = run("100", 2, &[second, qst, rate("base", "0.10")]);
        assert_eq!(lines, ["base 100.00 10.00", "qst 110.00 10.97", "qst2 120.97 12.07"]);
        assert_eq!(tax, "33.04");
    }

    #[test]
    fn equal_priorities_apply_in_the_order_given() {
        let mut compound = rate("b", "0.10");
        compound.is_compound = true;
        let (_, _, _, lines) = run("10", 2, &[rate("a", "0.10"), compound.clone()]);
        assert_eq!(lines, ["a 10.00 1.00", "b 11.00 1.10"]);
        let (_, _, _, lines) = run("10", 2, &[compound, rate("a", "0.10")]);
        assert_eq!(lines, ["b 10.00 1.00", "a 10.00 1.00"]);
    }

    #[test]
    fn validity_is_inclusive_at_both_ends_and_open_ends_are_unbounded() {
        let mut bounded = rate("bounded", "0.10");
        bounded.valid_from = Some(day("2026-01-01"));
        bounded.valid_to = Some(day("2026-12-31"));
        let mut from = rate("from", "0.01");
        from.valid_from = Some(day("2026-07-01"));
        let mut until = rate("until", "0.02");
        until.valid_to = Some(day("2026-06-30"));
        let rates = [bounded, from, until];
        let applied = |date: &str| -> Vec<String> {
            run_on("100", 2, date, &rates).3.iter().map(|l| l.split(' ').next().unwrap_or("").to_string()).collect()
        };
        assert_eq!(applied("2025-12-31"), ["until"]);
        assert_eq!(applied("2026-01-01"), ["bounded", "until"]);
        assert_eq!(applied("2026-06-30"), ["bounded", "until"]);
        assert_eq!(applied("2026-07-01"), ["bounded", "from"]);
        assert_eq!(applied("2026-12-31"), ["bounded", "from"]);
        assert_eq!(applied("2027-01-01"), ["from"]);
    }

    #[test]
    fn inactive_rates_and_rates_of_another_category_do_not_apply() {
        let mut inactive = rate("inactive", "0.50");
        inactive.is_active = false;
        let mut exempt = rate("exempt", "0.30");
        exempt.tax_category = Some("EXEMPT".into());
        let mut uncategorized = rate("none", "0.20");
        uncategorized.tax_category = None;
        let rates = [inactive, exempt, uncategorized, rate("std", "0.10")];
        assert_eq!(run("10", 2, &rates).3, ["std 10.00 1.00"]);
        let none = calculate(d("10"), 2, None, day("2026-06-15"), &rates).expect("calculated");
        let ids: Vec<&str> = none.breakdown.iter().map(|l| l.rate.id.as_str()).collect();
        assert_eq!(ids, ["none"], "no category selects the rates of no category");
    }

    #[test]
    fn every_amount_rounds_half_up_to_the_currencys_places() {
        // 0.5 × 0.01 = 0.005 → 0.01; 0.49 × 0.01 = 0.0049 → 0.00.
        assert_eq!(run("0.50", 2, &[rate("r", "0.01")]).1, "0.01");
        assert_eq!(run("0.49", 2, &[rate("r", "0.01")]).1, "0.00");
        // JPY: 10 × 0.05 = 0.5 → 1; 9 × 0.05 = 0.45 → 0.
        assert_eq!(run("10", 0, &[rate("r", "0.05")]).1, "1");
        assert_eq!(run("9", 0, &[rate("r", "0.05")]).1, "0");
        // BHD: 1 × 0.00125 = 0.00125 → 0.001; 1 × 0.0015 → 0.002.
        assert_eq!(run("1", 3, &[rate("r", "0.00125")]).1, "0.001");
        assert_eq!(run("1", 3, &[rate("r", "0.0015")]).1, "0.002");
        // The amount itself takes the currency's places, half-up too.
        assert_eq!(run("19.995", 2, &[]).0, "20.00");
        assert_eq!(run("1000.5", 0, &[]).0, "1001");
        // Negative amounts (credit notes) round away from zero at .5.
        assert_eq!(
            run("-1000", 0, &[rate("r", "0.0825")]),
            ("-1000".into(), "-83".into(), "-1083".into(), vec!["r -1000 -83".into()])
        );
        assert_eq!(run("-0.001", 2, &[]).0, "0.00", "no negative zero");
    }

    #[test]
    fn results_beyond_exact_decimals_are_refused() {
        let huge = d("9999999999999999999999999");
        let rates = [rate("r", "99999.99999")];
        assert!(calculate(huge, 2, Some("STANDARD"), day("2026-06-15"), &rates).is_none());
        assert!(calculate(huge, 28, Some("STANDARD"), day("2026-06-15"), &[]).is_none());
    }
}
