//! Security headers on every answer. The CSP allows no inline script or style: all
//! of it is in files under /assets, served by the binary itself. And the rest of a
//! refused request's body read, so that the refusal reaches the client.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub async fn headers(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if hsts {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

// ---- Refusals that reach the client ----------------------------------------------------

/// Bodies read to their end after an answer: the largest request any route takes
/// (a document upload) with room to spare. Past it the connection is closed.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
/// How long a slow client is waited for once its answer is sent.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// A handler that answers without reading the whole request body (the gate refusing an
/// upload, a body over its limit) leaves bytes in the connection. hyper then closes it,
/// and closing a socket with unread bytes resets the connection: the client, often still
/// sending, gets "connection reset" instead of the answer. So what the handler left is
/// read to its end, after the answer is sent, within `DRAIN_LIMIT` and `DRAIN_TIME`; the
/// connection then stays open for the next request.
pub async fn finish_reading(request: Request, next: Next) -> Response {
    let headers = request.headers();
    // A client waiting for "100 Continue" has not sent its body: nothing to read.
    let expects_continue = headers
        .get(axum::http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let too_large = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > DRAIN_LIMIT as u64);
    if expects_continue || too_large || request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let (leftover, mut rest) = tokio::sync::oneshot::channel();
    let watched = Watched {
        inner: body,
        finished: false,
        leftover: Some(leftover),
    };
    let response = next
        .run(Request::from_parts(parts, Body::new(watched)))
        .await;
    // The handler has returned: its body is dropped, and what it left is here.
    if let Ok(rest) = rest.try_recv() {
        tokio::spawn(drain(rest));
    }
    response
}

/// Reads and drops a body to its end, within the bounds.
async fn drain(body: Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len();
            if read > DRAIN_LIMIT {
                break;
            }
        }
    })
    .await;
}

/// A request body that hands what is left of it back to `finish_reading` when the
/// handler drops it unfinished.
struct Watched {
    inner: Body,
    finished: bool,
    leftover: Option<tokio::sync::oneshot::Sender<Body>>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, std::task::Poll::Ready(None | Some(Err(_)))) {
            self.finished = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if !self.finished
            && !self.inner.is_end_stream()
            && let Some(leftover) = self.leftover.take()
        {
            let _ = leftover.send(std::mem::take(&mut self.inner));
        }
    }
}
