//! Verification of the password hashes of the Flask version (Werkzeug's
//! `generate_password_hash`): `scrypt:N:r:p$salt$hex` and `pbkdf2:sha256:iterations$salt$hex`.
//! Imported accounts keep these hashes until their first login, which verifies the password
//! here and replaces the hash with argon2id.

use entity::user;
use ring::pbkdf2;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

use super::passwords::Passwords;
use crate::error::AppResult;

/// Longest derived key accepted (Werkzeug writes 64 bytes for scrypt, 32 for pbkdf2-sha256).
const MAX_DKLEN: usize = 256;
/// Work limits so a hostile stored hash can not stall the server: scrypt needs 128·r·N bytes
/// (Werkzeug's default 32768/8/1 needs 32 MiB) and p times that work.
const MAX_SCRYPT_MEMORY: u64 = 64 << 20;
const MAX_SCRYPT_P: u32 = 4;
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Whether `hash` is in one of Werkzeug's formats (and not an argon2 PHC string).
pub fn is_werkzeug(hash: &str) -> bool {
    hash.starts_with("scrypt:") || hash.starts_with("pbkdf2:")
}

/// Checks `password` against a Werkzeug hash. A malformed hash is an error naming the problem.
pub fn verify(password: &str, hash: &str) -> Result<bool, String> {
    let mut parts = hash.splitn(3, '$');
    let (Some(method), Some(salt), Some(expected_hex)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("not in Werkzeug's method$salt$hash form".into());
    };
    let expected = hex::decode(expected_hex).map_err(|_| "the hash part is not hex".to_owned())?;
    if expected.is_empty() || expected.len() > MAX_DKLEN {
        return Err("the hash part has an unusable length".into());
    }
    let mut derived = vec![0u8; expected.len()];
    let fields: Vec<&str> = method.split(':').collect();
    match fields.as_slice() {
        ["scrypt", n, r, p] => {
            let n: u64 = n.parse().map_err(|_| "scrypt N is not a number")?;
            let r: u32 = r.parse().map_err(|_| "scrypt r is not a number")?;
            let p: u32 = p.parse().map_err(|_| "scrypt p is not a number")?;
            if !n.is_power_of_two() || n < 2 {
                return Err("scrypt N is not a power of two".into());
            }
            let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| "scrypt N too large")?;
            let memory = 128 * u64::from(r) * n;
            if r == 0 || p == 0 || p > MAX_SCRYPT_P || memory > MAX_SCRYPT_MEMORY {
                return Err("scrypt parameters out of range".into());
            }
            let params =
                scrypt::Params::new(log_n, r, p).map_err(|e| format!("scrypt parameters: {e}"))?;
            scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut derived)
                .map_err(|e| format!("scrypt: {e}"))?;
        }
        ["pbkdf2", digest, rest @ ..] => {
            let iterations: u32 = match rest {
                [] => 600_000,
                [i] => i.parse().map_err(|_| "pbkdf2 iterations is not a number")?,
                _ => return Err("pbkdf2 method has too many fields".into()),
            };
            if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
                return Err("pbkdf2 iterations out of range".into());
            }
            let algorithm = match *digest {
                "sha256" => pbkdf2::PBKDF2_HMAC_SHA256,
                "sha512" => pbkdf2::PBKDF2_HMAC_SHA512,
                "sha384" => pbkdf2::PBKDF2_HMAC_SHA384,
                "sha1" => pbkdf2::PBKDF2_HMAC_SHA1,
                other => return Err(format!("pbkdf2 digest {other:?} is not supported")),
            };
            let iterations = std::num::NonZeroU32::new(iterations)
                .ok_or_else(|| "pbkdf2 iterations out of range".to_owned())?;
            return Ok(pbkdf2::verify(
                algorithm,
                iterations,
                salt.as_bytes(),
                password.as_bytes(),
                &expected,
            )
            .is_ok());
        }
        _ => return Err(format!("unknown Werkzeug method {method:?}")),
    }
    // Constant time: every byte is compared.
    let diff = derived
        .iter()
        .zip(&expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    Ok(diff == 0)
}

/// After a successful login with a Werkzeug hash, replaces it with argon2id (the same login).
/// Other users are returned unchanged.
pub async fn upgrade(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: user::Model,
    password: &str,
) -> AppResult<user::Model> {
    if !is_werkzeug(&user.password_hash) {
        return Ok(user);
    }
    let hash = passwords.hash(password).await?;
    let mut update: user::ActiveModel = user.into();
    update.password_hash = Set(hash);
    Ok(update.update(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_werkzeug_scrypt_and_pbkdf2_hashes() {
        // Computed with Python's hashlib.scrypt / hashlib.pbkdf2_hmac, as Werkzeug does.
        let scrypt_hash = "scrypt:16384:8:1$abcdefgh$0c2568111148f3ddbf1264a5eb3637c2bab2d761e1cd0f475bc894499a60a59c6817a3472c4319a75ccca90396faa8fe5dd48ff197c61de0b6ed1885aeabcee9";
        let pbkdf2_hash = "pbkdf2:sha256:1000$abcdefgh$18751b39835fcdcff55cfd8c589c50d0e07cdc0b61240e4b24425c27a6a1cc56";
        // The fixture's admin (Werkzeug 3.1.9 default parameters).
        let fixture = "scrypt:32768:8:1$aqYCJIENumtixEn5$55497685649dabedd229963f9d6d1241d7c835869f2bd27f16e3aa63ad889091b30623a7d657777af33428f2619d895a84c9280c2fe7c23ca5aad7a830a47dcb";
        assert!(verify("Adm1n!Kallio2026", fixture).unwrap());
        assert!(is_werkzeug(scrypt_hash));
        assert!(!is_werkzeug("$argon2id$v=19$m=19456,t=2,p=1$x$y"));
        assert!(verify("secret", scrypt_hash).unwrap());
        assert!(verify("secret", pbkdf2_hash).unwrap());
        assert!(!verify("wrong", pbkdf2_hash).unwrap());
        assert!(!verify("wrong", scrypt_hash).unwrap());
        assert!(verify("x", "scrypt:1000:8:1$s$00").is_err());
        assert!(verify("x", "md5$s$00").is_err());
    }
}
