//! Request metrics: `request_total` when a request's headers arrive; `response_total` and
//! `response_latency_ms` when its response stream ends, classified by status, by `grpc-status` (header
//! or trailer), or as a failure with an `error` if the stream broke. Responses with no body (`HEAD`,
//! `204`, `304`) end when they are sent.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::header::HOST;
use http::{HeaderMap, HeaderName, Request, Response};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};

use super::{BoxFuture, ProxyBody};
use crate::metrics::labels::Outcome;
use crate::metrics::series::{RequestSeries, RouteRef};

/// The layer's service.
#[derive(Clone, Debug)]
pub struct Record<S> {
    /// The next service.
    pub inner: S,
    /// The connection's series.
    pub series: Arc<RequestSeries>,
    /// Whether series carry the request's `authority` (outbound does, inbound does not).
    pub with_authority: bool,
}

/// The authority a request is for: its URI's (HTTP/2, absolute-form HTTP/1) or else its `Host` header
/// in lowercase; borrowed from the request unless the `Host` header had to be lowercased.
pub fn authority_of<B>(request: &Request<B>) -> Option<Cow<'_, str>> {
    if let Some(authority) = request.uri().authority() {
        return Some(Cow::Borrowed(authority.as_str()));
    }
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok())?;
    Some(if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    })
}

impl<S, B> tower::Service<Request<B>> for Record<S>
where
    S: tower::Service<Request<B>, Response = Response<ProxyBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ProxyBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ProxyBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let authority = if self.with_authority { authority_of(&request) } else { None };
        let route = self.series.request(authority.as_deref());
        let started = Instant::now();
        let series = self.series.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            let recorder = Recorder {
                series,
                route,
                started,
                status: response.status().as_u16(),
                grpc_status: grpc_status(response.headers()),
            };
            Ok(response.map(|body| RecordBody { inner: body, recorder: Some(recorder) }.boxed_unsync()))
        })
    }
}

/// The gRPC status header, named once (a name given as text is parsed at every lookup).
const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");

/// The `grpc-status` in `headers` (a trailers-only response carries it in the headers).
fn grpc_status(headers: &HeaderMap) -> Option<u32> {
    headers.get(GRPC_STATUS).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

/// What is known of a response until its stream ends.
#[derive(Debug)]
struct Recorder {
    series: Arc<RequestSeries>,
    route: RouteRef,
    started: Instant,
    status: u16,
    grpc_status: Option<u32>,
}

impl Recorder {
    fn finish(self, error: Option<String>) {
        let outcome = Outcome { status: self.status, grpc_status: self.grpc_status, error };
        let elapsed_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.series.response(&self.route, outcome, elapsed_ms);
    }
}

/// A response body that records the response when it ends, fails, or is dropped.
struct RecordBody<B> {
    inner: B,
    recorder: Option<Recorder>,
}

impl<B> Body for RecordBody<B>
where
    B: Body<Data = Bytes, Error = hyper::Error> + Unpin,
{
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(trailers), Some(recorder)) = (frame.trailers_ref(), self.recorder.as_mut()) {
                    recorder.grpc_status = grpc_status(trailers).or(recorder.grpc_status);
                }
            }
            Poll::Ready(Some(Err(e))) => {
                let message = e.to_string();
                if let Some(recorder) = self.recorder.take() {
                    recorder.finish(Some(message));
                }
            }
            Poll::Ready(None) => {
                if let Some(recorder) = self.recorder.take() {
                    recorder.finish(None);
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for RecordBody<B> {
    fn drop(&mut self) {
        if let Some(recorder) = self.recorder.take() {
            // hyper drops a body it knows is empty without polling it; any other unfinished body was
            // abandoned (the client went away, or the connection was cut off).
            recorder.finish(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use http::StatusCode;
    use prometheus_client::registry::Registry;
    use tower::{Service, ServiceExt};

    use super::*;
    use crate::http::fixed_body;
    use crate::metrics::ProxyMetrics;
    use crate::metrics::labels::{ClientTls, ConnectionLabels, Direction, Tls};

    fn connection() -> Arc<ConnectionLabels> {
        Arc::new(ConnectionLabels {
            direction: Direction::Outbound,
            target: "10.0.0.1:80".parse().expect("addr"),
            tls: Tls::Client(ClientTls::NotMeshed),
            server: None,
            destination: Vec::new(),
        })
    }

    /// A request is counted at once; its response when the body has been read, with status and class.
    #[tokio::test]
    async fn counts_request_then_response() {
        let metrics = ProxyMetrics::new(&mut Registry::default());
        let upstream = tower::service_fn(|_request: Request<()>| async {
            let mut response = Response::new(fixed_body("oops"));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            Ok::<_, Infallible>(response)
        });
        let mut service =
            Record { inner: upstream, series: RequestSeries::new(metrics.clone(), connection()), with_authority: true };
        let request = Request::builder().header(HOST, "Web.Default:80").body(()).expect("request");
        let response = service.ready().await.expect("ready").call(request).await.expect("infallible");
        let labels = connection().http(Some("web.default:80"));
        assert_eq!(metrics.requests.get_or_create(&labels).get(), 1);
        let done = Outcome { status: 500, grpc_status: None, error: None }.labels(labels.clone());
        assert_eq!(metrics.responses.get_or_create(&done).get(), 0, "not before the body ends");
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(&body[..], b"oops");
        assert_eq!(metrics.responses.get_or_create(&done).get(), 1);
        assert!(done.contains(&("classification", "failure".to_string())));
    }

    /// A gRPC status in the trailers decides the classification.
    #[tokio::test]
    async fn grpc_trailers_classify() {
        let metrics = ProxyMetrics::new(&mut Registry::default());
        let upstream = tower::service_fn(|_request: Request<()>| async {
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", "2".parse().expect("value"));
            let frames =
                vec![Ok::<_, hyper::Error>(Frame::data(Bytes::from_static(b"x"))), Ok(Frame::trailers(trailers))];
            let body = http_body_util::StreamBody::new(futures::stream::iter(frames)).boxed_unsync();
            Ok::<_, Infallible>(Response::new(body))
        });
        let mut service = Record {
            inner: upstream,
            series: RequestSeries::new(metrics.clone(), connection()),
            with_authority: false,
        };
        let response = service.ready().await.expect("ready").call(Request::new(())).await.expect("infallible");
        response.into_body().collect().await.expect("body");
        let done = Outcome { status: 200, grpc_status: Some(2), error: None }.labels(connection().http(None));
        assert_eq!(metrics.responses.get_or_create(&done).get(), 1);
        assert!(done.contains(&("classification", "failure".to_string())));
    }
}
