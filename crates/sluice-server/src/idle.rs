//! Whether a connection is idle: the requests open on it, counted from the moment hyper
//! hands one to the service until its response body has been sent or dropped.
//!
//! HTTP/1 has hyper's own timer, which closes a connection that waits too long for a
//! request head. HTTP/2 has none: a connection sits between streams, and pings keep it
//! open. So the connection loop (`server.rs`) asks [`Activity::idle_for`] and closes a
//! connection that has had no open request for the idle timeout, whatever its version.
//! A response that streams (an event stream) counts as open until its last frame, so a
//! long subscription is never idle.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{Request, Response};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::watch;

/// The requests open on one connection.
#[derive(Debug)]
pub struct Activity {
    open: watch::Sender<usize>,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            open: watch::Sender::new(0),
        })
    }

    /// Counts a request as open until the returned guard is dropped.
    fn enter(self: &Arc<Self>) -> OpenRequest {
        self.open.send_modify(|open| *open += 1);
        OpenRequest(self.clone())
    }

    /// The requests open right now.
    pub fn open(&self) -> usize {
        *self.open.borrow()
    }

    /// Completes once no request has been open for `idle` without a break. Any request
    /// that starts meanwhile, even one that ends at once, starts the wait over.
    pub async fn idle_for(&self, idle: Duration) {
        let mut open = self.open.subscribe();
        loop {
            // The sender lives in `self`, so waiting cannot fail.
            let _ = open.wait_for(|open| *open == 0).await;
            tokio::select! {
                _ = tokio::time::sleep(idle) => return,
                _ = open.changed() => {}
            }
        }
    }
}

/// A request counted as open.
#[derive(Debug)]
struct OpenRequest(Arc<Activity>);

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.0.open.send_modify(|open| *open -= 1);
    }
}

/// A hyper service that counts each request as open on its connection's [`Activity`]
/// until its response body is done.
#[derive(Debug, Clone)]
pub struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl<S, B, R> hyper::service::Service<Request<B>> for Tracked<S>
where
    S: hyper::service::Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<TrackedBody<R>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, request: Request<B>) -> Self::Future {
        let open = self.activity.enter();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|inner| TrackedBody { inner, _open: open }))
        })
    }
}

/// A response body that keeps its request counted as open until it is dropped. It
/// passes everything through, the size hint too, so HTTP/1 replies keep their
/// `Content-Length`.
#[derive(Debug)]
pub struct TrackedBody<B> {
    inner: B,
    _open: OpenRequest,
}

impl<B: Body + Unpin> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_only_after_the_last_request_and_the_full_wait() {
        const IDLE: Duration = Duration::from_secs(10);
        let activity = Activity::new();
        let request = activity.enter();
        assert_eq!(activity.open(), 1);
        let watcher = {
            let activity = activity.clone();
            tokio::spawn(async move { activity.idle_for(IDLE).await })
        };
        tokio::time::sleep(IDLE * 3).await;
        assert!(!watcher.is_finished(), "idle while a request is open");
        drop(request);
        assert_eq!(activity.open(), 0);
        tokio::time::sleep(IDLE / 2).await;
        // A short request in the middle of the wait starts it over.
        drop(activity.enter());
        tokio::time::sleep(IDLE * 3 / 4).await;
        assert!(!watcher.is_finished(), "the wait restarted");
        tokio::time::sleep(IDLE / 2).await;
        assert!(watcher.is_finished());
    }
}
