//! The audit log's mathematics: RFC 6962 / RFC 9162 Merkle trees and C2SP signed notes. Pure:
//! storage hands in the hashes a computation asks for, and randomness comes from the caller.

mod leaf;
mod merkle;
mod note;
mod tiles;

pub use leaf::*;
pub use merkle::*;
pub use note::*;
pub use tiles::*;
