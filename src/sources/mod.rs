//! The scholarly APIs: one module per source, plus the shared politeness in [`http`].

pub mod crossref;
pub mod http;
pub mod openalex;
