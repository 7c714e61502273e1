//! Encryption of sensitive values (AES-256-GCM), signatures (HMAC-SHA256) and random tokens.
//!
//! An encrypted value is stored as `v1.<key id>.<base64url(nonce | ciphertext | tag)>`. The
//! associated data binds it to its table, column and row, so a value copied to another row or
//! column does not decrypt. Tampering yields an error, never garbage.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::{EncryptionKey, Secret};

const FORMAT: &str = "v1";

/// Where an encrypted value lives: its table, column and row.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a str,
}

impl Binding<'_> {
    fn aad(&self) -> String {
        format!("{}\u{1f}{}\u{1f}{}", self.table, self.column, self.row)
    }
}

/// The `row` of a sealed `panel_changes` value: the change's natural key (panel, version,
/// change, target), which outlives the row's id in backups and imports. Written by the saved
/// panels and read back by key rotation.
pub fn panel_change_row(
    panel_id: i32,
    version_id: Option<i32>,
    change: &str,
    target_type: &str,
    target_id: &str,
) -> String {
    format!(
        "{panel_id}/{}/{change}/{target_type}/{target_id}",
        version_id.unwrap_or(0)
    )
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the value is not in the encrypted format")]
    Format,
    #[error("the value was encrypted with key {0}, which is not configured")]
    UnknownKey(String),
    #[error("the value failed authentication (tampered, or bound to another row or column)")]
    Authentication,
    #[error("the system random number generator failed")]
    Random,
}

/// Encrypts with the current key; decrypts with the current or any previous key.
pub struct Encryptor {
    current: (String, LessSafeKey),
    keys: HashMap<String, LessSafeKey>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encryptor(current={})", self.current.0)
    }
}

fn aead_key(key: &EncryptionKey) -> LessSafeKey {
    // AES_256_GCM takes exactly 32 bytes, which EncryptionKey guarantees.
    match UnboundKey::new(&AES_256_GCM, key.bytes()) {
        Ok(k) => LessSafeKey::new(k),
        Err(_) => unreachable!("a 32-byte key is always valid for AES-256-GCM"),
    }
}

impl Encryptor {
    pub fn new(current: &EncryptionKey, previous: &[EncryptionKey]) -> Self {
        let mut keys = HashMap::new();
        for key in previous.iter().chain(std::iter::once(current)) {
            keys.insert(key.id().to_owned(), aead_key(key));
        }
        Self {
            current: (current.id().to_owned(), aead_key(current)),
            keys,
            rng: SystemRandom::new(),
        }
    }

    /// Whether values sealed with key `id` can be decrypted (the current or a previous key).
    pub fn knows_key(&self, id: &str) -> bool {
        self.keys.contains_key(id)
    }

    /// Id of the key new values are encrypted with.
    pub fn current_key_id(&self) -> &str {
        &self.current.0
    }

    pub fn encrypt(&self, plaintext: &str, binding: Binding<'_>) -> Result<String, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let mut buffer = plaintext.as_bytes().to_vec();
        let aad = binding.aad();
        self.current
            .1
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| CryptoError::Authentication)?;
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&buffer);
        Ok(format!(
            "{FORMAT}.{}.{}",
            self.current.0,
            URL_SAFE_NO_PAD.encode(payload)
        ))
    }

    pub fn decrypt(&self, stored: &str, binding: Binding<'_>) -> Result<String, CryptoError> {
        let mut parts = stored.splitn(3, '.');
        let (Some(FORMAT), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Format);
        };
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        let payload = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| CryptoError::Format)?;
        if payload.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(CryptoError::Format);
        }
        let (nonce, sealed) = payload.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Format)?;
        let mut buffer = sealed.to_vec();
        let aad = binding.aad();
        let plain = key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buffer)
            .map_err(|_| CryptoError::Authentication)?;
        String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::Format)
    }

    /// Whether a stored value was encrypted with an older key (and so needs rotation).
    pub fn needs_rotation(&self, stored: &str) -> bool {
        stored
            .split('.')
            .nth(1)
            .is_some_and(|id| id != self.current.0)
    }

    /// Encrypts an optional value; `None` stays `None`.
    pub fn encrypt_opt(
        &self,
        plaintext: Option<&str>,
        binding: Binding<'_>,
    ) -> Result<Option<String>, CryptoError> {
        plaintext.map(|p| self.encrypt(p, binding)).transpose()
    }

    /// Decrypts an optional value; `None` stays `None`.
    pub fn decrypt_opt(
        &self,
        stored: Option<&str>,
        binding: Binding<'_>,
    ) -> Result<Option<String>, CryptoError> {
        stored.map(|s| self.decrypt(s, binding)).transpose()
    }
}

/// HMAC-SHA256 signatures with `SECRET_KEY` (download links, token digests).
#[derive(Clone)]
pub struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

impl Signer {
    pub fn new(secret: &Secret) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes()),
        }
    }

    /// Signature of `message`, url-safe base64.
    pub fn sign(&self, message: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, message.as_bytes()).as_ref())
    }

    /// Constant-time check of a signature made by [`Self::sign`].
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(signature) {
            Ok(tag) => hmac::verify(&self.key, message.as_bytes(), &tag).is_ok(),
            Err(_) => false,
        }
    }

    /// Keyed digest, hex: how API tokens and share tokens are stored.
    pub fn digest_hex(&self, value: &str) -> String {
        hex::encode(hmac::sign(&self.key, value.as_bytes()).as_ref())
    }
}

/// A random token of `bytes` bytes, url-safe base64 (128 bits = 16 bytes and up).
pub fn random_token(bytes: usize) -> Result<String, CryptoError> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| CryptoError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: Binding<'static> = Binding {
        table: "user",
        column: "first_name",
        row: "7",
    };

    #[test]
    fn round_trip_uses_fresh_nonces() {
        let enc = Encryptor::new(&EncryptionKey::generate(), &[]);
        let a = enc.encrypt("Ada", ROW).unwrap();
        let b = enc.encrypt("Ada", ROW).unwrap();
        assert_ne!(a, b, "same plaintext must not give the same ciphertext");
        assert!(a.starts_with(&format!("v1.{}.", enc.current_key_id())));
        assert_eq!(enc.decrypt(&a, ROW).unwrap(), "Ada");
        assert_eq!(enc.decrypt(&b, ROW).unwrap(), "Ada");
    }

    #[test]
    fn tampering_and_rebinding_are_errors() {
        let enc = Encryptor::new(&EncryptionKey::generate(), &[]);
        let stored = enc.encrypt("secret notes", ROW).unwrap();
        let mut bytes = stored.clone().into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(
            enc.decrypt(&tampered, ROW),
            Err(CryptoError::Authentication)
        );
        let other_row = Binding { row: "8", ..ROW };
        assert_eq!(
            enc.decrypt(&stored, other_row),
            Err(CryptoError::Authentication)
        );
        let other_col = Binding {
            column: "last_name",
            ..ROW
        };
        assert_eq!(
            enc.decrypt(&stored, other_col),
            Err(CryptoError::Authentication)
        );
        assert_eq!(enc.decrypt("plain text", ROW), Err(CryptoError::Format));
        assert_eq!(
            enc.decrypt("v1.abc.", ROW),
            Err(CryptoError::UnknownKey("abc".into()))
        );
    }

    #[test]
    fn previous_keys_still_decrypt_and_flag_rotation() {
        let old = EncryptionKey::generate();
        let new = EncryptionKey::generate();
        let stored = Encryptor::new(&old, &[])
            .encrypt("Genomics Lab", ROW)
            .unwrap();
        let rotated = Encryptor::new(&new, std::slice::from_ref(&old));
        assert!(rotated.needs_rotation(&stored));
        assert_eq!(rotated.decrypt(&stored, ROW).unwrap(), "Genomics Lab");
        let fresh = rotated.encrypt("Genomics Lab", ROW).unwrap();
        assert!(!rotated.needs_rotation(&fresh));
        let without_old = Encryptor::new(&new, &[]);
        assert!(matches!(
            without_old.decrypt(&stored, ROW),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn signatures_verify_only_unchanged_messages() {
        let signer = Signer::new(&Secret::new("k".repeat(40)));
        let sig = signer.sign("download:42:1700000000");
        assert!(signer.verify("download:42:1700000000", &sig));
        assert!(!signer.verify("download:43:1700000000", &sig));
        assert!(!signer.verify("download:42:1700000000", "garbage"));
        let other = Signer::new(&Secret::new("j".repeat(40)));
        assert!(!other.verify("download:42:1700000000", &sig));
    }

    #[test]
    fn tokens_are_random_and_long_enough() {
        let a = random_token(16).unwrap();
        let b = random_token(16).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert_eq!(sha256_hex(b"abc").len(), 64);
    }
}
