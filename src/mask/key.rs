//! The masking key and the one keyed derivation every masker uses.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The secret behind every keyed masker. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct MaskKey {
    keyed: HmacSha256,
}

impl fmt::Debug for MaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskKey({})", self.fingerprint())
    }
}

impl MaskKey {
    /// A key from secret bytes (any length; the rules require at least 16).
    pub fn new(secret: &[u8]) -> MaskKey {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = <HmacSha256 as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        MaskKey { keyed }
    }

    /// A public fingerprint (`hmac-sha256:` and 16 hex digits), safe to print.
    pub fn fingerprint(&self) -> String {
        let d = self.derive(b"doppel key fingerprint", &[]);
        let mut s = String::from("hmac-sha256:");
        for b in &d[..8] {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// HMAC-SHA256(key, "v1" 0 domain 0 input): the keyed derivation behind
    /// every masker. Clones the pre-keyed state instead of re-keying.
    pub fn derive(&self, domain: &[u8], input: &[u8]) -> [u8; 32] {
        self.derive_parts(domain, &[input])
    }

    /// As [`MaskKey::derive`], with the input given in parts (each length-prefixed).
    pub fn derive_parts(&self, domain: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut m = self.keyed.clone();
        m.update(b"v1\0");
        m.update(domain);
        m.update(b"\0");
        for p in parts {
            m.update(&(p.len() as u64).to_le_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }
}
