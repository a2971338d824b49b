//! xrefscan: find research papers that acknowledge US Department of Defense funding and have
//! China-based coauthors, with the evidence for every flag.
//!
//! Data flows one way: [`sources`] fetch and parse into [`model`] records and hand them to a
//! sink, [`store`] keeps them in SQLite with provenance, [`classify`] decides, and [`export`]
//! writes what staff read. [`scan`] runs the sources as a list of stages; [`flagged`],
//! [`review`] and [`overrides`] are what the command line (and the review page) call.
//! `docs/ARCHITECTURE.md` draws it.

pub mod awards;
pub mod card;
pub mod classify;
pub mod defaults;
pub mod env;
pub mod error;
pub mod eval;
pub mod export;
pub mod flagged;
pub mod lists;
pub mod model;
pub mod overrides;
pub mod people;
pub mod progress;
pub mod query;
pub mod reference;
pub mod review;
pub mod scan;
pub mod sources;
pub mod store;
pub mod web;

pub use error::{Error, Result};
