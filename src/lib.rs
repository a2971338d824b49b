//! xrefscan: find research papers that acknowledge US Department of Defense funding and have
//! China-based coauthors, with the evidence for every flag.
//!
//! Data flows one way: [`sources`] crawl and parse into [`model`] records, [`store`] keeps them
//! in SQLite with provenance, [`classify`] decides, and [`export`] writes what staff read.

pub mod classify;
pub mod cli;
pub mod doctor;
pub mod env;
pub mod error;
pub mod eval;
pub mod export;
pub mod lists;
pub mod model;
pub mod query;
pub mod reference;
pub mod scan;
pub mod sources;
pub mod stats;
pub mod store;

pub use error::{Error, Result};
