//! memberlist's pre-shared-key encryption of gossip packets: AES-256-GCM, a fresh random 96-bit nonce per
//! packet, authenticated so a packet from a speaker without the key is dropped. The key is derived from
//! the secret as MetalLB derives it (`sha256.New().Sum([]byte(secret))[:32]`: Go's `Sum` appends the
//! hash of nothing to the secret, so the key is the secret's first 32 bytes, padded with that hash when
//! the secret is shorter); the lab's `memberlist` secret therefore works unchanged. The packet layout is
//! memberlist's: a version byte, the nonce, the ciphertext and its tag.

use std::fmt;

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand::Rng;
use sha2::{Digest, Sha256};

/// memberlist's encryption version 1: AES-GCM without padding.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes a sealed packet adds to its plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// Why a packet could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Too short, or another version.
    #[error("not an encrypted gossip packet")]
    Malformed,
    /// The tag does not verify: another key, or tampering.
    #[error("gossip packet does not authenticate (another key?)")]
    Forged,
}

/// The AES-256 key.
#[derive(Clone)]
pub struct SecretKey {
    cipher: Aes256Gcm,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// The key MetalLB derives from a secret.
    pub fn from_secret(secret: &[u8]) -> SecretKey {
        let mut material = secret.to_vec();
        material.extend_from_slice(&Sha256::digest([]));
        let mut key = [0u8; 32];
        key.copy_from_slice(&material[..32]);
        SecretKey { cipher: Aes256Gcm::new(&key.into()) }
    }

    /// Encrypts and authenticates one packet.
    pub fn seal(&self, plaintext: &[u8], rng: &mut impl Rng) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let sealed = self.cipher.encrypt(&Nonce::from(nonce), plaintext).unwrap_or_default();
        let mut packet = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        packet.push(VERSION);
        packet.extend_from_slice(&nonce);
        packet.extend_from_slice(&sealed);
        packet
    }

    /// Checks and decrypts one packet.
    pub fn open(&self, packet: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if packet.len() < OVERHEAD || packet[0] != VERSION {
            return Err(CryptoError::Malformed);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&packet[1..1 + NONCE_LEN]);
        self.cipher.decrypt(&Nonce::from(nonce), &packet[1 + NONCE_LEN..]).map_err(|_| CryptoError::Forged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sealed packet opens with the same secret, and fails with another or when altered.
    #[test]
    fn seal_and_open() {
        let mut rng = rand::make_rng::<rand::rngs::StdRng>();
        let key = SecretKey::from_secret(b"the lab's secret, base64 of 128 random bytes, longer than 32");
        let packet = key.seal(b"ping", &mut rng);
        assert_eq!(packet.len(), 4 + OVERHEAD);
        assert_eq!(key.open(&packet).as_deref(), Ok(&b"ping"[..]));
        let other = SecretKey::from_secret(b"another secret, also longer than thirty-two bytes");
        assert_eq!(other.open(&packet), Err(CryptoError::Forged));
        let mut altered = packet.clone();
        altered[20] ^= 1;
        assert_eq!(key.open(&altered), Err(CryptoError::Forged));
        assert_eq!(key.open(b"ping"), Err(CryptoError::Malformed));
    }

    /// The key is the secret's first 32 bytes, as MetalLB's `Sum` gives it: secrets that share them
    /// share the key; a short secret is padded with sha256("").
    #[test]
    fn key_derivation_matches_metallb() {
        let mut rng = rand::make_rng::<rand::rngs::StdRng>();
        let a = SecretKey::from_secret(b"0123456789abcdef0123456789abcdef-tail-a");
        let b = SecretKey::from_secret(b"0123456789abcdef0123456789abcdef-tail-b");
        assert!(b.open(&a.seal(b"x", &mut rng)).is_ok());
        let short = SecretKey::from_secret(b"short");
        let mut padded = b"short".to_vec();
        padded.extend_from_slice(&Sha256::digest([])[..27]);
        assert!(SecretKey::from_secret(&padded).open(&short.seal(b"x", &mut rng)).is_ok());
    }
}
