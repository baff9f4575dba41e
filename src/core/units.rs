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
}
