//! The delivery worker of the Observatory's status outbox (issue 17 §1): every few
//! seconds it hands the due messages to `core::observatory::deliver_due`, which POSTs
//! each through `HttpTransport` and records the outcome (retries back off). HTTP/1.1 on
//! hyper's own connection API, TLS by rustls with the system's certificates: no HTTP
//! client crate beyond what the server already builds.

use awladna_core::Core;
use awladna_core::observatory::{Transport, deliver_due};
use axum::http::{Request, Uri, header};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How often the worker looks for due messages.
const EVERY: Duration = Duration::from_secs(5);
/// How long one delivery may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// POSTs a message to the Observatory's URL.
pub struct HttpTransport {
    uri: Uri,
    host: String,
    port: u16,
    tls: Option<tokio_rustls::TlsConnector>,
    bearer: Option<String>,
}

impl HttpTransport {
    /// A transport to `url` (http or https), with the Observatory's bearer token if any.
    pub fn new(url: &str, bearer: Option<String>) -> Result<HttpTransport, String> {
        let uri: Uri = url
            .parse()
            .map_err(|_| format!("--observatory-url {url} is not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => {
                return Err(format!(
                    "--observatory-url {url} must start with http:// or https://"
                ));
            }
        };
        let host = uri
            .host()
            .ok_or_else(|| format!("--observatory-url {url} names no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tls = https.then(tls_connector).transpose()?;
        Ok(HttpTransport {
            uri,
            host,
            port,
            tls,
            bearer,
        })
    }

    async fn send(&self, body: String, key: &str) -> Result<u16, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("cannot connect: {}", e.kind()))?;
        let request = self.request(body, key)?;
        match &self.tls {
            None => exchange(tcp, request).await,
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|_| "bad server name".to_owned())?;
                let stream = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS: {}", e.kind()))?;
                exchange(stream, request).await
            }
        }
    }

    fn request(&self, body: String, key: &str) -> Result<Request<Full<Bytes>>, String> {
        let authority = self.uri.authority().map(|a| a.as_str()).unwrap_or_default();
        let path = self.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut builder = Request::post(path)
            .header(header::HOST, authority)
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key);
        if let Some(token) = &self.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| "cannot build the request".to_owned())
    }
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A certificate the store cannot use is skipped, as browsers do.
        let _ = roots.add(cert);
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// One request on a fresh connection; the answer's status.
async fn exchange<S>(stream: S, request: Request<Full<Bytes>>) -> Result<u16, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| "HTTP handshake failed".to_owned())?;
    let driver = tokio::spawn(connection);
    let answer = sender
        .send_request(request)
        .await
        .map_err(|_| "no answer".to_owned());
    driver.abort();
    Ok(answer?.status().as_u16())
}

impl Transport for HttpTransport {
    async fn post(&self, body: String, idempotency_key: &str) -> Result<(), String> {
        match tokio::time::timeout(TIMEOUT, self.send(body, idempotency_key)).await {
            Err(_) => Err("timed out".to_owned()),
            Ok(Err(e)) => Err(e),
            Ok(Ok(status)) if (200..300).contains(&status) => Ok(()),
            Ok(Ok(status)) => Err(format!("HTTP {status}")),
        }
    }
}

/// Runs the worker until `stop` turns true.
pub fn spawn(
    core: Core,
    transport: HttpTransport,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match deliver_due(&core, &transport).await {
                Ok(done) if done.sent + done.failed > 0 => {
                    tracing::info!(
                        sent = done.sent,
                        failed = done.failed,
                        "observatory statuses"
                    );
                }
                Ok(_) => {}
                // Codes only reach the log; the next pass tries again.
                Err(e) => tracing::error!(detail = %e.detail(), "observatory delivery failed"),
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}
