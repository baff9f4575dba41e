//! Sizes in words ("2202.2 MB"). Integer arithmetic on purpose: formatting an f64 brings
//! about 8 KB of gzipped code into the page, for one decimal place.

/// `bytes` in MB (10^6) with one decimal, rounded to nearest.
pub fn megabytes(bytes: u64) -> String {
    format!("{} MB", tenths(bytes, 1_000_000))
}

/// `bytes` in GB (10^9) with one decimal, rounded to nearest.
pub fn gigabytes(bytes: u64) -> String {
    format!("{} GB", tenths(bytes, 1_000_000_000))
}

/// `bytes` in the unit that reads best: "512 B", "15.2 KB", "3.4 MB", "2.2 GB".
pub fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} KB", tenths(bytes, 1_000)),
        1_000_000..1_000_000_000 => megabytes(bytes),
        _ => gigabytes(bytes),
    }
}

/// Seconds in words for "time left": "45 s", "3 min 20 s", "2 h 5 min".
pub fn duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A size limit typed in GB ("5", "0.5", "" for none), in bytes; the error says what is
/// expected.
pub fn parse_gigabytes(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let bad = || {
        format!("Enter a size in GB such as 5 or 0.5 (got {text:?}); leave it empty for no limit.")
    };
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 3
    {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let milli: u64 = format!("{fraction:0<3}").parse().map_err(|_| bad())?;
    let bytes = whole
        .checked_mul(1_000_000_000)
        .and_then(|b| b.checked_add(milli * 1_000_000))
        .ok_or_else(bad)?;
    if bytes == 0 {
        return Err(bad());
    }
    Ok(Some(bytes))
}

fn tenths(bytes: u64, unit: u64) -> String {
    let tenths = (u128::from(bytes) * 10 + u128::from(unit) / 2) / u128::from(unit);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_decimal_rounded_to_nearest() {
        assert_eq!(megabytes(0), "0.0 MB");
        assert_eq!(megabytes(49_999), "0.0 MB");
        assert_eq!(megabytes(50_000), "0.1 MB");
        assert_eq!(megabytes(2_202_184_593), "2202.2 MB");
        assert_eq!(megabytes(999_950_000), "1000.0 MB");
        assert_eq!(gigabytes(314_602_942), "0.3 GB");
        assert_eq!(gigabytes(2_202_205_379), "2.2 GB");
        assert_eq!(gigabytes(u64::MAX), "18446744073.7 GB");
    }

    #[test]
    fn sizes_and_durations_read_in_the_best_unit() {
        assert_eq!(size(999), "999 B");
        assert_eq!(size(15_249), "15.2 KB");
        assert_eq!(size(3_400_000), "3.4 MB");
        assert_eq!(size(2_202_205_379), "2.2 GB");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(200), "3 min 20 s");
        assert_eq!(duration(7500), "2 h 5 min");
    }

    #[test]
    fn size_limits_in_gigabytes() {
        assert_eq!(parse_gigabytes(" 5 "), Ok(Some(5_000_000_000)));
        assert_eq!(parse_gigabytes("0.5"), Ok(Some(500_000_000)));
        assert_eq!(parse_gigabytes(".25"), Ok(Some(250_000_000)));
        assert_eq!(parse_gigabytes(""), Ok(None));
        for bad in [
            "five",
            "-1",
            "0",
            "1.2345",
            ".",
            "1e3",
            "99999999999999999999",
        ] {
            let words = parse_gigabytes(bad).unwrap_err();
            assert!(words.contains("size in GB"), "{bad}: {words}");
        }
    }
}
