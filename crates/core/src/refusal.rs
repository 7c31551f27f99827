//! Why a machine refused a command — shared by every machine (cases now; disputes, work orders
//! next), so every door answers a refusal the same way.

/// What kind of refusal it is: the doors answer `NotYours` as a matter of access (HTTP 403) and
/// `NotNow` as a transition the state does not allow (HTTP 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The command is not this unit's to give on this item (it does not hold it, or is not its
    /// receiver, or is the wrong kind of unit).
    NotYours,
    /// The command is not open in the item's state, or its content breaks a rule.
    NotNow,
}

/// Why a command was refused: the state it met and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (state: {state}; rule: {rule})")]
pub struct Refusal {
    pub kind: RefusalKind,
    /// Stable code, e.g. `illegal_transition`, `not_holder`, `not_receiver`.
    pub code: &'static str,
    pub state: String,
    pub rule: String,
    pub message: String,
}
