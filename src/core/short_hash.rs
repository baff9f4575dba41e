//! A hash as the tables show it: its first and last characters around an ellipsis, short
//! enough to sit on one line beside a copy button. The whole hash stays in the link and the
//! title, so nothing is lost, and both ends still tell two files apart at a glance.

/// Characters kept at each end.
const END: usize = 8;

/// `0123abcd…89abcdef` for a long hash; a short text as it is.
pub fn short_hash(hash: &str) -> String {
    let count = hash.chars().count();
    if count <= 2 * END + 1 {
        return hash.to_string();
    }
    let head: String = hash.chars().take(END).collect();
    let tail: String = hash.chars().skip(count - END).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sha256_keeps_eight_characters_at_each_end() {
        let sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let short = short_hash(sha);
        assert_eq!(short, "01234567…89abcdef");
        let (head, tail) = short.split_once('…').unwrap();
        assert!(sha.starts_with(head) && sha.ends_with(tail));
    }

    #[test]
    fn short_texts_stay_whole_and_characters_are_never_cut() {
        assert_eq!(short_hash(""), "");
        assert_eq!(short_hash("0123456789abcdef0"), "0123456789abcdef0");
        // Not a hash at all (a server value): cut between characters, never inside one.
        let odd = "ééééééééééééééééééé";
        assert_eq!(short_hash(odd), "éééééééé…éééééééé");
    }
}
