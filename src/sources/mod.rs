//! The scholarly sources. Each module fetches and parses one source and hands what it found to
//! a [`sink::Sink`]; none of them knows the store. Shared: [`http`] (one client, per-source
//! politeness, retries), [`paging`] (the one cursor crawler), [`sink`] (where results go).

pub mod crossref;
pub mod europepmc;
pub mod html;
pub mod http;
pub mod jats;
pub mod openalex;
pub mod pace;
pub mod pages;
pub mod paging;
pub mod pdf;
pub mod pdf_text;
pub mod sink;
pub mod usaspending;
