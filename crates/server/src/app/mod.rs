//! What a signed-in person (or the system) can do, whatever the door: authorize → load →
//! decide → write. Knows nothing of HTTP; the API, the pages and the command line call it.

pub mod audit_log;
pub mod calendars;
pub mod cases;
pub mod deadlines;
pub mod disputes;
pub mod docket;
pub mod grants;
pub mod input;
pub mod integrity;
pub mod knowledge;
pub mod limits;
pub mod numbering;
pub mod org;
pub mod people;
pub mod tickets;
pub mod webhooks;

/// The units that may see an item once a write added `more` to `units`: in order, once each (what
/// a command answers with, without reading them again).
pub use xiezhi_store::units_after;

/// Decide a change on an item as this process remembers it (`Some`: no read), and if that is
/// refused for what the item is, once more on it read afresh (`None`): another process may have
/// changed it, and a refusal is the answer only when it holds for the item as it is. Any other
/// failure (a lost connection: the write may have committed) is the answer as it stands.
pub(crate) async fn on_remembered<R, T, F, Fut>(remembered: Option<R>, attempt: F) -> crate::error::ApiResult<T>
where
    F: Fn(Option<R>) -> Fut,
    Fut: std::future::Future<Output = crate::error::ApiResult<T>>,
{
    use crate::error::AppError;
    if let Some(r) = remembered {
        match attempt(Some(r)).await {
            Err(AppError::Refused { .. } | AppError::Conflict(_) | AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Invalid { .. }) => {}
            answer => return answer,
        }
    }
    attempt(None).await
}
