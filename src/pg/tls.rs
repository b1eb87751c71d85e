//! TLS over rustls with libpq's sslmode semantics: no verification for
//! prefer/require, the certificate chain for verify-ca, chain and host name
//! for verify-full; roots from sslrootcert (or `system`, or
//! `~/.postgresql/root.crt`, or the system store); client certificates from
//! sslcert/sslkey (or `~/.postgresql/postgresql.crt`/`.key`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conninfo::{ConnInfo, SslMode};

/// A TLS set-up problem, naming the file or setting.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn home_file(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("HOME")?)
        .join(".postgresql")
        .join(name);
    p.is_file().then_some(p)
}

/// The system's CA bundle file (`SSL_CERT_FILE`, else the usual Debian,
/// Red Hat and Alpine paths): the roots for `sslrootcert=system`, the same
/// file for doppel and for pg_dump.
pub fn system_bundle() -> Option<PathBuf> {
    std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ]
            .into_iter()
            .map(PathBuf::from),
        )
        .find(|p| p.is_file())
}

/// `~/.postgresql/root.crt`, libpq's default root certificate file, if present.
pub fn home_root_cert() -> Option<PathBuf> {
    home_file("root.crt")
}

/// The connector for `info`'s sslmode.
pub fn connector(info: &ConnInfo) -> Result<MakeRustlsConnect, TlsError> {
    let provider = provider();
    // libpq: require with a root certificate file behaves as verify-ca.
    let rootcert = info.sslrootcert.clone().or_else(|| home_file("root.crt"));
    let mode = match info.sslmode {
        SslMode::Require if info.sslrootcert.is_some() => SslMode::VerifyCa,
        m => m,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(load_roots(rootcert.as_deref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
                .build()
                .map_err(|e| TlsError(format!("cannot build the certificate verifier: {e}")))?;
            if mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(ChainOnly(webpki))
            }
        }
        _ => Arc::new(NoVerification(Arc::clone(&provider))),
    };
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let cert = info.sslcert.clone().or_else(|| home_file("postgresql.crt"));
    let key = info.sslkey.clone().or_else(|| home_file("postgresql.key"));
    let config = match (cert, key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(&cert, "sslcert")?;
            let key = PrivateKeyDer::from_pem_file(&key)
                .map_err(|e| TlsError(format!("cannot read sslkey {}: {e}", key.display())))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TlsError(format!("client certificate and key do not fit: {e}")))?
        }
        (Some(cert), None) if info.sslcert.is_some() => {
            return Err(TlsError(format!(
                "sslcert {} is set but no sslkey: give the client key too",
                cert.display()
            )))
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsError(format!("cannot read {what} {}: {e}", path.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError(format!("cannot read {what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "{what} {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_roots(path: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    match path {
        Some(p) if p != Path::new("system") => {
            for cert in read_certs(p, "sslrootcert")? {
                roots
                    .add(cert)
                    .map_err(|e| TlsError(format!("sslrootcert {}: {e}", p.display())))?;
            }
        }
        _ => {
            if let Some(bundle) = system_bundle() {
                for cert in read_certs(&bundle, "the system CA bundle")? {
                    let _ = roots.add(cert);
                }
                return Ok(roots);
            }
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(TlsError(
                    "no system root certificates found for verify-ca/verify-full: set sslrootcert to the server's CA file".into(),
                ));
            }
        }
    }
    Ok(roots)
}

/// Accepts any server certificate (sslmode prefer/require), but still checks
/// the handshake signatures.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Verifies the chain but not the host name (sslmode verify-ca).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
