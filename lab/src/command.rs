//! One external command the runner starts (docker, kind, kubectl, a workspace script), and its shell
//! spelling: what `--dry-run` prints and what a failure names, so either can be pasted into a shell.

use std::fmt;

/// What a command reads on its standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Nothing: standard input is closed.
    Nothing,
    /// A fresh random key (96 random bytes, base64: 128 characters, the walkthrough's
    /// `openssl rand -base64 128` strength), made by the runner and never printed or passed as an argument,
    /// so it shows up in no process list.
    RandomKey,
    /// What another command prints: the two run as a shell pipeline, and either failing fails both.
    OutputOf(Box<Command>),
}

/// A program and its arguments, run from the workspace root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The program, looked up on PATH (or a path relative to the workspace root).
    pub program: String,
    /// Its arguments, unquoted.
    pub args: Vec<String>,
    /// What it reads on standard input.
    pub input: Input,
}

impl Command {
    /// `program` with `args` and nothing on standard input.
    pub fn new<I, S>(program: &str, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Command {
            program: program.to_string(),
            args: args.into_iter().map(Into::into).collect(),
            input: Input::Nothing,
        }
    }

    /// The same command reading what `source` prints (`source | command`).
    pub fn reading_output_of(mut self, source: Command) -> Command {
        self.input = Input::OutputOf(Box::new(source));
        self
    }

    /// The same command reading a fresh random key on standard input.
    pub fn reading_random_key(mut self) -> Command {
        self.input = Input::RandomKey;
        self
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.input {
            Input::Nothing => {}
            // The shell equivalent of what the runner pipes in.
            Input::RandomKey => write!(f, "head -c 96 /dev/urandom | base64 -w0 | ")?,
            Input::OutputOf(source) => write!(f, "{source} | ")?,
        }
        write!(f, "{}", quote(&self.program))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

/// `word` as a POSIX shell reads it back: bare when it holds only safe characters, else single-quoted.
pub fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:@,+%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Standard base64 (RFC 4648, with padding) of `bytes`: the key the runner pipes to kubectl.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain words stay bare; anything a shell would split or expand is single-quoted.
    #[test]
    fn quoting() {
        assert_eq!(quote("lab/go-web:dev"), "lab/go-web:dev");
        assert_eq!(quote("--for=condition=Ready"), "--for=condition=Ready");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("{.status.podIP}"), "'{.status.podIP}'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    /// A command prints as a pasteable line; a key on stdin, or another command's output, as the pipe.
    #[test]
    fn display() {
        let command = Command::new("kubectl", ["get", "pods", "-o", "jsonpath={.items[*].status.podIP}"]);
        assert_eq!(command.to_string(), "kubectl get pods -o 'jsonpath={.items[*].status.podIP}'");
        let secret = Command::new("kubectl", ["create", "secret"]).reading_random_key();
        assert_eq!(secret.to_string(), "head -c 96 /dev/urandom | base64 -w0 | kubectl create secret");
        let piped = Command::new("kubectl", ["create", "-f", "-"]).reading_output_of(Command::new("echo", ["a b"]));
        assert_eq!(piped.to_string(), "echo 'a b' | kubectl create -f -");
    }

    /// RFC 4648's test vectors.
    #[test]
    fn base64_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0u8; 96]).len(), 128);
    }
}
