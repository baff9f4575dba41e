//! Defanging (CyberChef / SANS style) for text humans read.
//!
//! `refang(defang(t, v)) == v` for every value that does not itself contain a refang token
//! (`hxxp`, `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `\.`, `[:]`, `[://]`, `[@]`, `[at]`,
//! `(at)`, `{at}`), which no valid IP, domain or e-mail address can, and real URLs practically
//! never do. The convention has no escape, so a URL literally containing `hxxp` comes back
//! with `http`. (A `.` inside such a token is defanged too, so `a[.]b` does survive.)

#[cfg(test)]
mod tests;

/// What a tag type holds, as far as defanging cares.
enum Shape {
    Url,
    /// Host names, and UNC paths, which Windows resolves on click like a link.
    Host,
    Ip,
    Email,
    /// Ports, paths, hashes, user agents: nothing clickable, left as is.
    Inert,
}

fn shape(tag_type: &str) -> Shape {
    if tag_type.ends_with(".uri") {
        Shape::Url
    } else if tag_type.ends_with(".domain")
        || tag_type.ends_with(".unc_path")
        || tag_type == "network.tls.sni"
    {
        Shape::Host
    } else if tag_type.ends_with(".ip") {
        Shape::Ip
    } else if tag_type == "network.email.address" {
        Shape::Email
    } else {
        Shape::Inert
    }
}

/// The canonical defanged form of a value of this tag type.
pub fn defang(tag_type: &str, value: &str) -> String {
    match shape(tag_type) {
        Shape::Url => defang_url(value),
        Shape::Host => value.replace('.', "[.]"),
        Shape::Ip => value.replace('.', "[.]").replace(':', "[:]"),
        Shape::Email => value.replace('@', "[@]").replace('.', "[.]"),
        Shape::Inert => value.to_string(),
    }
}

/// `http`→`hxxp` anywhere (CyberChef does the same, which also breaks `?u=http://…` inside
/// queries), `://`→`[://]`, `.`→`[.]`. Letter case is kept (`HTTP`→`HXXP`, `Http`→`Hxxp`)
/// so refang restores the exact text.
fn defang_url(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len() + 16);
    let mut i = 0;
    while i < value.len() {
        let rest = &value[i..];
        if rest.starts_with("://") {
            out.push_str("[://]");
            i += 3;
        } else if starts_with_ignore_case(rest, "http") {
            let [h, t1, t2, p] = [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
            if h == b'h' && (t1 == b'T' || t2 == b'T') {
                // refang reads `hXXp` as plain `http` (the common convention), so `hTTp`
                // has no defanged spelling; `[://]` and `[.]` still make the URL dead.
                out.push_str(&rest[..4]);
            } else {
                let x = |t: u8| if t == b'T' { 'X' } else { 'x' };
                out.extend([h as char, x(t1), x(t2), p as char]);
            }
            i += 4;
        } else if rest.starts_with('.') {
            out.push_str("[.]");
            i += 1;
        } else {
            let c = rest.chars().next().expect("i is inside the string");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Byte-wise, so a multi-byte character right after a near-match cannot split a slice.
fn starts_with_ignore_case(text: &str, ascii: &str) -> bool {
    text.len() >= ascii.len()
        && text.as_bytes()[..ascii.len()].eq_ignore_ascii_case(ascii.as_bytes())
}
