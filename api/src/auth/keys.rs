//! The token signing key: Ed25519, `EdDSA` in JWT terms. The public half is served at
//! `/.well-known/jwks.json` with a `kid` derived from it, so that verifiers can pick it.

use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Settings;

/// The key file kept in the data directory when no key is configured.
pub const GENERATED_KEY_FILE: &str = "jwt-ed25519.pem";

/// Signs and verifies access tokens.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    jwk: serde_json::Value,
    validation: Validation,
}

impl Keys {
    /// Loads the configured key, or the one in the data directory, or generates and keeps one.
    pub fn load(settings: &Settings) -> anyhow::Result<Keys> {
        let pem = if let Some(pem) = &settings.jwt_private_key {
            pem.expose().to_owned()
        } else if let Some(path) = &settings.jwt_private_key_file {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the signing key {}", path.display()))?
        } else {
            load_or_generate(&settings.data_dir.join(GENERATED_KEY_FILE))?
        };
        Keys::from_pem(&pem, settings)
    }

    /// Builds the keys from a PKCS#8 PEM Ed25519 private key.
    pub fn from_pem(pem: &str, settings: &Settings) -> anyhow::Result<Keys> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| anyhow::anyhow!("the signing key is not a PKCS#8 Ed25519 key: {e}"))?;
        let public = signing.verifying_key().to_bytes();
        let x = URL_SAFE_NO_PAD.encode(public);
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12]);
        let der = signing
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding the signing key: {e}"))?;
        let encoding = EncodingKey::from_ed_der(der.as_bytes());
        let decoding = DecodingKey::from_ed_components(&x)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let jwk = serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"
        });
        Ok(Keys {
            encoding,
            decoding,
            kid,
            jwk,
            validation,
        })
    }

    /// Signs `claims`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".into());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Verifies signature, algorithm, `kid`, `iss`, `aud` and `exp`; returns the claims.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        if header.alg != Algorithm::EdDSA {
            return Err("token algorithm not accepted".into());
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err("token signed by an unknown key".into());
        }
        jsonwebtoken::decode::<C>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| format!("invalid token: {e}"))
    }

    /// The JSON Web Key Set with the public key.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.jwk] })
    }

    /// The key id in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// Generates a new Ed25519 key as PKCS#8 PEM.
pub fn generate_pem() -> anyhow::Result<String> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding a new signing key: {e}"))?;
    Ok(pem.to_string())
}

fn load_or_generate(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        return std::fs::read_to_string(path)
            .with_context(|| format!("reading the signing key {}", path.display()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let pem = generate_pem()?;
    write_private(path, &pem)?;
    tracing::info!(path = %path.display(), "generated a new token signing key");
    Ok(pem)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}
