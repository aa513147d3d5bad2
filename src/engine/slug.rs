//! Slugs generated from a name the way Django's `slugify` does: compatibility-decomposed to
//! ASCII (letters lose their accents, what has no ASCII form goes), lower-cased, anything but
//! letters, digits, `_`, `-` and spaces dropped, runs of spaces and hyphens made one hyphen,
//! and `-` / `_` trimmed from the ends.

use unicode_normalization::UnicodeNormalization;

/// `slugify("Wireless Mice & Keyboards")` → `"wireless-mice-keyboards"`.
pub fn slugify(name: &str) -> String {
    let ascii: String = name.nfkd().filter(char::is_ascii).collect::<String>().to_ascii_lowercase();
    let kept: String = ascii
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-') || c.is_ascii_whitespace())
        .collect();
    let mut slug = String::with_capacity(kept.len());
    let mut gap = false;
    for c in kept.chars() {
        if c == '-' || c.is_ascii_whitespace() {
            gap = true;
            continue;
        }
        if gap && !slug.is_empty() {
            slug.push('-');
        }
        gap = false;
        slug.push(c);
    }
    slug.trim_matches(['-', '_']).to_string()
}

/// The `n`-th candidate for a taken slug: `base`, `base-2`, `base-3` …, within `max` characters.
pub fn candidate(base: &str, n: usize, max: usize) -> String {
    if n <= 1 {
        return base.chars().take(max).collect();
    }
    let suffix = format!("-{n}");
    let room = max.saturating_sub(suffix.len());
    format!("{}{suffix}", base.chars().take(room).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_django() {
        for (name, slug) in [
            ("Hello World", "hello-world"),
            ("  Wireless Mice & Keyboards ", "wireless-mice-keyboards"),
            ("Crème brûlée", "creme-brulee"),
            ("it's a_b -- c", "its-a_b-c"),
            ("Straße", "strae"),
            ("___x___", "x"),
            ("日本語", ""),
            ("A-B", "a-b"),
        ] {
            assert_eq!(slugify(name), slug, "{name}");
        }
    }

    #[test]
    fn taken_slugs_get_a_number_within_the_length() {
        assert_eq!(candidate("shoes", 1, 50), "shoes");
        assert_eq!(candidate("shoes", 3, 50), "shoes-3");
        assert_eq!(candidate("abcdef", 12, 6), "abc-12");
    }
}
