//! The one configuration error every binary reports the same way: one line naming the setting, the bad
//! value (unless it may be secret) and what would have been accepted, then exit code 64.

use std::borrow::Cow;

/// A setting that cannot be used. Its message is the whole line the user sees after the program name.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not parse or is out of range.
    #[error("invalid {setting} {value:?}: {expected}")]
    Invalid {
        /// The setting as the user wrote it: the environment variable every flag falls back to.
        setting: &'static str,
        /// The offending value, quoted in the message.
        value: String,
        /// What would have been accepted, for example "expected a duration such as 2s".
        expected: Cow<'static, str>,
    },
    /// A value that may hold a password, so its text is never echoed; only why it failed.
    #[error("invalid {setting} (value not shown, it may hold a password): {reason}; {expected}")]
    Secret {
        /// The setting's name.
        setting: &'static str,
        /// Why it failed, in words that never repeat the value.
        reason: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The command line itself is wrong (an unknown flag, a missing value): clap's first line.
    #[error("{0}")]
    Usage(String),
}

impl ConfigError {
    /// An [`ConfigError::Invalid`] for `setting` holding `value`.
    pub fn invalid(setting: &'static str, value: &str, expected: impl Into<Cow<'static, str>>) -> ConfigError {
        ConfigError::Invalid { setting, value: value.to_string(), expected: expected.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message names the setting, quotes the value and says what is accepted, on one line.
    #[test]
    fn invalid_names_setting_value_and_expectation() {
        let e = ConfigError::invalid("DB_PORT", "abc", "expected a TCP port number between 1 and 65535");
        assert_eq!(e.to_string(), "invalid DB_PORT \"abc\": expected a TCP port number between 1 and 65535");
    }

    /// A secret setting's message never holds its value.
    #[test]
    fn secret_hides_the_value() {
        let e = ConfigError::Secret {
            setting: "DATABASE_URL",
            reason: "invalid port".into(),
            expected: "expected postgres://user:password@host:port/dbname",
        };
        assert_eq!(
            e.to_string(),
            "invalid DATABASE_URL (value not shown, it may hold a password): invalid port; expected postgres://user:password@host:port/dbname"
        );
    }
}
