//! The xiezhi domain. Pure: no I/O, no clock, no randomness — callers pass those in.

pub mod calendar;
pub mod case;
pub mod charges;
pub mod dates;
pub mod deadline;
pub mod demo;
pub mod dispute;
pub mod id_number;
pub mod local;
pub mod names;
pub mod org;
pub mod policy;
pub mod refusal;
pub mod rules;
pub mod subject;
pub mod ticket;

pub use calendar::{Calendar, CalendarError, MakeUpDayPolicy, YearFile};
pub use deadline::{compute, resolve, Deadline, DeadlineError, DeadlineRequest, Resolved, Start};
pub use names::{DisplayName, FieldError, Password, RegionCode, UnitName, Username};
pub use org::{RegionLevel, Role, UnitKind};
pub use policy::{AccountChange, Action, Actor, Denied, Scope};
pub use rules::{Rule, RuleId, RULES};
pub use subject::{Subject, SubjectKind};
