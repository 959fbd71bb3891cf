//! A stable fingerprint of input bytes (FNV-1a, 64 bits), recorded in manifests and
//! design files so that a resume or a merge can tell the same input from another. A leaf.

/// FNV-1a, 64 bits: a stable fingerprint of bytes (not a cryptographic hash), in hex.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_has_its_published_values() {
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
