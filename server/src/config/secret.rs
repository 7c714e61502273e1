//! Secrets whose `Debug` output is redacted, and the AES-256 encryption key.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};

/// A string that never shows in logs or `Debug` output.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why an encryption key was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("is not url-safe base64 ({0})")]
    Base64(#[from] base64::DecodeError),
    #[error("decodes to {0} bytes; it must be 32 (generate one with `panelmerge generate-key`)")]
    Length(usize),
}

/// A 256-bit key in the Flask generator's format: url-safe base64 of 32 random bytes.
#[derive(Clone)]
pub struct EncryptionKey {
    bytes: [u8; 32],
    id: String,
}

impl EncryptionKey {
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let decoded = if text.ends_with('=') {
            URL_SAFE.decode(text)?
        } else {
            URL_SAFE_NO_PAD.decode(text)?
        };
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Length(decoded.len()))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let id = hex::encode(&digest.as_ref()[..4]);
        Self { bytes, id }
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        // The system RNG failing is unrecoverable; without it no key can be safe.
        if SystemRandom::new().fill(&mut bytes).is_err() {
            panic!("the system random number generator failed");
        }
        Self::from_bytes(bytes)
    }

    /// Short public identifier stored beside every value encrypted with this key.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key in url-safe base64 with padding (the Flask/Fernet format).
    pub fn to_base64(&self) -> Secret {
        Secret::new(URL_SAFE.encode(self.bytes))
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey(id={})", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_with_and_without_padding() {
        let key = EncryptionKey::generate();
        let padded = key.to_base64();
        assert_eq!(padded.expose().len(), 44);
        let again = EncryptionKey::from_base64(padded.expose()).unwrap();
        assert_eq!(again.bytes(), key.bytes());
        let unpadded = padded.expose().trim_end_matches('=');
        assert_eq!(EncryptionKey::from_base64(unpadded).unwrap().id(), key.id());
    }

    #[test]
    fn wrong_lengths_and_alphabets_are_refused() {
        assert!(matches!(
            EncryptionKey::from_base64("short"),
            Err(KeyError::Base64(_))
        ));
        assert!(matches!(
            EncryptionKey::from_base64("c2hvcnQ"),
            Err(KeyError::Length(5))
        ));
        assert!(EncryptionKey::from_base64("not base64 at all!").is_err());
        let sixteen = URL_SAFE.encode([7u8; 16]);
        assert!(matches!(
            EncryptionKey::from_base64(&sixteen),
            Err(KeyError::Length(16))
        ));
    }

    #[test]
    fn debug_never_prints_key_material() {
        let key = EncryptionKey::generate();
        let text = format!("{key:?} {:?}", key.to_base64());
        assert!(!text.contains(key.to_base64().expose()));
    }
}
