//! Password hashing: argon2id with OWASP parameters (m = 19456 KiB, t = 2, p = 1), on the
//! blocking pool with bounded concurrency so a login flood can not stall other requests.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Common passwords refused at registration and password change.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None).map_err(AppError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes and verifies passwords off the async runtime, a bounded number at a time.
#[derive(Clone, Debug)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the user does not exist so
    /// unknown users and wrong passwords take the same time.
    decoy: Arc<String>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> AppResult<Self> {
        let decoy = hash_blocking(&crate::crypto::random_token(24).map_err(AppError::internal)?)?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::new(decoy),
        })
    }

    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(AppError::internal)?
    }

    /// Whether `password` matches `hash`. With `hash = None` (unknown user) a decoy hash is
    /// verified so the answer takes as long, and is always `false`.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> AppResult<bool> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let known = hash.is_some();
        let hash = hash
            .map(str::to_owned)
            .unwrap_or_else(|| self.decoy.to_string());
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .map_err(AppError::internal)??;
        Ok(ok && known)
    }
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| AppError::internal("random salt"))?;
    let hash = argon2()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(AppError::internal)?;
    Ok(hash.to_string())
}

fn verify_blocking(password: &str, hash: &str) -> AppResult<bool> {
    if super::werkzeug::is_werkzeug(hash) {
        return super::werkzeug::verify(password, hash).map_err(|e| {
            AppError::internal(format!("stored Werkzeug password hash unusable: {e}"))
        });
    }
    match argon2()?.verify_password(password.as_bytes(), hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(AppError::internal(format!(
            "stored password hash unusable: {e}"
        ))),
    }
}

/// Checks a new password against the policy; the error names the rule.
pub fn check_policy(password: &str, username: &str, email: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(AppError::invalid_field(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(AppError::invalid_field(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err(AppError::invalid_field(
            "password",
            "is one of the most common passwords; choose another",
        ));
    }
    let same_as = |other: &str| !other.is_empty() && lower == other.to_lowercase();
    if same_as(username) || same_as(email) {
        return Err(AppError::invalid_field(
            "password",
            "must not be your username or e-mail",
        ));
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|p| !p.is_empty() && p == lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let passwords = Passwords::new(2).unwrap();
        let hash = passwords.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horse battery", None)
                .await
                .unwrap()
        );
        let again = passwords.hash("correct horse battery").await.unwrap();
        assert_ne!(hash, again, "salts differ");
    }

    #[test]
    fn policy_names_the_rule() {
        let err = check_policy("short", "ada", "ada@example.org").unwrap_err();
        assert!(err.message.contains("at least 8"), "{}", err.message);
        let err = check_policy("password123", "ada", "ada@example.org").unwrap_err();
        assert!(err.message.contains("common"), "{}", err.message);
        let err = check_policy("Lovelace1815", "lovelace1815", "ada@example.org").unwrap_err();
        assert!(err.message.contains("username"), "{}", err.message);
        check_policy("a sturdy passphrase", "ada", "ada@example.org").unwrap();
    }
}
