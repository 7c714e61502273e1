//! Decryption of the Flask version's encrypted columns: `urlsafe_b64encode(fernet_token)`,
//! where the token is the usual Fernet text (version 0x80, time, IV, AES-128-CBC/PKCS7,
//! HMAC-SHA256).

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ring::hmac;

/// A Fernet key: 16 bytes of signing key, 16 bytes of encryption key.
#[derive(Clone)]
pub struct FernetKey {
    signing: hmac::Key,
    encryption: [u8; 16],
}

impl std::fmt::Debug for FernetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FernetKey(…)")
    }
}

fn b64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    URL_SAFE
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .ok()
}

impl FernetKey {
    /// Accepts the Flask `ENCRYPTION_MASTER_KEY` (a Fernet key base64-encoded once more) or a
    /// plain Fernet key (url-safe base64 of 32 bytes).
    pub fn parse(text: &str) -> Result<Self, String> {
        let first = b64(text).ok_or("--flask-encryption-key is not base64")?;
        let raw = if first.len() == 32 {
            first
        } else {
            std::str::from_utf8(&first)
                .ok()
                .and_then(b64)
                .filter(|k| k.len() == 32)
                .ok_or(
                    "--flask-encryption-key is neither a Fernet key nor Flask's \
                     ENCRYPTION_MASTER_KEY (base64 of a Fernet key)",
                )?
        };
        let mut encryption = [0u8; 16];
        encryption.copy_from_slice(&raw[16..]);
        Ok(Self {
            signing: hmac::Key::new(hmac::HMAC_SHA256, &raw[..16]),
            encryption,
        })
    }

    /// Decrypts one stored value (the Fernet token, base64-encoded once more by the Flask
    /// app; a bare token is accepted too). The error says what is wrong with it.
    pub fn decrypt_stored(&self, stored: &str) -> Result<String, String> {
        let stored = stored.trim();
        let token = if stored.starts_with("gAAAA") {
            stored.to_owned()
        } else {
            let outer = b64(stored).ok_or("not base64")?;
            String::from_utf8(outer).map_err(|_| "not a Fernet token inside the base64")?
        };
        let data = b64(&token).ok_or("the Fernet token is not base64")?;
        if data.len() < 1 + 8 + 16 + 16 + 32 || data[0] != 0x80 {
            return Err("not a Fernet token (bad version byte or too short)".into());
        }
        let (signed, tag) = data.split_at(data.len() - 32);
        hmac::verify(&self.signing, signed, tag)
            .map_err(|_| "the Fernet token fails authentication (wrong key or damaged value)")?;
        let iv = &signed[9..25];
        let mut body = signed[25..].to_vec();
        let decryptor = cbc::Decryptor::<aes::Aes128>::new_from_slices(&self.encryption, iv)
            .map_err(|_| "bad Fernet IV")?;
        let plain = decryptor
            .decrypt_padded::<Pkcs7>(&mut body)
            .map_err(|_| "the Fernet token has bad padding")?;
        String::from_utf8(plain.to_vec()).map_err(|_| "the decrypted value is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture's key and user 1's first name (MANIFEST "Keys").
    #[test]
    fn decrypts_the_flask_fixture_values() {
        let master =
            FernetKey::parse("QnU2V1pMVGt6dHFtNTl4QzkwYUJxT1hMZTByeGhqM0Q5SU9CQmtfdTlLbz0=")
                .unwrap();
        let plain = FernetKey::parse("Bu6WZLTkztqm59xC90aBqOXLe0rxhj3D9IOBBk_u9Ko=").unwrap();
        assert_eq!(master.encryption, plain.encryption);
        assert!(FernetKey::parse("c2hvcnQ=").is_err());
        let stored = "Z0FBQUFBQnAwMndMelVwZEpHdnh5LXIzdTUwNUdGc1I3TFN5aWgzdGVwR3o4YktSdDRrLTRLMkJNbVpwcUYxSGNic09OLVk3dGdfU3AzaFZodkZmWDVxdWN3cEU4V0o3a2c9PQ==";
        assert_eq!(master.decrypt_stored(stored).unwrap(), "Marja");
        let mut damaged = stored.to_owned();
        damaged.replace_range(60..61, "A");
        assert!(master.decrypt_stored(&damaged).is_err());
    }
}
