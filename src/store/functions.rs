//! The SQL functions Plinth registers on every connection, each the twin of a Rust function
//! that in-memory code calls for the same answer: `plinth_fold` ([`fold`]) for case-insensitive
//! matching, `plinth_decimal_key` ([`decimal_key`]) for comparing decimal strings by value,
//! and `plinth_decimal` writing a stored decimal as the API shows it (for JSON built in SQL).

use std::str::FromStr;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rust_decimal::Decimal;

use super::StoreError;

/// Name of the SQL function that folds text to lower case for case-insensitive matching
/// (SQLite's own `lower()` and `LIKE` fold ASCII letters only).
pub const FOLD: &str = "plinth_fold";

/// Name of the SQL function answering [`decimal_key`] of a text, NULL for anything else.
pub const DECIMAL_KEY: &str = "plinth_decimal_key";

/// Name of the SQL function that writes a decimal stored as an integer scaled by 10^scale as
/// its text (`plinth_decimal(1234500, 5)` is `'12.34500'`), as `Decimal::new(n, scale)` does.
pub const DECIMAL: &str = "plinth_decimal";

pub(super) fn register(conn: &Connection) -> Result<(), StoreError> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function(FOLD, 1, flags, |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| fold(&s))))?;
    conn.create_scalar_function(DECIMAL_KEY, 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok().and_then(decimal_key),
            _ => None,
        })
    })?;
    conn.create_scalar_function(DECIMAL, 2, flags, |ctx| {
        let (scaled, scale) = (ctx.get::<Option<i64>>(0)?, ctx.get::<u32>(1)?);
        Ok(scaled.map(|n| Decimal::new(n, scale.min(28)).to_string()))
    })?;
    Ok(())
}

/// Case folding used for every case-insensitive comparison.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// A text whose byte order is the numeric order of the decimal `text`, so that SQL compares
/// and sorts decimal strings by value: `"9.5"` before `"10.25"`, and `"1.5"` equal to
/// `"1.50"`. `None` when `text` is not a decimal string as the API writes them — an optional
/// `-`, digits, and optionally `.` and digits (`rust_decimal` alone would also take `+5`,
/// `.5`, `1e5` or `1_000`) — of at most 28 places and 29 digits (more places are rounded).
///
/// The key is a sign class (`0` negative, `1` zero, `2` positive), then for non-zero values
/// the decimal exponent `e` of `0.d₁d₂… × 10^e` in two digits and the significant digits
/// without trailing zeros. Negative values invert exponent and digits and end in `~` (above
/// every digit), so that a larger magnitude sorts lower.
pub fn decimal_key(text: &str) -> Option<String> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, places) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(places) {
        return None;
    }
    let value = Decimal::from_str(text).ok()?;
    if value.is_zero() {
        return Some("1".into());
    }
    let digits = value.mantissa().unsigned_abs().to_string();
    // At most 29 digits and a scale of at most 28: the exponent lies in -27..=29.
    let exponent = digits.len() as i64 - i64::from(value.scale());
    let digits = digits.trim_end_matches('0');
    Some(if value.is_sign_negative() {
        let inverted: String = digits.bytes().map(|d| char::from(b'9' - d + b'0')).collect();
        format!("0{:02}{inverted}~", 49 - exponent)
    } else {
        format!("2{:02}{digits}", exponent + 50)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decimal_keys_order_by_value() {
        let ordered = [
            "-79228162514264337593543950335",
            "-100.5",
            "-100",
            "-10.25",
            "-9.5",
            "-0.0000000000000000000000000001",
            "0",
            "0.0000000000000000000000000001",
            "0.5",
            "9.5",
            "10.25",
            "100",
            "100.5",
            "79228162514264337593543950335",
        ];
        let keys: Vec<String> = ordered.iter().map(|d| decimal_key(d).expect(d)).collect();
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        for (a, b) in [("1.5", "1.50"), ("0", "-0.00"), ("100", "100.000"), ("-2", "-2.0")] {
            assert_eq!(decimal_key(a), decimal_key(b), "{a} = {b}");
        }
        for bad in [
            "",
            "abc",
            "1.2.3",
            "[1]",
            "{}",
            "1,5",
            "+5",
            ".5",
            "5.",
            "1e5",
            "1_000",
            "-",
            " 5",
            "1".repeat(30).as_str(),
        ] {
            assert_eq!(decimal_key(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn decimal_key_order_is_numeric_order(a in any::<i64>(), b in any::<i64>(), sa in 0u32..12, sb in 0u32..12) {
            let (x, y) = (Decimal::new(a, sa), Decimal::new(b, sb));
            let (kx, ky) = (decimal_key(&x.to_string()), decimal_key(&y.to_string()));
            prop_assert_eq!(kx.cmp(&ky), x.cmp(&y), "{} vs {}", x, y);
        }
    }
}
