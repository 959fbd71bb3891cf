//! The server's connections: the accept loop, with the bounds that keep slow or numerous
//! clients from exhausting the server (issue 28).
//!
//! `axum::serve` sets no timer on hyper, so a client that trickles its headers one byte at
//! a time holds a connection forever, and nothing caps how many connections are open. This
//! loop serves each connection with hyper directly: headers must arrive within
//! [`Limits::header_timeout`] (hyper closes the connection otherwise, also on an idle
//! keep-alive connection), a request body within [`Limits::body_timeout`] (`408`, see
//! [`body_deadline`]), and at most [`Limits::max_connections`] are served at once; one more
//! is answered `503` with `Retry-After` and closed without reading it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::{AppState, Limits};

/// Seconds a client is told to wait (`Retry-After`) when the server is full.
pub const RETRY_AFTER_SECONDS: &str = "2";

/// The answer to a connection over the limit, written before anything is read.
const FULL: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 2\r\ncontent-type: application/json\r\n\
content-length: 53\r\nconnection: close\r\n\r\n{\"error\": \"too many connections; try again shortly\"}\n";

/// Accepts connections until the process stops.
pub async fn serve(listener: TcpListener, app: Router, limits: &Limits) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let header_timeout = limits.header_timeout;
    loop {
        // A failed accept (out of descriptors, a reset in the backlog) is the client's
        // connection lost, not the server's end.
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = stream.write_all(FULL).await;
                let _ = stream.shutdown().await;
            });
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

/// Middleware of the routes that take a body: the whole body must arrive within
/// [`Limits::body_timeout`] and within [`Limits::max_body`] bytes, or the request is
/// answered (`408`, `413`) and the connection released.
pub async fn body_deadline(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limit = st.limits.max_body;
    match tokio::time::timeout(st.limits.body_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(_)) => crate::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is over {limit} bytes, or was cut short"),
        ),
        Err(_) => {
            let secs = st.limits.body_timeout.as_secs_f64();
            let mut r = crate::error(
                StatusCode::REQUEST_TIMEOUT,
                format!("the request body did not arrive within {secs} s"),
            );
            r.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            r
        }
    }
}

/// A `429` or `503` with the `Retry-After` every refusal for load carries.
pub fn busy(status: StatusCode, message: String) -> Response {
    let mut r = crate::error(status, message);
    r.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(RETRY_AFTER_SECONDS));
    r.into_response()
}
