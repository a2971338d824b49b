//! The scholarly APIs: one module per source, plus the shared politeness in [`http`].

pub mod crossref;
pub mod europepmc;
pub mod html;
pub mod http;
pub mod jats;
pub mod openalex;
pub mod pages;
