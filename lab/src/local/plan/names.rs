//! The names and numbers the control plane generates: FNV-1a (what the Deployment controller hashes a
//! pod template with, and our stable seed for allocated addresses and ports) and the five characters
//! `generateName` adds, from the alphabet Kubernetes uses for generated names.

/// The characters Kubernetes uses for generated names (no vowels, no look-alikes).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// FNV-1a, 32 bits.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193))
}

/// A pod-template-hash: the text's FNV-1a in decimal, each digit mapped into the alphabet.
pub fn template_hash(text: &str) -> String {
    fnv32a(text.as_bytes()).to_string().bytes().map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char).collect()
}

/// Five generated characters, stable for the same seed.
pub fn suffix(seed: &str) -> String {
    let size = ALPHABET.len() as u32;
    let mut hash = fnv32a(seed.as_bytes());
    (0..5)
        .map(|_| {
            let c = ALPHABET[(hash % size) as usize] as char;
            hash = (hash / size) ^ fnv32a(&hash.to_le_bytes());
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a's published test vectors; generated names use only the alphabet and are stable per seed.
    #[test]
    fn hashes_and_suffixes() {
        assert_eq!(fnv32a(b""), 0x811c_9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        let name = suffix("app/0");
        assert_eq!(name.len(), 5);
        assert!(name.bytes().all(|b| ALPHABET.contains(&b)), "{name}");
        assert_eq!(name, suffix("app/0"));
        assert_ne!(name, suffix("app/1"));
        assert!(template_hash("{}").bytes().all(|b| ALPHABET.contains(&b)));
    }
}
