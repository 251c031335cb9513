//! The one locale fact GNU tools let leak into their messages: in a UTF-8 locale they quote with ‘’,
//! otherwise with ''. `sleep` and `wget` print the same quotes as the GNU tools they replace.

/// Opening and closing quote GNU coreutils and wget use in the current locale (`LC_ALL`, `LC_CTYPE`, `LANG`).
pub fn quotes() -> (char, char) {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if locale.contains("utf-8") || locale.contains("utf8") { ('‘', '’') } else { ('\'', '\'') }
}

/// `text` between the locale's quotes, as GNU's `quote()` prints it.
pub fn quote(text: &str) -> String {
    let (open, close) = quotes();
    format!("{open}{text}{close}")
}
