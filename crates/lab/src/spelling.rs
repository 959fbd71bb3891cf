//! How a real number is spelled in every file and message: rounded to nine decimals,
//! without trailing zeros. A leaf, so the computations' messages and the writers' files
//! spell a value the same way.

/// A real number rounded to nine decimals, without trailing zeros.
pub fn fmt_real(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let r = (v * 1e9).round() / 1e9;
    // Avoid "-0".
    if r == 0.0 { "0".into() } else { format!("{r}") }
}
