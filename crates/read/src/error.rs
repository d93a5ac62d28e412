use copydesk_model::Origin;

/// A problem with one input or one record of it. Always names where.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize)]
#[error("{origin}: {message}")]
pub struct ReadError {
    pub origin: Origin,
    pub message: String,
}

impl ReadError {
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        ReadError { origin, message: message.into() }
    }
}
