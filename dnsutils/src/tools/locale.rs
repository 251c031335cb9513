//! The one locale fact GNU tools let leak into their messages: in a UTF-8 locale they quote with ‘’,
//! otherwise with ''. `sleep` and `wget` print the same quotes as the GNU tools they replace.

/// Opening and closing quote GNU coreutils and wget use in the current locale (`LC_ALL`, `LC_CTYPE`, `LANG`,
/// the first one set).
pub fn quotes() -> (char, char) {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    quotes_for(&locale)
}

/// The quotes for a locale name: typographic ones for a UTF-8 charset, plain apostrophes otherwise.
fn quotes_for(locale: &str) -> (char, char) {
    let locale = locale.to_ascii_lowercase();
    if locale.contains("utf-8") || locale.contains("utf8") { ('‘', '’') } else { ('\'', '\'') }
}

/// `text` between the locale's quotes, as GNU's `quote()` prints it.
pub fn quote(text: &str) -> String {
    let (open, close) = quotes();
    format!("{open}{text}{close}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UTF-8 locale, however spelled, gets typographic quotes; C and unset get apostrophes.
    #[test]
    fn quotes_follow_the_charset() {
        assert_eq!(quotes_for("en_US.UTF-8"), ('‘', '’'));
        assert_eq!(quotes_for("C.utf8"), ('‘', '’'));
        assert_eq!(quotes_for("C"), ('\'', '\''));
        assert_eq!(quotes_for(""), ('\'', '\''));
    }
}
