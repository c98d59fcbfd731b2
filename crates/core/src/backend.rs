//! The backend contract: a backend is a [`tower_service::Service`] from [`Request`] to
//! [`EventStream`]. Middleware is a `tower::Layer` and so works over every backend alike.

use crate::error::Error;
use crate::event::EventStream;
use crate::request::Request;

/// Anything that can serve a [`Request`] as a stream of events. Implemented for every matching
/// `tower` service.
pub trait Backend:
    tower_service::Service<Request, Response = EventStream, Error = Error> + Clone + Send + 'static
{
}

impl<S> Backend for S where
    S: tower_service::Service<Request, Response = EventStream, Error = Error>
        + Clone
        + Send
        + 'static
{
}
