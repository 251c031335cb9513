//! Events a component records about an object, in either source.
//!
//! On the Kubernetes API they become `events.k8s.io/v1` Events (what `kubectl describe` shows); from a file
//! they become one structured log line each, since a file has no place to keep them. The shape follows
//! the Events API: a type, a machine-readable reason, the action taken and an optional human note.

/// Whether an event is routine or worth a look; shown as `Type` by `kubectl describe`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Something happened as expected (an IP was assigned).
    Normal,
    /// Something is not working as expected (a pool is exhausted).
    Warning,
}

/// One event about one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Routine or worth a look.
    pub type_: EventType,
    /// Why the action was taken, in `PascalCase` (`IPAllocated`); at most 128 characters.
    pub reason: String,
    /// A sentence for people (`Assigned IP ["172.18.255.200"]`); at most 1 kB.
    pub note: Option<String>,
    /// What was done, in `PascalCase` (`Allocate`); at most 128 characters.
    pub action: String,
}

impl Event {
    /// A routine event.
    pub fn normal(reason: impl Into<String>, action: impl Into<String>) -> Self {
        Self { type_: EventType::Normal, reason: reason.into(), note: None, action: action.into() }
    }

    /// An event worth a look.
    pub fn warning(reason: impl Into<String>, action: impl Into<String>) -> Self {
        Self { type_: EventType::Warning, reason: reason.into(), note: None, action: action.into() }
    }

    /// The same event with a note for people.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}
